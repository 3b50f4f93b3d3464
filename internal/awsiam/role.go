package awsiam

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// RoleInput is the role CreateRole makes. Empty optional fields leave IAM's
// defaults.
type RoleInput struct {
	Name string
	// Path is "/" when empty.
	Path        string
	Description string
	// TrustPolicyJSON is the assume-role policy document.
	TrustPolicyJSON string
	// MaxSessionDuration is in seconds; IAM's default (3600) when zero.
	MaxSessionDuration int32
	// PermissionsBoundary is the ARN of a managed policy; none when empty.
	PermissionsBoundary string
	Tags                map[string]string
}

// CreateRole creates the role and returns it once IAM reads it back. IAM
// refuses a trust policy whose principal it cannot see yet (a role or
// account created moments ago) and a new role is not readable at once:
// both are waited out within PropagationTimeout.
func (a *Account) CreateRole(ctx context.Context, in RoleInput) (*types.Role, error) {
	input := &iam.CreateRoleInput{
		RoleName:                 aws.String(in.Name),
		AssumeRolePolicyDocument: aws.String(in.TrustPolicyJSON),
		Path:                     optional(in.Path),
		Description:              optional(in.Description),
		PermissionsBoundary:      optional(in.PermissionsBoundary),
		Tags:                     iamTags(in.Tags),
	}
	if in.MaxSessionDuration != 0 {
		input.MaxSessionDuration = aws.Int32(in.MaxSessionDuration)
	}
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.CreateRole(ctx, input)
		return err
	}, isTrustPolicyPropagating)
	if err != nil {
		return nil, fmt.Errorf("creating role %s: %w", in.Name, err)
	}

	var role *types.Role
	err = retryWhen(ctx, a.timeout, func() (err error) {
		role, err = a.FindRoleByName(ctx, in.Name)
		return err
	}, IsNotFound)
	if err != nil {
		return nil, fmt.Errorf("reading role %s after creating it: %w", in.Name, err)
	}
	return role, nil
}

// FindRoleByName reads the role, with its trust policy decoded to plain
// JSON. A role that does not exist is a *NotFoundError.
func (a *Account) FindRoleByName(ctx context.Context, name string) (*types.Role, error) {
	out, err := a.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return nil, readError(err, "role", name)
	}
	if out.Role == nil {
		return nil, &NotFoundError{Kind: "role", Name: name}
	}
	doc, err := decodePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return nil, fmt.Errorf("decoding the trust policy of role %s: %w", name, err)
	}
	out.Role.AssumeRolePolicyDocument = aws.String(doc)
	return out.Role, nil
}

// UpdateTrustPolicy replaces the role's trust policy, waiting out the same
// propagation as CreateRole.
func (a *Account) UpdateTrustPolicy(ctx context.Context, name, trustPolicyJSON string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName:       aws.String(name),
			PolicyDocument: aws.String(trustPolicyJSON),
		})
		return err
	}, isTrustPolicyPropagating)
	if err != nil {
		return fmt.Errorf("updating the trust policy of role %s: %w", name, err)
	}
	return nil
}

// UpdateRole sets the role's description (empty clears it) and, unless
// zero, its maximum session duration in seconds.
func (a *Account) UpdateRole(ctx context.Context, name, description string, maxSessionDuration int32) error {
	input := &iam.UpdateRoleInput{RoleName: aws.String(name), Description: aws.String(description)}
	if maxSessionDuration != 0 {
		input.MaxSessionDuration = aws.Int32(maxSessionDuration)
	}
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.UpdateRole(ctx, input)
		return err
	}, isConcurrentModification)
	if err != nil {
		return fmt.Errorf("updating role %s: %w", name, err)
	}
	return nil
}

// PutPermissionsBoundary sets the managed policy that bounds the role's
// permissions.
func (a *Account) PutPermissionsBoundary(ctx context.Context, name, policyARN string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{
			RoleName:            aws.String(name),
			PermissionsBoundary: aws.String(policyARN),
		})
		return err
	}, isConcurrentModification)
	if err != nil {
		return fmt.Errorf("setting the permissions boundary of role %s to %s: %w", name, policyARN, err)
	}
	return nil
}

