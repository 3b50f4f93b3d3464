package health

import (
	"fmt"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

// Detail is one reason a connection is not healthy.
type Detail struct {
	// Code is one of the Code constants.
	Code string
	// Message says concretely what is wrong.
	Message string
	// Remediation is one sentence saying what to change.
	Remediation string
}

// Detail codes, as the API reports them.
const (
	CodeAssumeRoleDenied           = "assume_role_denied"
	CodeRoleNotFound               = "role_not_found"
	CodeTrustPrincipalMismatch     = iampolicy.CodeTrustPrincipalMismatch
	CodeExternalIDConditionMissing = iampolicy.CodeExternalIDConditionMissing
	CodeExternalIDMismatch         = iampolicy.CodeExternalIDMismatch
	CodeTrustExplicitDeny          = iampolicy.CodeTrustExplicitDeny
	CodePolicyMissing              = "policy_missing"
	CodePolicyOutdated             = "policy_outdated"
	CodeSTSRegionInactive          = "sts_region_inactive"
	CodeRegionNotEnabled           = "region_not_enabled"
	CodePermissionDenied           = "permission_denied"
)

func invalidRoleARN(err error) Detail {
	return Detail{
		Code:        CodeRoleNotFound,
		Message:     err.Error(),
		Remediation: "Update the connection with the ARN of the role the platform should assume.",
	}
}

func assumeRoleDenied(t Target, err error) Detail {
	return Detail{
		Code:    CodeAssumeRoleDenied,
		Message: fmt.Sprintf("the platform (%s) cannot assume role %s with the organization's external ID: %s", t.PrincipalARN, t.RoleARN, describe(err)),
		Remediation: fmt.Sprintf("Create the role if it does not exist, give its trust policy %s, and allow about 5 minutes for IAM to propagate the change.",
			iampolicy.TrustStatement(t.PrincipalARN, t.ExternalID)),
	}
}

func roleNotFound(roleARN string) Detail {
	return Detail{
		Code:        CodeRoleNotFound,
		Message:     fmt.Sprintf("role %s does not exist", roleARN),
		Remediation: "Create the role (costlink_aws_role does) or update the connection with the ARN of an existing role.",
	}
}

func inlinePolicyMissing(roleARN, name string, missing []string) Detail {
	return Detail{
		Code:        CodePolicyMissing,
		Message:     fmt.Sprintf("inline policy %s of the generated policy is not on role %s%s", name, roleARN, lacking(missing)),
		Remediation: fmt.Sprintf("Put the generated inline policy %s on the role (costlink_aws_role_policy does).", name),
	}
}

func inlinePolicyOutdated(roleARN, name string, missing []string) Detail {
	what := lacking(missing)
	if what == "" {
		what = ": it differs from the current version"
	}
	return Detail{
		Code:        CodePolicyOutdated,
		Message:     fmt.Sprintf("inline policy %s on role %s is not the current generated version%s", name, roleARN, what),
		Remediation: fmt.Sprintf("Replace inline policy %s with the current generated version (apply costlink_aws_role_policy again).", name),
	}
}

func managedPolicyMissing(roleARN, policyARN string) Detail {
	return Detail{
		Code:        CodePolicyMissing,
		Message:     fmt.Sprintf("managed policy %s is not attached to role %s", policyARN, roleARN),
		Remediation: fmt.Sprintf("Attach the managed policy %s to the role (costlink_aws_role_policy does).", policyARN),
	}
}

// lacking phrases the actions a role lacks as the end of a message.
func lacking(missing []string) string {
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf(": the role lacks %d actions: %s", len(missing), strings.Join(missing, ", "))
}

func stsRegionInactive(region string, err error) Detail {
	return Detail{
		Code:    CodeSTSRegionInactive,
		Message: fmt.Sprintf("STS is not active in region %s for the role's account: %s", region, describe(err)),
		Remediation: fmt.Sprintf("Activate %s under Security Token Service (STS) regions in the IAM console's Account settings of the role's account.",
			region),
	}
}

// regionNotEnabled reports an opt-in region the role's account has not
// enabled. Enabling takes minutes, sometimes hours ("EnableRegion",
// https://docs.aws.amazon.com/accounts/latest/reference/API_EnableRegion.html).
func regionNotEnabled(region, accountID string, err error) Detail {
	return Detail{
		Code:    CodeRegionNotEnabled,
		Message: fmt.Sprintf("region %s is not enabled for account %s, so STS there refuses the role's credentials: %s", region, accountID, describe(err)),
		Remediation: fmt.Sprintf("Enable %[1]s for account %[2]s in the AWS console (Account page, AWS Regions) or with "+
			"`aws account enable-region --region-name %[1]s` (from the organization's management account, add `--account-id %[2]s`), "+
			"then allow the few minutes (at times hours) AWS takes to prepare the region; or remove %[1]s from the connection's regions.", region, accountID),
	}
}

func regionUnreachable(region string, err error) Detail {
	return Detail{
		Code:        CodePermissionDenied,
		Message:     fmt.Sprintf("the role's credentials cannot call STS in region %s: %s", region, describe(err)),
		Remediation: fmt.Sprintf("Make sure no service control policy or permissions boundary denies the role's STS calls in %s.", region),
	}
}

// cannotRead reports a read the role's credentials were refused; the
// generated policy grants every read the check makes.
func cannotRead(what, action string, err error) Detail {
	return Detail{
		Code:        CodePermissionDenied,
		Message:     fmt.Sprintf("the role cannot %s: %s", what, describe(err)),
		Remediation: fmt.Sprintf("Attach the generated policy to the role: it grants %s.", action),
	}
}
