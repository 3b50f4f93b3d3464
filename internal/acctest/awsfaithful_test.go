package acctest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// trusting is a trust policy allowing sts:AssumeRole for principal, with
// the condition's JSON when there is one.
func trusting(principal, condition string) string {
	if condition != "" {
		condition = `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"` + condition + `}]}`
}

// directRole creates a role straight on moto (no propagation window) and
// returns its ARN.
func directRole(t *testing.T, m *MotoServer, account, name, trust string) string {
	t.Helper()
	out, err := m.DirectIAM(account).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust),
	})
	if err != nil {
		t.Fatalf("creating role %s in %s on moto: %v", name, account, err)
	}
	return aws.ToString(out.Role.Arn)
}

// assumeRole calls sts:AssumeRole through the layer with cfg's credentials,
// with externalID when it is not "".
func assumeRole(cfg aws.Config, roleARN, externalID string) (*sts.AssumeRoleOutput, error) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("layer-test")}
	if externalID != "" {
		in.ExternalId = aws.String(externalID)
	}
	return sts.NewFromConfig(cfg).AssumeRole(context.Background(), in)
}

// assertAPIError fails unless err is AWS's error code with message, as the
// SDK parses it ("" message: any).
func assertAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want AWS error %s", err, code)
	}
	if apiErr.ErrorCode() != code || (message != "" && apiErr.ErrorMessage() != message) {
		t.Errorf("error = %s: %s, want %s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, message)
	}
}

func deniedMessage(callerARN, roleARN string) string {
	return "User: " + callerARN + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN
}

func TestFaithfulAssumeRoleTrust(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	account := m.NewMemberAccount(t)
	base := m.AWSConfig()
	tests := []struct {
		name       string
		trust      string // "" for a role that does not exist
		externalID string
		allowed    bool
	}{
		{name: "missing role"},
		{name: "principal not trusted", trust: trusting("arn:aws:iam::111122223333:root", "")},
		{name: "account ID principal", trust: trusting(ServiceAccountID, ""), allowed: true},
		{name: "wrong external ID", trust: trusting(ServicePrincipalARN, `{"StringEquals":{"sts:ExternalId":"org-1"}}`), externalID: "org-2"},
		{name: "no external ID", trust: trusting(ServicePrincipalARN, `{"StringEquals":{"sts:ExternalId":"org-1"}}`)},
		{name: "one of a list of external IDs", trust: trusting(ServicePrincipalARN, `{"StringEquals":{"sts:ExternalId":["org-0","org-1"]}}`), externalID: "org-1", allowed: true},
		{name: "explicit Deny wins", trust: `{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"` + ServicePrincipalARN + `"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","Principal":{"AWS":"` + baseUserARN + `"},"Action":"sts:*"}]}`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			roleARN := "arn:aws:iam::" + account + ":role/missing"
			if tt.trust != "" {
				roleARN = directRole(t, m, account, fmt.Sprintf("trust-case-%d", i), tt.trust)
			}
			out, err := assumeRole(base, roleARN, tt.externalID)
			if !tt.allowed {
				assertAPIError(t, err, "AccessDenied", deniedMessage(baseUserARN, roleARN))
				return
			}
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			if got := aws.ToString(out.AssumedRoleUser.Arn); !strings.HasPrefix(got, "arn:aws:sts::"+account+":assumed-role/") {
				t.Errorf("assumed-role user = %s, want a session in account %s", got, account)
			}
		})
	}
}

// TestFaithfulSessionKeys proves keys issued through the layer belong to
// the role's account and act as that role's session: a role trusting only
// the member account's OrganizationAccountAccessRole admits its session and
// refuses the base account, naming each caller as AWS does.
func TestFaithfulSessionKeys(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	account := m.NewMemberAccount(t)
	member := m.MemberAWSConfig(t, account)
	if got := callerAccount(t, member); got != account {
		t.Fatalf("caller account of the member session = %s, want %s", got, account)
	}
	roleARN := directRole(t, m, account, "only-for-admins", trusting(m.MemberAccountRoleARN(account), ""))
	if _, err := assumeRole(member, roleARN, ""); err != nil {
		t.Errorf("AssumeRole as the trusted role's session: %v", err)
	}
	_, err := assumeRole(m.AWSConfig(), roleARN, "")
	assertAPIError(t, err, "AccessDenied", deniedMessage(baseUserARN, roleARN))

	other := directRole(t, m, account, "only-for-base", trusting(baseUserARN, ""))
	_, err = assumeRole(member, other, "")
	session := "arn:aws:sts::" + account + ":assumed-role/" + MemberRoleName + "/costlink-acctest"
	assertAPIError(t, err, "AccessDenied", deniedMessage(session, other))
}

