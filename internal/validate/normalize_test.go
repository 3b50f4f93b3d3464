package validate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToConnectionName(t *testing.T) {
	long := strings.Repeat("a", 70)
	tests := []struct {
		in, want string
	}{
		{"prod-payments", "prod-payments"},
		{"Prod.Payments EU", "prod-payments-eu"},
		{"PROD_PAYMENTS", "prod-payments"},
		{"  prod  payments  ", "prod-payments"},
		{"prod--payments", "prod-payments"},
		{"prod - payments", "prod-payments"},
		{"-prod-", "prod"},
		{"...prod...", "prod"},
		{"Acme Corp (Prod) #2", "acme-corp-prod-2"},
		{"a/b\\c:d@e+f", "a-b-c-d-e-f"},
		{"tab\tnew\nline", "tab-new-line"},
		{"123456789012", "123456789012"},
		{"Zürich", "z-rich"},
		{"日本 prod", "prod"},
		{"prod 日本", "prod"},
		{"\u212a", ""}, // KELVIN SIGN lowercases to 'k' in Unicode, but nothing is transliterated
		{"x\xffy", "x-y"},
		{long, long[:MaxConnectionNameLength]},
		// Cut at the limit without a trailing dash.
		{strings.Repeat("a", 62) + " b", strings.Repeat("a", 62)},
		{strings.Repeat("a", 61) + " bc", strings.Repeat("a", 61) + "-b"},
		{strings.Repeat("ab ", 40), strings.TrimSuffix(strings.Repeat("ab-", 21), "-")},
	}
	for _, tt := range tests {
		got, err := ToConnectionName(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ToConnectionName(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ToConnectionName(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ToConnectionName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := ConnectionName(got); err != nil {
			t.Errorf("ToConnectionName(%q) = %q, which ConnectionName refuses: %v", tt.in, got, err)
		}
	}
}

func TestToConnectionNameError(t *testing.T) {
	for _, in := range []string{"", "...", "---", "   ", "_", "日本", "Æø ÷ ÿ"} {
		got, err := ToConnectionName(in)
		if err == nil {
			t.Errorf("ToConnectionName(%q) = %q, want an error", in, got)
			continue
		}
		msg := err.Error()
		for _, want := range []string{"cannot make a connection name", ConnectionNameRule} {
			if !strings.Contains(msg, want) {
				t.Errorf("ToConnectionName(%q) error %q does not contain %q", in, msg, want)
			}
		}
		if in != "" && !strings.Contains(msg, `"`+in+`"`) {
			t.Errorf("ToConnectionName(%q) error %q does not quote the input", in, msg)
		}
	}
	if _, err := ToConnectionName(""); err == nil || !strings.Contains(err.Error(), "an empty string") {
		t.Errorf("ToConnectionName(\"\") error = %v, want one naming an empty string", err)
	}
	// A long unusable input is shortened in the message.
	_, err := ToConnectionName(strings.Repeat(".", 10000))
	if err == nil || len(err.Error()) > 600 || !strings.Contains(err.Error(), "(10000 characters)") {
		t.Errorf("error for a long input = %v, want a short message naming the length", err)
	}
}

// FuzzConnectionName holds ToConnectionName to its contract for any input:
// a result always passes ConnectionName, is its own normal form, and an
// error comes exactly when the input has no ASCII letter or digit. Without
// -fuzz, go test runs the seeds.
func FuzzConnectionName(f *testing.F) {
	for _, seed := range []string{
		"", "...", "-", "a", "A", "0", "prod-payments", "Prod.Payments EU", "PROD_PAYMENTS",
		"a--b", "-a-", " a b ", "日本", "Zürich", "\u212a", "\u0130stanbul", "x\xffy", "\x00a\x00",
		strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 62) + "-b",
		strings.Repeat("a", 61) + ".bc", strings.Repeat("ab.", 30), strings.Repeat("日", 100) + "z",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ToConnectionName(in)
		hasAlnum := strings.IndexFunc(in, func(r rune) bool {
			return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		}) >= 0
		if err != nil {
			if hasAlnum {
				t.Fatalf("ToConnectionName(%q): %v, but the input has an ASCII letter or digit", in, err)
			}
			if !strings.Contains(err.Error(), ConnectionNameRule) || !utf8.ValidString(err.Error()) {
				t.Fatalf("ToConnectionName(%q) error %q does not state the rule", in, err)
			}
			return
		}
		if !hasAlnum {
			t.Fatalf("ToConnectionName(%q) = %q, want an error: the input has no ASCII letter or digit", in, got)
		}
		if err := ConnectionName(got); err != nil {
			t.Fatalf("ToConnectionName(%q) = %q, which ConnectionName refuses: %v", in, got, err)
		}
		if strings.Contains(got, "--") {
			t.Fatalf("ToConnectionName(%q) = %q has a run of dashes", in, got)
		}
		again, err := ToConnectionName(got)
		if err != nil || again != got {
			t.Fatalf("ToConnectionName(%q) = %q, %v; want the result itself", got, again, err)
		}
		// A valid name without a run of dashes is left as it is.
		if ConnectionName(in) == nil && !strings.Contains(in, "--") && got != in {
			t.Fatalf("ToConnectionName(%q) = %q, want the valid name unchanged", in, got)
		}
	})
}
