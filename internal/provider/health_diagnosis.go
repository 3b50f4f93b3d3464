package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// The service checks a connection with the platform's credentials. When the
// platform cannot assume the role, AWS tells it only AccessDenied, whatever
// the cause, and a policy it cannot see may be missing or merely not
// propagated yet. The provider usually reaches the member account itself
// (it manages the role), so it reads the role with the account's own
// credentials and tells a mistake (fail now, saying what to write) from IAM
// catching up (keep waiting, for at most one propagation window).

// Health codes the provider acts on besides the trust codes iampolicy
// defines. The service defines them too; the API document lists them.
const (
	codeAssumeRoleDenied  = "assume_role_denied"
	codeRoleNotFound      = "role_not_found"
	codePolicyMissing     = "policy_missing"
	codePolicyOutdated    = "policy_outdated"
	codePermissionDenied  = "permission_denied"
	codeSTSRegionInactive = "sts_region_inactive"
	codeRegionNotEnabled  = "region_not_enabled"
)

// definiteHealthCodes are the service's findings that waiting will not
// change: the service read them from the role, or AWS named the region.
var definiteHealthCodes = []string{
	codeRoleNotFound,
	iampolicy.CodeTrustPrincipalMismatch,
	iampolicy.CodeExternalIDConditionMissing,
	iampolicy.CodeExternalIDMismatch,
	iampolicy.CodeTrustExplicitDeny,
	codeSTSRegionInactive,
	codeRegionNotEnabled,
}

// organizationAccountAccessRole is the role AWS Organizations creates in
// every account it vends, trusting the management account: the provider
// reaches a member account through it unless told otherwise.
const organizationAccountAccessRole = "OrganizationAccountAccessRole"

// verdict is what one look at an unhealthy connection concludes.
type verdict struct {
	// details explain the problem: the provider's findings where it has
	// them, the service's otherwise.
	details []client.HealthDetail
	// hopeless is true when waiting will not fix the problem.
	hopeless bool
}

// roleInspector reads a connection's role with the member account's own
// credentials, to explain what the platform was refused.
type roleInspector struct {
	data     *providerData
	conn     awsConnectionResourceModel
	role     validate.RoleARN
	account  *awsiam.Account
	reachErr error // why account is nil
}

// newRoleInspector prepares the inspection of the connection in m; it
// reaches the account on first use.
func newRoleInspector(data *providerData, m awsConnectionResourceModel) *roleInspector {
	role, _ := validate.ParseRoleARN(m.RoleARN.ValueString()) // validated at plan
	return &roleInspector{data: data, conn: m, role: role}
}

// judge decides whether waiting can still make the unhealthy connection
// healthy, and explains it as precisely as the provider can.
func (ri *roleInspector) judge(ctx context.Context, h *client.Health) verdict {
	if slices.ContainsFunc(h.Details, isDefinite) {
		return verdict{details: h.Details, hopeless: true}
	}
	var v verdict
	policyChecked := false
	for _, d := range h.Details {
		switch {
		case d.Code == codeAssumeRoleDenied:
			found, hopeless := ri.explainDenied(ctx)
			v.details = append(v.details, found)
			v.hopeless = v.hopeless || hopeless
		case isPolicyProblem(d) && !policyChecked:
			policyChecked = true
			found, hopeless := ri.explainPolicy(ctx, h.Details)
			v.details = append(v.details, found...)
			v.hopeless = v.hopeless || hopeless
		case !isPolicyProblem(d):
			v.details = append(v.details, d)
		}
	}
	// A role still propagating may also lack its policy: say so now rather
	// than after the platform gets in.
	if !v.hopeless && !policyChecked && ri.account != nil {
		if gaps, hopeless := ri.explainPolicy(ctx, nil); hopeless {
			return verdict{details: append(v.details, gaps...), hopeless: true}
		}
	}
	return v
}

func isDefinite(d client.HealthDetail) bool { return slices.Contains(definiteHealthCodes, d.Code) }

func isPolicyProblem(d client.HealthDetail) bool {
	return slices.Contains([]string{codePolicyMissing, codePolicyOutdated, codePermissionDenied}, d.Code)
}

// reach returns the member account of the role, reached as the connection
// says, or else with the provider's credentials when the role is in their
// account, or else through the account's OrganizationAccountAccessRole.
func (ri *roleInspector) reach(ctx context.Context) (*awsiam.Account, error) {
	if ri.account != nil || ri.reachErr != nil {
		return ri.account, ri.reachErr
	}
	ri.account, ri.reachErr = ri.connect(ctx)
	return ri.account, ri.reachErr
}

func (ri *roleInspector) connect(ctx context.Context) (*awsiam.Account, error) {
	via := ri.conn.AssumeRoleARN.ValueString()
	if via == "" {
		account, _, err := reachAccount(ctx, ri.data, ri.role.Partition, ri.role.AccountID)
		return account, err
	}
	if ri.data.awsErr != nil {
		return nil, fmt.Errorf("the provider's AWS configuration does not load: %w", ri.data.awsErr)
	}
	return ri.data.aws.Account(ctx, &awsiam.AssumeRole{RoleARN: via, ExternalID: ri.conn.AssumeRoleExternalID.ValueString()})
}

