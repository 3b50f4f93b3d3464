package health

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// checkRegions calls STS in each region with the role's credentials, all
// at once so that one slow region does not use up the others' time.
// Details keep the order of regions.
func checkRegions(ctx context.Context, cfg aws.Config, regions []string) []Detail {
	found := make([]*Detail, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() {
			client := sts.NewFromConfig(cfg, func(o *sts.Options) { o.Region = region })
			if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				d := regionDetail(region, err)
				found[i] = &d
			}
		})
	}
	wg.Wait()
	var details []Detail
	for _, d := range found {
		if d != nil {
			details = append(details, *d)
		}
	}
	return details
}

// regionDetail tells a region whose STS endpoint is not activated for the
// account from other failures there.
func regionDetail(region string, err error) Detail {
	if errorCode(err) == errRegionDisabled || strings.Contains(describe(err), "STS is not activated") {
		return stsRegionInactive(region, err)
	}
	return regionUnreachable(region, err)
}
