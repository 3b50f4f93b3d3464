package acctest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// administratorAccess is the AWS managed policy AWS Organizations attaches
// to the OrganizationAccountAccessRole of every account it creates.
const administratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"

// memberAccounts hands out member account IDs, one per call, so tests
// running in parallel never share a moto account.
var memberAccounts atomic.Uint64

// NewMemberAccount returns a 12-digit account ID no other call in this test
// binary has returned, holding what AWS Organizations puts in an account it
// creates: the role MemberRoleName trusting the base (management) account
// with AdministratorAccess attached ("Accessing a member account that has a
// management account access role",
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html).
// The role is made straight on moto, so no propagation window applies.
func (m *MotoServer) NewMemberAccount(t *testing.T) string {
	t.Helper()
	id := fmt.Sprintf("2%011d", memberAccounts.Add(1))
	ctx := context.Background()
	client := m.DirectIAM(id)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"` + ServicePrincipalARN + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := client.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(MemberRoleName), AssumeRolePolicyDocument: aws.String(trust),
	}); err != nil {
		t.Fatalf("creating %s in member account %s: %v", MemberRoleName, id, err)
	}
	if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{
		RoleName: aws.String(MemberRoleName), PolicyArn: aws.String(administratorAccess),
	}); err != nil {
		t.Fatalf("attaching %s to %s in member account %s: %v", administratorAccess, MemberRoleName, id, err)
	}
	return id
}

// DirectIAM is an IAM client of accountID straight on moto, behind the
// AWS-faithful layer's back: for setting up what a test takes as given
// (changes made with it are visible at once, with no propagation window).
func (m *MotoServer) DirectIAM(accountID string) *iam.Client {
	return m.layer.roles.iam(accountID)
}