// explainDenied tells why the platform cannot assume the role: the role is
// missing or its trust policy is wrong (hopeless), or the trust policy is
// right and IAM has not propagated it yet (waiting helps). A change the
// wait rides out was made before it began (the connection depends on its
// role), so one window from the start of the wait bounds it.
func (ri *roleInspector) explainDenied(ctx context.Context) (client.HealthDetail, bool) {
	org := ri.data.organization
	account, err := ri.reach(ctx)
	if err != nil {
		return unreadableRole(ri.conn.RoleARN.ValueString(), org, err), false
	}
	role, err := account.FindRoleByName(ctx, ri.role.Name)
	if awsiam.IsNotFound(err) {
		return client.HealthDetail{
			Code:        codeRoleNotFound,
			Message:     fmt.Sprintf("role %s does not exist (read with the member account's credentials)", ri.conn.RoleARN.ValueString()),
			Remediation: "Create the role (costlink_aws_role does) or set role_arn to an existing role.",
		}, true
	}
	if err != nil {
		return unreadableRole(ri.conn.RoleARN.ValueString(), org, err), false
	}
	if f, wrong := iampolicy.CheckTrust(aws.ToString(role.AssumeRolePolicyDocument), ri.conn.RoleARN.ValueString(), org.PrincipalARN, org.ExternalID); wrong {
		return client.HealthDetail(f), true
	}
	created := aws.ToTime(role.CreateDate)
	return client.HealthDetail{
		Code: codeAssumeRoleDenied,
		Message: fmt.Sprintf("AWS still denies the platform (%s) sts:AssumeRole on %s, though the role's trust policy allows it "+
			"with the organization's external ID (read with the member account's credentials; role created %s): "+
			"IAM propagates a new or changed trust policy within minutes", org.PrincipalARN, ri.conn.RoleARN.ValueString(),
			created.UTC().Format(time.RFC3339)),
		Remediation: "Wait and apply again. If it lasts, look for a service control policy or resource control policy " +
			"of the organization that denies sts:AssumeRole on the role.",
	}, false
}

// unreadableRole is the denial explained without reading the role: the
// causes in the order onboarding meets them.
func unreadableRole(roleARN string, org *client.Organization, err error) client.HealthDetail {
	return client.HealthDetail{
		Code: codeAssumeRoleDenied,
		Message: fmt.Sprintf("AWS denies the platform (%s) sts:AssumeRole on %s, and the provider cannot read the role to tell why "+
			"(%v). Possible causes, most likely first: IAM has not finished propagating a new or changed role (minutes); the "+
			"trust policy lacks %s; the role does not exist; a Deny statement in the trust policy, or an organization policy, "+
			"refuses the platform", org.PrincipalARN, roleARN, err, iampolicy.TrustStatement(org.PrincipalARN, org.ExternalID)),
		Remediation: "Check the role against those causes, or let the provider read it: give it credentials in the role's account, " +
			"or set assume_role_arn on the connection to a role it may assume there.",
	}
}

// explainPolicy compares the role's policies, read with the member
// account's credentials, with the generated policy. What the provider also
// finds missing or outdated is hopeless; what it finds in place is IAM
// catching up.
func (ri *roleInspector) explainPolicy(ctx context.Context, reported []client.HealthDetail) ([]client.HealthDetail, bool) {
	serviceSays := func() []client.HealthDetail {
		var says []client.HealthDetail
		for _, d := range reported {
			if isPolicyProblem(d) {
				says = append(says, d)
			}
		}
		return says
	}
	account, err := ri.reach(ctx)
	if err != nil {
		return serviceSays(), false
	}
	want, err := ri.data.policies.get(ctx, ri.conn.Type.ValueString(), ri.conn.BillingBucket.ValueString())
	if err != nil {
		return serviceSays(), false
	}
	gaps, err := policyGaps(ctx, account, ri.role.Name, generated(want))
	if err != nil || len(gaps) == 0 {
		return serviceSays(), false
	}
	for i := range gaps {
		gaps[i].Message = fmt.Sprintf("%s on role %s", gaps[i].Message, ri.conn.RoleARN.ValueString())
	}
	return gaps, true
}

// policyGaps names each generated document the role lacks or holds in
// another version, and each managed policy not attached.
func policyGaps(ctx context.Context, account *awsiam.Account, role string, wanted rolePolicy) ([]client.HealthDetail, error) {
	var gaps []client.HealthDetail
	for _, name := range slices.Sorted(maps.Keys(wanted.documents)) {
		doc, err := account.FindRolePolicy(ctx, role, name)
		switch {
		case awsiam.IsNotFound(err):
			gaps = append(gaps, client.HealthDetail{
				Code:        codePolicyMissing,
				Message:     fmt.Sprintf("the generated inline policy %s is not", name),
				Remediation: fmt.Sprintf("Put the generated inline policy %s on the role: add costlink_aws_role_policy for it.", name),
			})
		case err != nil:
			return nil, err
		default:
			if same, err := iampolicy.Equivalent(doc, wanted.documents[name]); err != nil || !same {
				gaps = append(gaps, client.HealthDetail{
					Code:        codePolicyOutdated,
					Message:     fmt.Sprintf("inline policy %s is not the current generated version", name),
					Remediation: "Apply costlink_aws_role_policy again: it puts the current version.",
				})
			}
		}
	}
	attached, err := account.ListAttachedRolePolicyARNs(ctx, role)
	if err != nil {
		return nil, err
	}
	for _, arn := range wanted.managed {
		if !slices.Contains(attached, arn) {
			gaps = append(gaps, client.HealthDetail{
				Code:        codePolicyMissing,
				Message:     fmt.Sprintf("managed policy %s is not attached", arn),
				Remediation: fmt.Sprintf("Attach %s to the role: costlink_aws_role_policy does.", arn),
			})
		}
	}
	return gaps, nil
}
