package health

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// errInvalidClientTokenID is what AWS answers to valid credentials in a
// region the account has not enabled.
const errInvalidClientTokenID = "InvalidClientTokenId"

// checkRegions calls STS in each region with the role's client, all
// at once so that one slow region does not use up the others' time. It
// returns the problems found and the regions that answered, both in the
// order of regions.
func checkRegions(ctx context.Context, client *sts.Client, accountID string, regions []string) (details []Detail, answered []string) {
	found := make([]*Detail, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Go(func() {
			inRegion := func(o *sts.Options) { o.Region = region }
			if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, inRegion); err != nil {
				d := regionDetail(region, accountID, err)
				found[i] = &d
			}
		})
	}
	wg.Wait()
	for i, d := range found {
		if d != nil {
			details = append(details, *d)
		} else {
			answered = append(answered, regions[i])
		}
	}
	return details, answered
}

// regionDetail tells apart why STS in a region refused the role's
// credentials. The credentials have already read the role through IAM, so
// they are valid: an opt-in region the account has not enabled refuses them
// as InvalidClientTokenId, because AWS distributes the account's IAM
// resources to a region only when it is enabled ("Specify which AWS Regions
// your account can use",
// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
// An enabled region whose STS endpoint an administrator deactivated answers
// RegionDisabledException ("Manage AWS STS in an AWS Region",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html).
func regionDetail(region, accountID string, err error) Detail {
	switch code := errorCode(err); {
	case code == errRegionDisabled || strings.Contains(describe(err), "STS is not activated"):
		return stsRegionInactive(region, err)
	case code == errInvalidClientTokenID:
		return regionNotEnabled(region, accountID, err)
	default:
		return regionUnreachable(region, err)
	}
}
