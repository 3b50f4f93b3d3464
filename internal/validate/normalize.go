package validate

import (
	"fmt"
	"strings"
)

// ToConnectionName turns any text, such as an AWS account name, into a
// connection name that ConnectionName accepts:
//
//   - ASCII letters are lowercased; ASCII letters and digits are kept;
//   - every run of other characters (spaces, periods, underscores, dashes,
//     punctuation, and any non-ASCII character) becomes one dash;
//   - leading and trailing dashes are trimmed;
//   - the result is cut to MaxConnectionNameLength characters, without
//     leaving a dash at the end.
//
// Non-ASCII letters are not transliterated: "Zürich" becomes "z-rich", and a
// name with no ASCII letter or digit at all (for example "日本" or "...") is an
// error that says what a connection name allows. The result of a nil error
// always passes ConnectionName, and ToConnectionName of a result is the
// result itself.
func ToConnectionName(s string) (string, error) {
	var b strings.Builder
	b.Grow(min(len(s), MaxConnectionNameLength+1))
	pendingDash := false
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
		default:
			// A separator: written only once something follows it, so runs
			// collapse and no dash leads or trails.
			pendingDash = b.Len() > 0
			continue
		}
		if pendingDash {
			if b.Len()+1 >= MaxConnectionNameLength {
				// The dash and a character after it would not fit.
				break
			}
			b.WriteByte('-')
			pendingDash = false
		}
		b.WriteRune(r)
		if b.Len() == MaxConnectionNameLength {
			break
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("cannot make a connection name of %s: it has no ASCII letter (a-z, A-Z) or digit (0-9) to keep "+
			"(other characters become dashes, and non-ASCII letters are not transliterated). A connection name allows %s",
			QuoteInput(s), ConnectionNameRule)
	}
	return b.String(), nil
}
