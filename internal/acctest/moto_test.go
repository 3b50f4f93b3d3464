package acctest

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestMotoMemberAccounts proves what the acceptance tests rely on: the base
// account is moto's default one, and assuming the member role lands in the
// member account, a different moto account with IAM state of its own.
func TestMotoMemberAccounts(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	ctx := context.Background()

	if got := callerAccount(t, m.AWSConfig()); got != "123456789012" {
		t.Errorf("base account = %s, want moto's default 123456789012", got)
	}
	a, b := m.NewMemberAccount(t), m.NewMemberAccount(t)
	if a == b || len(a) != 12 || len(b) != 12 {
		t.Fatalf("member account IDs %q and %q are not two distinct 12-digit IDs", a, b)
	}
	if got := callerAccount(t, m.MemberAWSConfig(t, a)); got != a {
		t.Errorf("assumed-role caller account = %s, want the member account %s", got, a)
	}

	if _, err := m.MemberIAM(t, a).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("only-in-a"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`),
	}); err != nil {
		t.Fatalf("creating a role in %s: %v", a, err)
	}
	if _, err := m.MemberIAM(t, b).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("only-in-a")}); err == nil {
		t.Errorf("a role created in account %s is visible in account %s", a, b)
	}
}

// TestMotoManagedPolicies proves moto runs with AWS managed policies loaded,
// so acceptance tests can attach them in any account.
func TestMotoManagedPolicies(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	arn := "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
	out, err := m.MemberIAM(t, m.NewMemberAccount(t)).GetPolicy(context.Background(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("reading %s: %v", arn, err)
	}
	if got := aws.ToString(out.Policy.Arn); got != arn {
		t.Errorf("policy ARN = %s, want %s", got, arn)
	}
}

// TestMotoStops proves stopMoto's way of stopping leaves nothing running,
// on an instance of its own so the shared one keeps serving other tests.
func TestMotoStops(t *testing.T) {
	t.Parallel()
	Moto(t) // skips without TF_ACC, fails without moto_server
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal(err)
	}
	m, err := launchMoto(bin)
	if err != nil {
		t.Fatalf("starting a second moto: %v", err)
	}
	m.stop()
	if err := syscall.Kill(-m.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("moto's process group after stop: %v, want it gone", err)
	}
	if resp, err := http.Get(m.MotoEndpoint); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after stop", m.MotoEndpoint)
	}
}

func callerAccount(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("sts:GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Account)
}
