package main

import (
	"testing"
	"time"
)

func TestParseSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "1h": time.Hour, "36h": 36 * time.Hour, "007d": 7 * 24 * time.Hour} {
		if got, err := parseSpan(in); err != nil || got != want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "90", "0d", "-1d", "+1d", "1.5d", "90m", "1w", "1d12h", " 1d", "999999999999d"} {
		if got, err := parseSpan(in); err == nil {
			t.Errorf("parseSpan(%q) = %v, want an error", in, got)
		}
	}
}