// TestFaithfulPropagation: a role created, then one whose trust policy is
// updated, through the layer is refused until its account's window has
// passed, then assumed.
func TestFaithfulPropagation(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	ctx := context.Background()
	account := m.NewMemberAccount(t)
	const window = 1500 * time.Millisecond
	m.SetPropagationWindow(account, window)
	memberIAM := m.MemberIAM(t, account)

	created := time.Now()
	out, err := memberIAM.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("fresh"), AssumeRolePolicyDocument: aws.String(trusting(ServicePrincipalARN, "")),
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	roleARN := aws.ToString(out.Role.Arn)
	assertDeniedThenAllowed(t, m, roleARN, created, window)

	changed := time.Now()
	if _, err := memberIAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("fresh"), PolicyDocument: aws.String(trusting(ServiceAccountID, "")),
	}); err != nil {
		t.Fatalf("UpdateAssumeRolePolicy: %v", err)
	}
	assertDeniedThenAllowed(t, m, roleARN, changed, window)
}

func assertDeniedThenAllowed(t *testing.T, m *MotoServer, roleARN string, changed time.Time, window time.Duration) {
	t.Helper()
	_, err := assumeRole(m.AWSConfig(), roleARN, "")
	if time.Since(changed) < window {
		assertAPIError(t, err, "AccessDenied", deniedMessage(baseUserARN, roleARN))
	}
	m.AwaitPropagation(t, roleARN)
	if elapsed := time.Since(changed); elapsed < window {
		t.Errorf("AwaitPropagation returned %s after the change, before the %s window", elapsed, window)
	}
	if _, err := assumeRole(m.AWSConfig(), roleARN, ""); err != nil {
		t.Errorf("AssumeRole after the window: %v", err)
	}
}

// TestFaithfulRegions: an opt-in region answers InvalidClientTokenId until
// the account enables it, in the protocol of each service called (query
// for STS, RPC v2 CBOR for CloudWatch); STS deactivated in a region answers
// RegionDisabledException for the account credentials are requested for.
func TestFaithfulRegions(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	ctx := context.Background()
	account := m.NewMemberAccount(t)
	member := m.MemberAWSConfig(t, account)
	inRegion := func(region string) func(*sts.Options) { return func(o *sts.Options) { o.Region = region } }
	const invalidToken = "The security token included in the request is invalid."

	_, err := sts.NewFromConfig(member, inRegion("eu-south-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assertAPIError(t, err, "InvalidClientTokenId", invalidToken)
	_, err = cloudwatch.NewFromConfig(member, func(o *cloudwatch.Options) { o.Region = "eu-south-1" }).
		ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	assertAPIError(t, err, "InvalidClientTokenId", invalidToken)

	m.EnableRegion(account, "eu-south-1")
	if _, err := sts.NewFromConfig(member, inRegion("eu-south-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity in eu-south-1 once enabled: %v", err)
	}

	m.DeactivateSTS(account, "eu-west-1")
	disabled := "STS is not activated in this region for account:" + account +
		". Your account administrator can activate STS in this region using the IAM Console."
	_, err = sts.NewFromConfig(member, inRegion("eu-west-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assertAPIError(t, err, "RegionDisabledException", disabled)
	// The base account asks eu-west-1 for the member account's credentials:
	// the member account's setting decides.
	_, err = sts.NewFromConfig(m.AWSConfig(), inRegion("eu-west-1")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(m.MemberAccountRoleARN(account)), RoleSessionName: aws.String("layer-test"),
	})
	assertAPIError(t, err, "RegionDisabledException", disabled)
	if _, err := sts.NewFromConfig(member, inRegion("eu-west-2")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity in eu-west-2, still active: %v", err)
	}
}

// TestFaithfulRoleARNWithPath: a role with a path is assumed by its full
// ARN; the ARN without the path is not the role's and is refused.
func TestFaithfulRoleARNWithPath(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	account := m.NewMemberAccount(t)
	out, err := m.DirectIAM(account).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("pathed"), Path: aws.String("/costlink/"),
		AssumeRolePolicyDocument: aws.String(trusting(ServicePrincipalARN, "")),
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if _, err := assumeRole(m.AWSConfig(), aws.ToString(out.Role.Arn), ""); err != nil {
		t.Errorf("AssumeRole by the full ARN: %v", err)
	}
	withoutPath := "arn:aws:iam::" + account + ":role/pathed"
	_, err = assumeRole(m.AWSConfig(), withoutPath, "")
	assertAPIError(t, err, "AccessDenied", deniedMessage(baseUserARN, withoutPath))
}
