package validate

import (
	"slices"
	"strings"
	"testing"
)

func TestRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		input      string
		suggestion string // the region offered; empty for none
		valid      bool
	}{
		{"aws", "us-east-1", "", true},
		{"aws opt-in", "ap-east-1", "", true},
		{"aws newer opt-in", "eu-south-2", "", true},
		{"aws-cn", "cn-north-1", "", true},
		{"aws-cn northwest", "cn-northwest-1", "", true},
		{"aws-us-gov", "us-gov-west-1", "", true},
		{"aws-iso", "us-iso-east-1", "", true},
		{"aws-iso-b", "us-isob-east-1", "", true},
		{"aws-iso-e", "eu-isoe-west-1", "", true},
		{"aws-iso-f", "us-isof-south-1", "", true},
		{"aws-eusc", "eusc-de-east-1", "", true},
		{"swapped letters", "us-esat-1", "us-east-1", false},
		{"upper case", "US-WEST-2", "us-west-2", false},
		{"no dashes", "useast1", "us-east-1", false},
		{"no number", "eu-south", "eu-south-1", false},
		{"availability zone", "eu-south-1a", "eu-south-1", false},
		{"unknown number", "ap-southeast-9", "ap-southeast-1", false},
		{"gov typo", "us-gvo-west-1", "us-gov-west-1", false},
		{"surrounding space", " us-east-1 ", "us-east-1", false},
		{"global pseudo-region", "aws-global", "", false},
		{"empty", "", "", false},
		{"garbage", "mars-north-1", "", false},
		{"long garbage", strings.Repeat("x", 200), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Region(tt.input)
			if tt.valid {
				if err != nil {
					t.Fatalf("Region(%q) = %v, want nil", tt.input, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Region(%q) = nil, want an error", tt.input)
			}
			msg := err.Error()
			if !strings.Contains(msg, "is not an AWS region name") || !strings.Contains(msg, "such as us-east-1") {
				t.Errorf("Region(%q) = %q, want it to say what is allowed", tt.input, msg)
			}
			if tt.suggestion == "" {
				if strings.Contains(msg, "did you mean") {
					t.Errorf("Region(%q) = %q, want no suggestion", tt.input, msg)
				}
				return
			}
			if want := `did you mean "` + tt.suggestion + `"?`; !strings.Contains(msg, want) {
				t.Errorf("Region(%q) = %q, want it to contain %q", tt.input, msg, want)
			}
		})
	}
}

// Every region the endpoint data lists is valid, in every partition: a
// region AWS knows is never refused.
func TestRegionKnowsEveryPartition(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, id := range knownRegions {
		if err := Region(id); err != nil {
			t.Errorf("Region(%q) = %v", id, err)
		}
		seen[id] = true
	}
	for _, id := range []string{"us-east-1", "cn-north-1", "us-gov-east-1", "us-iso-west-1"} {
		if !seen[id] {
			t.Errorf("known regions lack %s: %v", id, knownRegions)
		}
	}
}

func TestRegionMessageBoundsLongInput(t *testing.T) {
	t.Parallel()
	err := Region(strings.Repeat("x", 1000))
	if err == nil || len(err.Error()) > 400 {
		t.Fatalf("Region(1000 x's) = %v, want a short error", err)
	}
}

// A name longer than any region plus maxRegionTypo cannot be a typo of
// one, so it is not compared with every known region (0.57 s for 64 KB):
// no suggestion, and no edit distance computed, which would allocate.
func TestClosestRegionSkipsLongInput(t *testing.T) {
	long := strings.Repeat("x", maxSuggestedLength+1)
	if match, ok := closestRegion(long); ok {
		t.Fatalf("closestRegion(%d characters) = %q, want no suggestion", len(long), match)
	}
	if allocs := testing.AllocsPerRun(10, func() { closestRegion(long) }); allocs != 0 {
		t.Fatalf("closestRegion(%d characters) allocated %v times: it computed edit distances", len(long), allocs)
	}
	// The longest region with maxRegionTypo letters added is still compared.
	longest := slices.MaxFunc(knownRegions, func(a, b string) int { return len(a) - len(b) })
	if within := longest + "xyz"; len(within) != maxSuggestedLength {
		t.Fatalf("%q is %d characters, want %d", within, len(within), maxSuggestedLength)
	} else if _, ok := closestRegion(within); !ok {
		t.Fatalf("closestRegion(%q) offers nothing, want a region", within)
	}
}

func BenchmarkRegionLongInput(b *testing.B) {
	long := strings.Repeat("x", 64<<10)
	for b.Loop() {
		_ = Region(long)
	}
}
