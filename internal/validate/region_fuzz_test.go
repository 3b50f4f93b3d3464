package validate

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/agext/levenshtein"
)

// regionForm is the shape of every AWS region ID in every partition:
// us-east-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1.
var regionForm = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`)

// suggestion is how Region's error offers what was meant.
var suggestion = regexp.MustCompile(`did you mean "([^"]*)"\?`)

// FuzzRegion checks that Region accepts only known region IDs, and that a
// refusal is short whatever the input and offers only a known region within
// a few edits of it. TestRegion has the named cases.
func FuzzRegion(f *testing.F) {
	for _, seed := range []string{"us-east-1", "us-gov-west-1", "eusc-de-east-1", "us-esat-1", "US-WEST-2", " us-east-1 ",
		"eu-south-1a", "aws-global", "", "mars-north-1", strings.Repeat("x", 2000), "ü-east-1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, region string) {
		err := Region(region)
		if err == nil {
			if !regionForm.MatchString(region) || !slices.Contains(knownRegions, region) {
				t.Fatalf("Region(%q) = nil for a name that is not a known region ID", region)
			}
			return
		}
		msg := err.Error()
		if !strings.Contains(msg, "is not an AWS region name") {
			t.Fatalf("Region(%q) = %q, which does not say what is wrong", region, msg)
		}
		// QuoteInput keeps 80 characters, each at most 10 bytes once quoted.
		if len(msg) > 1200 {
			t.Fatalf("Region(%d bytes) gave a %d-byte error", len(region), len(msg))
		}
		m := suggestion.FindStringSubmatch(msg)
		if m == nil {
			return
		}
		if Region(m[1]) != nil {
			t.Fatalf("Region(%q) suggests %q, which Region refuses", region, m[1])
		}
		input := strings.ToLower(strings.TrimSpace(region))
		if d := levenshtein.Distance(input, m[1], nil); d > maxRegionTypo {
			t.Fatalf("Region(%q) suggests %q, %d edits away", region, m[1], d)
		}
	})
}
