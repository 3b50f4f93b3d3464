package health_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestMain(m *testing.M) {
	code := m.Run()
	acctest.Stop()
	os.Exit(code)
}

// motoRoleName is the role each moto test creates in its member account.
const motoRoleName = "costlink-resource-access"

// motoRole creates, in a new moto member account, the role as the provider
// makes it: trusting the service's account (moto's default account, whose
// credentials the checker uses) with the external ID, and holding the
// generated policy. It returns the member account's IAM client and the
// target checking the role.
func motoRole(t *testing.T) (*iam.Client, health.Target) {
	t.Helper()
	ctx := context.Background()
	m := acctest.Moto(t)
	account := m.NewMemberAccount(t)
	client := m.MemberIAM(t, account)
	p := resourcePolicy(t)
	out, err := client.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(motoRoleName),
		Path:                     aws.String("/costlink/"),
		AssumeRolePolicyDocument: aws.String(trustPolicy(t, acctest.ServicePrincipalARN, externalID)),
	})
	if err != nil {
		t.Fatalf("creating the role: %v", err)
	}
	for _, d := range p.Documents {
		if _, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(motoRoleName), PolicyName: aws.String(d.Name), PolicyDocument: aws.String(d.JSON),
		}); err != nil {
			t.Fatalf("putting %s: %v", d.Name, err)
		}
	}
	for _, arn := range p.ManagedPolicyARNs {
		if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(motoRoleName), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatalf("attaching %s: %v", arn, err)
		}
	}
	return client, health.Target{
		RoleARN:      aws.ToString(out.Role.Arn),
		ExternalID:   externalID,
		PrincipalARN: acctest.ServicePrincipalARN,
		Regions:      []string{"eu-west-1", "us-east-1"},
		Policy:       p,
	}
}

// motoChange is a change made in the member account behind the platform's
// back.
type motoChange func(t *testing.T, client *iam.Client, target health.Target) error

func setTrust(principal, id string) motoChange {
	return func(t *testing.T, client *iam.Client, _ health.Target) error {
		return updateTrust(client, trustPolicy(t, principal, id))
	}
}

func updateTrust(client *iam.Client, doc string) error {
	_, err := client.UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String(motoRoleName), PolicyDocument: aws.String(doc),
	})
	return err
}

func deleteDocument(_ *testing.T, client *iam.Client, target health.Target) error {
	_, err := client.DeleteRolePolicy(context.Background(), &iam.DeleteRolePolicyInput{
		RoleName: aws.String(motoRoleName), PolicyName: aws.String(target.Policy.Documents[0].Name),
	})
	return err
}

func detachManaged(_ *testing.T, client *iam.Client, target health.Target) error {
	return detach(client, target.Policy.ManagedPolicyARNs[0])
}

func detach(client *iam.Client, arn string) error {
	_, err := client.DetachRolePolicy(context.Background(), &iam.DetachRolePolicyInput{
		RoleName: aws.String(motoRoleName), PolicyArn: aws.String(arn),
	})
	return err
}

// deleteRole deletes the role as IAM requires: its policies first.
func deleteRole(_ *testing.T, client *iam.Client, target health.Target) error {
	for _, d := range target.Policy.Documents {
		if _, err := client.DeleteRolePolicy(context.Background(), &iam.DeleteRolePolicyInput{
			RoleName: aws.String(motoRoleName), PolicyName: aws.String(d.Name),
		}); err != nil {
			return err
		}
	}
	for _, arn := range target.Policy.ManagedPolicyARNs {
		if err := detach(client, arn); err != nil {
			return err
		}
	}
	_, err := client.DeleteRole(context.Background(), &iam.DeleteRoleInput{RoleName: aws.String(motoRoleName)})
	return err
}

