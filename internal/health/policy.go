package health

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
)

// checkPolicy verifies that the role holds the generated policy: each
// document as an inline policy of the same name and content, and each
// managed policy attached.
func checkPolicy(ctx context.Context, client *iam.Client, roleARN, roleName string, p iampolicy.Policy) []Detail {
	var details []Detail
	inline, err := inlinePolicies(ctx, client, roleName)
	if err != nil {
		details = append(details, cannotRead("read its inline policies", "iam:ListRolePolicies and iam:GetRolePolicy", err))
	} else {
		details = append(details, compareDocuments(roleARN, p.Documents, inline)...)
	}
	attached, err := attachedPolicies(ctx, client, roleName)
	if err != nil {
		return append(details, cannotRead("list its attached policies", "iam:ListAttachedRolePolicies", err))
	}
	for _, arn := range p.ManagedPolicyARNs {
		if !slices.Contains(attached, arn) {
			details = append(details, managedPolicyMissing(roleARN, arn))
		}
	}
	return details
}

// compareDocuments reports each wanted document that is absent from the
// role's inline policies (by name) or differs from them.
func compareDocuments(roleARN string, want []iampolicy.Document, inline map[string]string) []Detail {
	have := slices.Collect(maps.Values(inline))
	var details []Detail
	for _, doc := range want {
		current, ok := inline[doc.Name]
		if ok {
			if same, err := iampolicy.Equivalent(current, doc.JSON); err == nil && same {
				continue
			}
		}
		// What the role lacks counts every inline policy: an action moved
		// to another document of the role is not missing. Only a document
		// IAM accepted but iampolicy cannot parse makes this fail, and the
		// detail then names no actions.
		missing, _ := iampolicy.MissingActions(iampolicy.Policy{Documents: []iampolicy.Document{doc}}, have)
		if ok {
			details = append(details, inlinePolicyOutdated(roleARN, doc.Name, missing))
		} else {
			details = append(details, inlinePolicyMissing(roleARN, doc.Name, missing))
		}
	}
	return details
}

// inlinePolicies returns the role's inline policy documents by name, as
// IAM returns them (URL-encoded).
func inlinePolicies(ctx context.Context, client *iam.Client, roleName string) (map[string]string, error) {
	docs := map[string]string{}
	pages := iam.NewListRolePoliciesPaginator(client, &iam.ListRolePoliciesInput{RoleName: aws.String(roleName)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, name := range page.PolicyNames {
			out, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(name)})
			if err != nil {
				return nil, err
			}
			docs[name] = aws.ToString(out.PolicyDocument)
		}
	}
	return docs, nil
}

// attachedPolicies returns the ARNs of the managed policies attached to the
// role.
func attachedPolicies(ctx context.Context, client *iam.Client, roleName string) ([]string, error) {
	var arns []string
	pages := iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
	}
	return arns, nil
}
