package validate

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/aws-sdk-go-base/v2/endpoints"
)

// maxRegionTypo is the largest edit distance at which a region AWS knows
// is offered as what was meant: enough for a swapped pair of letters
// ("us-esat-1") or a missing dash and number ("us-east"), not so much that
// an unrelated name gets a suggestion.
const maxRegionTypo = 3

// knownRegions are the region IDs of every AWS partition (aws, aws-cn,
// aws-us-gov, the ISO partitions...) from the endpoint data that
// terraform-provider-aws uses, sorted. A name of the right form that AWS does
// not know, such as "us-esat-1", would otherwise pass here and fail only at
// the first health check, as a region STS does not answer in.
// See "AWS Regions" (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html).
var knownRegions = regionIDs(endpoints.DefaultPartitions())

// maxSuggestedLength is the longest input that can be within maxRegionTypo
// edits of a known region: a longer one needs at least one edit per
// character it has beyond a region's length, so it is not compared (which
// took half a second for a 64 KB input).
var maxSuggestedLength = longest(knownRegions) + maxRegionTypo

// KnownRegionCount is how many regions AWS knows across its partitions: no
// connection can usefully cover more, so the service caps a connection's
// region list at it.
func KnownRegionCount() int { return len(knownRegions) }

func regionIDs(partitions []endpoints.Partition) []string {
	var ids []string
	for _, p := range partitions {
		for id := range p.Regions() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func longest(ids []string) int {
	n := 0
	for _, id := range ids {
		n = max(n, utf8.RuneCountInString(id))
	}
	return n
}

// Region checks that region is one AWS knows, in any partition, and names
// the closest one when it looks like a typo.
func Region(region string) error {
	if _, found := slices.BinarySearch(knownRegions, region); found {
		return nil
	}
	const rest = "use a region AWS knows, such as us-east-1, eu-south-1 or ap-east-1 " +
		"(a region AWS launched after this release needs a newer one)"
	if match, ok := closestRegion(region); ok {
		return fmt.Errorf("%s is not an AWS region name: did you mean %q? Otherwise %s", QuoteInput(region), match, rest)
	}
	return fmt.Errorf("%s is not an AWS region name: %s", QuoteInput(region), rest)
}

// closestRegion is the known region with the fewest edits from region,
// ignoring case, and whether it is close enough to be what was meant. Ties
// go to the first in sorted order.
func closestRegion(region string) (string, bool) {
	input := strings.ToLower(strings.TrimSpace(region))
	if input == "" || utf8.RuneCountInString(input) > maxSuggestedLength {
		return "", false
	}
	// No MaxCost: in levenshtein v1.2.3 it can return less than the true
	// distance, which would make "ap-east-2" the best match for "us-esat-1".
	best, bestDistance := "", maxRegionTypo+1
	for _, id := range knownRegions {
		if d := levenshtein.Distance(input, id, nil); d < bestDistance {
			best, bestDistance = id, d
		}
	}
	return best, best != ""
}
