package awsiam

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

func TestAccountReachesMemberAccounts(t *testing.T) {
	t.Parallel()
	m := acctest.Moto(t)
	ctx := context.Background()
	clients, err := NewClients(ctx, profileConfig(t, m.Endpoint))
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}

	base, err := clients.Account(ctx, nil)
	if err != nil {
		t.Fatalf("base account: %v", err)
	}
	if id, err := base.CallerAccountID(ctx); err != nil || id != "123456789012" {
		t.Errorf("base CallerAccountID = %q, %v; want moto's default account", id, err)
	}

	member := m.NewMemberAccount(t)
	target := &AssumeRole{RoleARN: m.MemberAccountRoleARN(member), ExternalID: "costlink-external-id"}
	acct, err := clients.Account(ctx, target)
	if err != nil {
		t.Fatalf("member account: %v", err)
	}
	if id, err := acct.CallerAccountID(ctx); err != nil || id != member {
		t.Errorf("member CallerAccountID = %q, %v; want %s", id, err, member)
	}

	again, err := clients.Account(ctx, &AssumeRole{RoleARN: target.RoleARN, ExternalID: target.ExternalID, SessionName: "other"})
	if err != nil || again != acct {
		t.Errorf("Account for the same role and external ID = %p, %v; want the cached %p", again, err, acct)
	}
	other, err := clients.Account(ctx, &AssumeRole{RoleARN: target.RoleARN})
	if err != nil || other == acct {
		t.Errorf("Account for another external ID = %p, %v; want a different account than %p", other, err, acct)
	}
}

// TestAccountChainsProviderRole: with a provider-level assume_role, member
// roles are assumed with that role's credentials, as when Terraform runs in
// a tooling account that reaches the organization's accounts.
func TestAccountChainsProviderRole(t *testing.T) {
	t.Parallel()
	m := acctest.Moto(t)
	ctx := context.Background()
	tooling, member := m.NewMemberAccount(t), m.NewMemberAccount(t)
	toolingRole := "arn:aws:iam::" + tooling + ":role/terraform"
	// As an organization sets it up: the tooling role trusts the base
	// account, and the member's role trusts the tooling role.
	trust := func(principal string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`)
	}
	if _, err := m.DirectIAM(tooling).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("terraform"), AssumeRolePolicyDocument: trust(acctest.ServicePrincipalARN),
	}); err != nil {
		t.Fatalf("creating the tooling role: %v", err)
	}
	if _, err := m.DirectIAM(member).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String(acctest.MemberRoleName), PolicyDocument: trust(toolingRole),
	}); err != nil {
		t.Fatalf("trusting the tooling role in the member account: %v", err)
	}
	cfg := profileConfig(t, m.Endpoint)
	cfg.AssumeRole = &AssumeRole{RoleARN: toolingRole, SessionName: "ci"}
	clients, err := NewClients(ctx, cfg)
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}

	for target, want := range map[*AssumeRole]string{
		nil: tooling,
		{RoleARN: m.MemberAccountRoleARN(member)}: member,
	} {
		acct, err := clients.Account(ctx, target)
		if err != nil {
			t.Fatalf("Account(%v): %v", target, err)
		}
		if id, err := acct.CallerAccountID(ctx); err != nil || id != want {
			t.Errorf("CallerAccountID of Account(%v) = %q, %v; want %s", target, id, err, want)
		}
	}
}