// DeletePermissionsBoundary removes the role's permissions boundary; a role
// without one is already done.
func (a *Account) DeletePermissionsBoundary(ctx context.Context, name string) error {
	err := retryWhen(ctx, a.timeout, func() error {
		_, err := a.iam.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(name)})
		return err
	}, isConcurrentModification)
	if err != nil && !isNoSuchEntity(err) {
		return fmt.Errorf("removing the permissions boundary of role %s: %w", name, err)
	}
	return nil
}

// UpdateTags changes the role's tags from oldTags to newTags, untagging the
// keys that went away and tagging those added or changed.
func (a *Account) UpdateTags(ctx context.Context, name string, oldTags, newTags map[string]string) error {
	var removed []string
	for k := range oldTags {
		if _, ok := newTags[k]; !ok {
			removed = append(removed, k)
		}
	}
	changed := maps.Clone(newTags)
	maps.DeleteFunc(changed, func(k, v string) bool {
		old, ok := oldTags[k]
		return ok && old == v
	})

	if len(removed) > 0 {
		slices.Sort(removed)
		err := retryWhen(ctx, a.timeout, func() error {
			_, err := a.iam.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: removed})
			return err
		}, isConcurrentModification)
		if err != nil {
			return fmt.Errorf("untagging role %s: %w", name, err)
		}
	}
	if len(changed) > 0 {
		err := retryWhen(ctx, a.timeout, func() error {
			_, err := a.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: iamTags(changed)})
			return err
		}, isConcurrentModification)
		if err != nil {
			return fmt.Errorf("tagging role %s: %w", name, err)
		}
	}
	return nil
}

// DeleteRole deletes the role after removing what IAM refuses to delete it
// with: managed policies, inline policies, instance profiles. A role that
// does not exist is already done. A conflict (something attached again, or
// a detach not yet visible) starts over from the emptying.
func (a *Account) DeleteRole(ctx context.Context, name string) error {
	err := retryWhen(ctx, deleteTimeout, func() error {
		if err := a.emptyRole(ctx, name); err != nil {
			return err
		}
		_, err := a.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
		return err
	}, func(err error) bool { return isDeleteConflict(err) || isConcurrentModification(err) })
	if err != nil && !isNoSuchEntity(err) {
		return fmt.Errorf("deleting role %s: %w", name, err)
	}
	return nil
}

// emptyRole detaches and deletes every policy of the role and removes it
// from its instance profiles.
func (a *Account) emptyRole(ctx context.Context, name string) error {
	arns, err := a.ListAttachedRolePolicyARNs(ctx, name)
	if err != nil {
		return err
	}
	for _, arn := range arns {
		if err := a.DetachRolePolicy(ctx, name, arn); err != nil {
			return err
		}
	}
	policies, err := a.ListRolePolicyNames(ctx, name)
	if err != nil {
		return err
	}
	for _, policy := range policies {
		if err := a.DeleteRolePolicy(ctx, name, policy); err != nil {
			return err
		}
	}
	profiles := iam.NewListInstanceProfilesForRolePaginator(a.iam, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String(name)})
	for profiles.HasMorePages() {
		page, err := profiles.NextPage(ctx)
		if err != nil {
			return readError(err, "role", name)
		}
		for _, p := range page.InstanceProfiles {
			_, err := a.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
				RoleName:            aws.String(name),
				InstanceProfileName: p.InstanceProfileName,
			})
			if err != nil && !isNoSuchEntity(err) {
				return fmt.Errorf("removing role %s from instance profile %s: %w", name, aws.ToString(p.InstanceProfileName), err)
			}
		}
	}
	return nil
}

// isTrustPolicyPropagating reports a trust policy change IAM will accept
// once earlier changes have propagated.
func isTrustPolicyPropagating(err error) bool {
	return isInvalidPrincipal(err) || isConcurrentModification(err)
}

// decodePolicy undoes the RFC 3986 encoding IAM returns policy documents in.
func decodePolicy(doc string) (string, error) {
	return url.PathUnescape(doc)
}

// iamTags converts tags to IAM's form, ordered by key so that requests are
// reproducible.
func iamTags(tags map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// optional is nil for an empty string, which the SDK leaves out of the request.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
