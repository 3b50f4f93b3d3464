package acctest

import "slices"

// optInRegions are the AWS Regions launched after March 20, 2019, disabled
// in every account until enabled ("Specify which AWS Regions your account
// can use", https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
var optInRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1",
	"eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
}

// regionStates are the per-account region settings the layer enforces.
type regionStates struct {
	enabled        map[string]bool // account/region of opt-in regions enabled
	stsDeactivated map[string]bool // account/region where STS is deactivated
}

func accountRegion(accountID, region string) string { return accountID + "/" + region }

// regionEnabled says whether the account may use the region at all.
func (s regionStates) regionEnabled(accountID, region string) bool {
	return !slices.Contains(optInRegions, region) || s.enabled[accountRegion(accountID, region)]
}

// stsActive says whether STS in the region issues credentials for the
// account: enabling an opt-in region activates STS there, and STS can be
// deactivated in any region ("Manage AWS STS in an AWS Region",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html).
func (s regionStates) stsActive(accountID, region string) bool {
	return s.regionEnabled(accountID, region) && !s.stsDeactivated[accountRegion(accountID, region)]
}
