package validate

import (
	"strings"
	"testing"
)

func TestQuoteInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "an empty string"},
		{"short", "prod", `"prod"`},
		{"at the bound", strings.Repeat("a", 80), `"` + strings.Repeat("a", 80) + `"`},
		{"past the bound", strings.Repeat("a", 81), `"` + strings.Repeat("a", 80) + `"… (81 characters)`},
		{"multi-byte characters cut whole", strings.Repeat("é", 100), `"` + strings.Repeat("é", 80) + `"… (100 characters)`},
		{"invalid UTF-8 escaped", strings.Repeat("\xff", 81), `"` + strings.Repeat(`\xff`, 80) + `"… (81 characters)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := QuoteInput(tt.input); got != tt.want {
				t.Errorf("QuoteInput(%d bytes) = %s, want %s", len(tt.input), got, tt.want)
			}
		})
	}
}

// Every validator that repeats its input cuts a long one: a 3,000-character
// name once gave a 3,235-byte error, and a 1 MiB request body 2 MiB of 422.
func TestErrorsCutLongInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A", 3000)
	// Each distinct character outside the naming rule was listed once.
	var distinct strings.Builder
	for r := rune(0x4e00); distinct.Len() < 9000; r++ {
		distinct.WriteRune(r)
	}
	roleARN := func(s string) error { _, err := ParseRoleARN(s); return err }
	principalARN := func(s string) error { _, err := ParsePrincipalARN(s); return err }
	for name, check := range map[string]func(string) error{
		"ConnectionName": ConnectionName, "ParseRoleARN": roleARN, "ParsePrincipalARN": principalARN,
		"AccountID": AccountID, "ConnectionType": ConnectionType, "BucketName": BucketName,
		"Region": Region,
	} {
		for _, input := range []string{long, "-" + distinct.String()} {
			err := check(input)
			if err == nil {
				t.Fatalf("%s(%d bytes) = nil, want an error", name, len(input))
			}
			if msg := err.Error(); len(msg) > 1024 || !strings.Contains(msg, " characters)") {
				t.Errorf("%s(%d bytes) gave a %d-byte error, want at most 1 KiB naming the input's length: %.300s",
					name, len(input), len(msg), msg)
			}
		}
	}
}
