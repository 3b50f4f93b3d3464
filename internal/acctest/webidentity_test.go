package acctest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	tfcIssuer   = "https://app.terraform.io"
	tfcAudience = "aws.workload.identity"
)

// tfcSubject is the sub claim HCP Terraform gives a run of workspace in
// project "Default Project" of organization acme.
func tfcSubject(workspace, phase string) string {
	return "organization:acme:project:Default Project:workspace:" + workspace + ":run_phase:" + phase
}

// trustingWorkspace is the trust policy HCP Terraform's documentation
// gives a run role: the OIDC provider, the audience, and the workspace's
// subject in any run phase.
func trustingWorkspace(providerARN, workspace string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{` +
		`"StringEquals":{"app.terraform.io:aud":"` + tfcAudience + `"},` +
		`"StringLike":{"app.terraform.io:sub":"` + tfcSubject(workspace, "*") + `"}}}]}`
}

func TestAllowsWebIdentity(t *testing.T) {
	t.Parallel()
	const provider = "arn:aws:iam::123456789012:oidc-provider/app.terraform.io"
	token := func(workspace, phase string) IdentityToken {
		return IdentityToken{Issuer: tfcIssuer, Audience: tfcAudience, Subject: tfcSubject(workspace, phase)}
	}
	statement := func(principal, action, condition string) string {
		if condition != "" {
			condition = `,"Condition":` + condition
		}
		return `{"Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"` + action + `"` + condition + `}]}`
	}
	federated := `{"Federated":"` + provider + `"}`
	tests := []struct {
		name  string
		doc   string
		token IdentityToken
		want  bool
	}{
		{"the documented policy, plan", trustingWorkspace(provider, "prod"), token("prod", "plan"), true},
		{"the documented policy, apply", trustingWorkspace(provider, "prod"), token("prod", "apply"), true},
		{"another workspace", trustingWorkspace(provider, "prod"), token("staging", "apply"), false},
		{"another organization", trustingWorkspace(provider, "prod"),
			IdentityToken{Issuer: tfcIssuer, Audience: tfcAudience, Subject: "organization:evil:project:Default Project:workspace:prod:run_phase:apply"}, false},
		{"another audience", trustingWorkspace(provider, "prod"),
			IdentityToken{Issuer: tfcIssuer, Audience: "vault.workload.identity", Subject: tfcSubject("prod", "plan")}, false},
		{"apply only", statement(federated, "sts:AssumeRoleWithWebIdentity", `{"StringEquals":{"app.terraform.io:sub":"`+tfcSubject("prod", "apply")+`"}}`),
			token("prod", "plan"), false},
		{"condition keys are case-insensitive", statement(federated, "sts:AssumeRoleWithWebIdentity", `{"StringEquals":{"APP.TERRAFORM.IO:SUB":"`+tfcSubject("prod", "plan")+`"}}`),
			token("prod", "plan"), true},
		{"another OIDC provider", statement(`{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}`, "sts:AssumeRoleWithWebIdentity", ""),
			token("prod", "plan"), false},
		{"an AWS principal", statement(`{"AWS":"arn:aws:iam::123456789012:root"}`, "sts:AssumeRoleWithWebIdentity", ""), token("prod", "plan"), false},
		{"sts:AssumeRole is another action", statement(federated, "sts:AssumeRole", ""), token("prod", "plan"), false},
		{"action wildcard", statement(federated, "sts:AssumeRole*", ""), token("prod", "plan"), true},
		{"unsupported key: Allow does not apply", statement(federated, "sts:AssumeRoleWithWebIdentity", `{"StringEquals":{"app.terraform.io:terraform_workspace_id":"ws-1"}}`),
			token("prod", "plan"), false},
		{"unsupported key: Deny applies", `{"Statement":[` +
			`{"Effect":"Allow","Principal":` + federated + `,"Action":"sts:AssumeRoleWithWebIdentity"},` +
			`{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringEquals":{"aws:SourceIp":"10.0.0.1"}}}]}`,
			token("prod", "plan"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := allowsWebIdentity(tt.doc, provider, tt.token)
			if err != nil {
				t.Fatalf("allowsWebIdentity: %v", err)
			}
			if got != tt.want {
				t.Errorf("allowsWebIdentity = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestParseIdentityToken(t *testing.T) {
	t.Parallel()
	want := IdentityToken{Issuer: tfcIssuer, Audience: tfcAudience, Subject: tfcSubject("prod", "plan"), Expires: time.Unix(2000000000, 0)}
	got, err := parseIdentityToken(want.JWT())
	if err != nil || got != want {
		t.Errorf("parseIdentityToken(JWT()) = %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "e30.e30.", want.JWT() + ".x"} {
		if _, err := parseIdentityToken(bad); err == nil {
			t.Errorf("parseIdentityToken(%q) succeeded, want an error", bad)
		}
	}
}

// assumeWithToken calls sts:AssumeRoleWithWebIdentity through the layer,
// unsigned, as the SDK's web identity provider does.
func assumeWithToken(m *MotoServer, roleARN string, token IdentityToken) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	client := sts.NewFromConfig(aws.Config{Region: MotoRegion, BaseEndpoint: aws.String(m.Endpoint)})
	return client.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("layer-test"), WebIdentityToken: aws.String(token.JWT()),
	})
}

// TestFaithfulAssumeRoleWithWebIdentity: the layer refuses, with AWS's
// errors, what moto would accept: a token no OIDC provider of the account
// vouches for, a wrong audience, an expired token, and a subject the
// role's trust policy does not allow.
func TestFaithfulAssumeRoleWithWebIdentity(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	account := m.NewMemberAccount(t)
	provider := m.NewOIDCProvider(t, account, tfcIssuer, tfcAudience)
	roleARN := directRole(t, m, account, "tfc-run", trustingWorkspace(provider, "prod"))
	valid := IdentityToken{Issuer: tfcIssuer, Audience: tfcAudience, Subject: tfcSubject("prod", "apply"), Expires: time.Now().Add(time.Hour)}
	noProvider := m.NewMemberAccount(t)
	tests := []struct {
		name          string
		roleARN       string
		change        func(*IdentityToken)
		code, message string
	}{
		{name: "another workspace", roleARN: roleARN, change: func(c *IdentityToken) { c.Subject = tfcSubject("staging", "apply") },
			code: "AccessDenied", message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{name: "missing role", roleARN: "arn:aws:iam::" + account + ":role/missing",
			code: "AccessDenied", message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{name: "no OIDC provider in the role's account",
			roleARN: directRole(t, m, noProvider, "tfc-run", trustingWorkspace(oidcProviderARN(noProvider, tfcIssuer), "prod")),
			code:    "InvalidIdentityToken", message: "No OpenIDConnect provider found in your account for " + tfcIssuer},
		{name: "audience the provider does not accept", roleARN: roleARN, change: func(c *IdentityToken) { c.Audience = "vault.workload.identity" },
			code: "InvalidIdentityToken", message: "Incorrect token audience"},
		{name: "expired", roleARN: roleARN, change: func(c *IdentityToken) { c.Expires = time.Now().Add(-time.Minute) },
			code: "ExpiredTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := valid
			if tt.change != nil {
				tt.change(&token)
			}
			_, err := assumeWithToken(m, tt.roleARN, token)
			assertAPIError(t, err, tt.code, tt.message)
		})
	}

	t.Run("allowed", func(t *testing.T) {
		t.Parallel()
		out, err := assumeWithToken(m, roleARN, valid)
		if err != nil {
			t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
		}
		if got := aws.ToString(out.AssumedRoleUser.Arn); !strings.HasPrefix(got, "arn:aws:sts::"+account+":assumed-role/tfc-run/") {
			t.Errorf("assumed-role user = %s, want a session of tfc-run in account %s", got, account)
		}
	})
}

// TestFaithfulWebIdentitySession: a key issued for a web identity acts as
// the run role's session, as HCP Terraform's run reaches member accounts:
// a role in the management account, assumed with the run's token, assumes
// OrganizationAccountAccessRole in a member account.
func TestFaithfulWebIdentitySession(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	provider := m.NewOIDCProvider(t, ServiceAccountID, tfcIssuer, tfcAudience)
	name := fmt.Sprintf("tfc-run-%d", time.Now().UnixNano())
	runRole := directRole(t, m, ServiceAccountID, name, trustingWorkspace(provider, "prod"))
	out, err := assumeWithToken(m, runRole, IdentityToken{
		Issuer: tfcIssuer, Audience: tfcAudience, Subject: tfcSubject("prod", "plan"), Expires: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	session := m.AWSConfig()
	session.Credentials = credentials.NewStaticCredentialsProvider(
		aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))

	member := m.NewMemberAccount(t)
	if _, err := assumeRole(session, m.MemberAccountRoleARN(member), ""); err != nil {
		t.Errorf("the run role's session could not assume %s: %v", m.MemberAccountRoleARN(member), err)
	}
	// A role that trusts only another role refuses the session, naming it.
	other := directRole(t, m, member, "trusts-another-role", trusting("arn:aws:iam::"+ServiceAccountID+":role/another", ""))
	_, err = assumeRole(session, other, "")
	assertAPIError(t, err, "AccessDenied", deniedMessage(aws.ToString(out.AssumedRoleUser.Arn), other))
}