// TestCheckMoto checks roles through the AWS-faithful layer in front of
// moto: AWS answers AccessDenied to the platform for a missing role, a
// principal it does not trust and an external ID it does not accept alike,
// so those all read as assume_role_denied. Every case waits out the
// propagation of its role's last change first: what is tested is the
// diagnosis once IAM has settled.
func TestCheckMoto(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change motoChange
		// regions replaces the target's regions when set.
		regions []string
		codes   []string
		// names returns what the detail's message must name.
		names func(t *testing.T, target health.Target) []string
	}{
		{name: "healthy"},
		{
			name: "no external ID condition",
			change: func(_ *testing.T, client *iam.Client, _ health.Target) error {
				return updateTrust(client, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
					`"Principal":{"AWS":"`+acctest.ServicePrincipalARN+`"},"Action":"sts:AssumeRole"}]}`)
			},
			codes: []string{health.CodeExternalIDConditionMissing},
		},
		{
			name:   "another external ID",
			change: setTrust(acctest.ServicePrincipalARN, "another-organization-id"),
			codes:  []string{health.CodeAssumeRoleDenied},
		},
		{
			name:   "another principal",
			change: setTrust("arn:aws:iam::111122223333:root", externalID),
			codes:  []string{health.CodeAssumeRoleDenied},
		},
		{
			name:   "inline document deleted",
			change: deleteDocument,
			codes:  []string{health.CodePolicyMissing},
			names: func(_ *testing.T, target health.Target) []string {
				return []string{target.Policy.Documents[0].Name, "ec2:DescribeInstances", "cloudwatch:ListMetrics"}
			},
		},
		{
			name: "statement removed",
			change: func(t *testing.T, client *iam.Client, target health.Target) error {
				d := target.Policy.Documents[0]
				reduced, _ := withoutStatement(t, d.JSON)
				_, err := client.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{
					RoleName: aws.String(motoRoleName), PolicyName: aws.String(d.Name), PolicyDocument: aws.String(reduced),
				})
				return err
			},
			codes: []string{health.CodePolicyOutdated},
			names: func(t *testing.T, target health.Target) []string {
				_, removed := withoutStatement(t, target.Policy.Documents[0].JSON)
				return append([]string{target.Policy.Documents[0].Name}, removed...)
			},
		},
		{
			name:   "managed policy detached",
			change: detachManaged,
			codes:  []string{health.CodePolicyMissing},
			names: func(_ *testing.T, target health.Target) []string {
				return []string{target.Policy.ManagedPolicyARNs[0]}
			},
		},
		{
			name:   "role deleted",
			change: deleteRole,
			codes:  []string{health.CodeAssumeRoleDenied},
		},
		{
			name:    "opt-in region enabled",
			change:  inRoleAccount(func(m *acctest.MotoServer, account string) { m.EnableRegion(account, "eu-south-1") }),
			regions: []string{"us-east-1", "eu-south-1"},
		},
		{
			name:   "STS deactivated in a region",
			change: inRoleAccount(func(m *acctest.MotoServer, account string) { m.DeactivateSTS(account, "eu-west-1") }),
			codes:  []string{health.CodeSTSRegionInactive},
			names:  func(*testing.T, health.Target) []string { return []string{"eu-west-1"} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, target := motoRole(t)
			if tt.regions != nil {
				target.Regions = tt.regions
			}
			if tt.change != nil {
				if err := tt.change(t, client, target); err != nil {
					t.Fatalf("changing the role: %v", err)
				}
			}
			acctest.Moto(t).AwaitPropagation(t, target.RoleARN)
			res := health.NewChecker(acctest.Moto(t).AWSConfig()).Check(context.Background(), target)
			assertDetails(t, res, tt.codes...)
			if tt.names != nil {
				assertMessage(t, res, tt.names(t, target), nil)
			}
		})
	}
}

// inRoleAccount is a change of the settings of the role's account.
func inRoleAccount(change func(m *acctest.MotoServer, account string)) motoChange {
	return func(t *testing.T, _ *iam.Client, target health.Target) error {
		role, err := validate.ParseRoleARN(target.RoleARN)
		if err != nil {
			return err
		}
		change(acctest.Moto(t), role.AccountID)
		return nil
	}
}
