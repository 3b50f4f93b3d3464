package awsiam

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// maxListRolesItems is the largest page IAM's ListRoles serves.
const maxListRolesItems = 1000

// ListRoles returns the account's roles whose path starts with pathPrefix
// ("" for every role), reading pages of up to 1,000, each with its trust
// policy decoded to plain JSON. IAM's ListRoles leaves out a role's tags and
// permissions boundary even where the role has them
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html):
// FindRoleByName reads the whole role.
func (a *Account) ListRoles(ctx context.Context, pathPrefix string) ([]types.Role, error) {
	pages := iam.NewListRolesPaginator(a.iam, &iam.ListRolesInput{
		PathPrefix: optional(pathPrefix),
		MaxItems:   aws.Int32(maxListRolesItems),
	})
	var roles []types.Role
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing roles: %w", err)
		}
		for _, role := range page.Roles {
			doc, err := decodePolicy(aws.ToString(role.AssumeRolePolicyDocument))
			if err != nil {
				return nil, fmt.Errorf("decoding the trust policy of role %s: %w", aws.ToString(role.RoleName), err)
			}
			role.AssumeRolePolicyDocument = aws.String(doc)
			roles = append(roles, role)
		}
	}
	return roles, nil
}
