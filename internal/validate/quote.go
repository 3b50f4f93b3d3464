package validate

import (
	"fmt"
	"unicode/utf8"
)

// maxQuotedInput bounds how much of an unusable input an error message
// repeats, so that a long value (a name of 3,000 characters, a 1 MiB body)
// gives a short error, not a copy of itself.
const maxQuotedInput = 80

// QuoteInput quotes client input for an error message: in full when short,
// else its first maxQuotedInput characters and the input's length. Every
// error of this package that repeats input uses it, and so does the
// service's.
func QuoteInput(s string) string {
	if s == "" {
		return "an empty string"
	}
	n := utf8.RuneCountInString(s)
	if n <= maxQuotedInput {
		return fmt.Sprintf("%q", s)
	}
	end := 0
	for range maxQuotedInput {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return fmt.Sprintf("%q… (%d characters)", s[:end], n)
}
