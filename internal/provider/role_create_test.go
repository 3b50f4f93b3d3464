package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

const staleTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`

// createRoleDirectly makes the role costlink_aws_role would, with the given
// tags, as an earlier create whose response was lost (or someone else) did.
func createRoleDirectly(t *testing.T, memberIAM *iam.Client, tags map[string]string) {
	t.Helper()
	in := &iam.CreateRoleInput{
		RoleName: aws.String("costlink-resource-access"), Path: aws.String("/costlink/"),
		AssumeRolePolicyDocument: aws.String(staleTrust),
	}
	for k, v := range tags {
		in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := memberIAM.CreateRole(context.Background(), in); err != nil {
		t.Fatalf("creating the role: %v", err)
	}
}

// checkRoleTags asserts the tags IAM holds on the role.
func checkRoleTags(memberIAM *iam.Client, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := memberIAM.ListRoleTags(context.Background(), &iam.ListRoleTagsInput{RoleName: aws.String("costlink-resource-access")})
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, tag := range out.Tags {
			got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("role tags = %v, want %v", got, want)
		}
		return nil
	}
}

// A role made by this workspace's earlier create, whose response was lost,
// is adopted by the next apply and changed to the plan.
func TestAccAWSRole_adoptsItsLostCreate(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	const addr = "costlink_aws_role.member"
	token := roleCreateToken(moto.MemberAccountRoleARN(account), "costlink-resource-access")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { createRoleDirectly(t, memberIAM, map[string]string{roleCreateTagKey: token, "team": "old"}) },
			Config:    memberRoleConfig(t, org, moto, account, `  tags = { team = "platform" }`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
					"team": knownvalue.StringExact("platform"),
				})),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRoleTrust(org, memberIAM, "costlink-resource-access"),
				checkRoleTags(memberIAM, map[string]string{roleCreateTagKey: token, "team": "platform"}),
			),
		}},
		CheckDestroy: checkRolesGone(memberIAM, "costlink-resource-access"),
	})
}

// A role of the same name that this workspace did not create — untagged, or
// tagged by another workspace — is never taken over: the apply fails,
// saying how to import it, and the role is left as it was.
func TestAccAWSRole_refusesSomeoneElsesRole(t *testing.T) {
	org := acctest.NewOrg(t)
	moto := acctest.Moto(t)
	account := moto.NewMemberAccount(t)
	memberIAM := moto.MemberIAM(t, account)
	createRoleDirectly(t, memberIAM, map[string]string{roleCreateTagKey: "tf-another-workspace"})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      memberRoleConfig(t, org, moto, account, ""),
			ExpectError: regexp.MustCompile(`(?s)configuration did not\s+create it.*terraform import`),
		}},
		CheckDestroy: func(*terraform.State) error {
			out, err := memberIAM.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("costlink-resource-access")})
			if err != nil {
				return fmt.Errorf("the role someone else made is gone: %w", err)
			}
			if doc := aws.ToString(out.Role.AssumeRolePolicyDocument); doc == "" || regexp.MustCompile(`123456789012`).MatchString(doc) {
				return fmt.Errorf("the role someone else made was changed: trust policy %s", doc)
			}
			return nil
		},
	})
}
