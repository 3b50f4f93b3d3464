package awsiam

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// PutRolePolicy creates or replaces an inline policy of the role.
func (a *Account) PutRolePolicy(ctx context.Context, role, name, document string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName:       aws.String(role),
			PolicyName:     aws.String(name),
			PolicyDocument: aws.String(document),
		})
		return err
	}, isConcurrentModification)
	if err != nil {
		return fmt.Errorf("putting inline policy %s of role %s: %w", name, role, err)
	}
	return nil
}

// FindRolePolicy reads an inline policy of the role and returns its document
// as plain JSON. A policy (or role) that does not exist is a *NotFoundError.
func (a *Account) FindRolePolicy(ctx context.Context, role, name string) (string, error) {
	out, err := a.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	if err != nil {
		return "", readError(err, "inline policy", role+"/"+name)
	}
	doc, err := decodePolicy(aws.ToString(out.PolicyDocument))
	if err != nil {
		return "", fmt.Errorf("decoding inline policy %s of role %s: %w", name, role, err)
	}
	return doc, nil
}

// DeleteRolePolicy deletes an inline policy of the role; one that does not
// exist is already done.
func (a *Account) DeleteRolePolicy(ctx context.Context, role, name string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
		return err
	}, isConcurrentModification)
	if err != nil && !isNoSuchEntity(err) {
		return fmt.Errorf("deleting inline policy %s of role %s: %w", name, role, err)
	}
	return nil
}

// ListRolePolicyNames lists the names of the role's inline policies. A role
// that does not exist is a *NotFoundError.
func (a *Account) ListRolePolicyNames(ctx context.Context, role string) ([]string, error) {
	var names []string
	pages := iam.NewListRolePoliciesPaginator(a.iam, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, readError(err, "role", role)
		}
		names = append(names, page.PolicyNames...)
	}
	return names, nil
}

// AttachRolePolicy attaches a managed policy to the role.
func (a *Account) AttachRolePolicy(ctx context.Context, role, policyARN string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policyARN)})
		return err
	}, isConcurrentModification)
	if err != nil {
		return fmt.Errorf("attaching %s to role %s: %w", policyARN, role, err)
	}
	return nil
}

// DetachRolePolicy detaches a managed policy from the role; one that is not
// attached is already done.
func (a *Account) DetachRolePolicy(ctx context.Context, role, policyARN string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policyARN)})
		return err
	}, isConcurrentModification)
	if err != nil && !isNoSuchEntity(err) {
		return fmt.Errorf("detaching %s from role %s: %w", policyARN, role, err)
	}
	return nil
}

// ListAttachedRolePolicyARNs lists the ARNs of the managed policies attached
// to the role. A role that does not exist is a *NotFoundError.
func (a *Account) ListAttachedRolePolicyARNs(ctx context.Context, role string) ([]string, error) {
	var arns []string
	pages := iam.NewListAttachedRolePoliciesPaginator(a.iam, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, readError(err, "role", role)
		}
		for _, p := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
	}
	return arns, nil
}
