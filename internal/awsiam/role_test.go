package awsiam

import (
	"context"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestRoleLifecycle(t *testing.T) {
	t.Parallel()
	acct, member := memberAccount(t)
	ctx := context.Background()

	role, err := acct.CreateRole(ctx, RoleInput{
		Name:               "costlink-resource-access",
		Path:               "/costlink/",
		Description:        "costlink reads this account",
		TrustPolicyJSON:    trustPolicy("first"),
		MaxSessionDuration: 7200,
		Tags:               map[string]string{"team": "finops", "managed-by": "terraform"},
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if want := "arn:aws:iam::" + member + ":role/costlink/costlink-resource-access"; aws.ToString(role.Arn) != want {
		t.Errorf("ARN = %s, want %s", aws.ToString(role.Arn), want)
	}

	role, err = acct.FindRoleByName(ctx, "costlink-resource-access")
	if err != nil {
		t.Fatalf("FindRoleByName: %v", err)
	}
	assertSameJSON(t, "trust policy", aws.ToString(role.AssumeRolePolicyDocument), trustPolicy("first"))
	if aws.ToString(role.Path) != "/costlink/" || aws.ToString(role.Description) != "costlink reads this account" ||
		aws.ToInt32(role.MaxSessionDuration) != 7200 {
		t.Errorf("role = path %q, description %q, max session %d; want what was created",
			aws.ToString(role.Path), aws.ToString(role.Description), aws.ToInt32(role.MaxSessionDuration))
	}
	assertTags(t, role.Tags, map[string]string{"team": "finops", "managed-by": "terraform"})

	if err := acct.UpdateTrustPolicy(ctx, "costlink-resource-access", trustPolicy("second")); err != nil {
		t.Fatalf("UpdateTrustPolicy: %v", err)
	}
	if err := acct.UpdateRole(ctx, "costlink-resource-access", "", 3600); err != nil {
		t.Fatalf("UpdateRole: %v", err)
	}
	newTags := map[string]string{"team": "platform", "cost-center": "42"}
	if err := acct.UpdateTags(ctx, "costlink-resource-access", tagMap(role.Tags), newTags); err != nil {
		t.Fatalf("UpdateTags: %v", err)
	}
	boundary := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	if err := acct.PutPermissionsBoundary(ctx, "costlink-resource-access", boundary); err != nil {
		t.Fatalf("PutPermissionsBoundary: %v", err)
	}

	role, err = acct.FindRoleByName(ctx, "costlink-resource-access")
	if err != nil {
		t.Fatalf("FindRoleByName after updates: %v", err)
	}
	assertSameJSON(t, "updated trust policy", aws.ToString(role.AssumeRolePolicyDocument), trustPolicy("second"))
	if aws.ToString(role.Description) != "" || aws.ToInt32(role.MaxSessionDuration) != 3600 {
		t.Errorf("updated role = description %q, max session %d; want empty, 3600", aws.ToString(role.Description), aws.ToInt32(role.MaxSessionDuration))
	}
	assertTags(t, role.Tags, newTags)
	if role.PermissionsBoundary == nil || aws.ToString(role.PermissionsBoundary.PermissionsBoundaryArn) != boundary {
		t.Errorf("permissions boundary = %+v, want %s", role.PermissionsBoundary, boundary)
	}

	for range 2 { // removing a boundary that is gone is done already
		if err := acct.DeletePermissionsBoundary(ctx, "costlink-resource-access"); err != nil {
			t.Fatalf("DeletePermissionsBoundary: %v", err)
		}
	}
	if role, err = acct.FindRoleByName(ctx, "costlink-resource-access"); err != nil || role.PermissionsBoundary != nil {
		t.Errorf("after DeletePermissionsBoundary: boundary %+v, error %v; want none", role.PermissionsBoundary, err)
	}
}

func TestFindRoleByNameNotFound(t *testing.T) {
	t.Parallel()
	acct, _ := memberAccount(t)
	_, err := acct.FindRoleByName(context.Background(), "never-created")
	if !IsNotFound(err) {
		t.Fatalf("FindRoleByName = %v, want a *NotFoundError", err)
	}
}

func TestDeleteRoleRemovesEverything(t *testing.T) {
	t.Parallel()
	acct, _ := memberAccount(t)
	ctx := context.Background()
	const name = "costlink-resource-access"
	if _, err := acct.CreateRole(ctx, RoleInput{Name: name, TrustPolicyJSON: trustPolicy("x")}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	for _, policy := range []string{"costlink-1", "costlink-2"} {
		if err := acct.PutRolePolicy(ctx, name, policy, readPolicy); err != nil {
			t.Fatalf("PutRolePolicy: %v", err)
		}
	}
	if err := acct.AttachRolePolicy(ctx, name, viewOnlyAccess); err != nil {
		t.Fatalf("AttachRolePolicy: %v", err)
	}
	profile := aws.String("costlink-profile")
	if _, err := acct.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: profile}); err != nil {
		t.Fatalf("CreateInstanceProfile: %v", err)
	}
	if _, err := acct.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: profile, RoleName: aws.String(name)}); err != nil {
		t.Fatalf("AddRoleToInstanceProfile: %v", err)
	}

	for range 2 { // deleting a role that is gone is done already
		if err := acct.DeleteRole(ctx, name); err != nil {
			t.Fatalf("DeleteRole: %v", err)
		}
	}
	if _, err := acct.FindRoleByName(ctx, name); !IsNotFound(err) {
		t.Errorf("FindRoleByName after DeleteRole = %v, want a *NotFoundError", err)
	}
	if _, err := acct.ListRolePolicyNames(ctx, name); !IsNotFound(err) {
		t.Errorf("ListRolePolicyNames after DeleteRole = %v, want a *NotFoundError", err)
	}
	out, err := acct.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: profile})
	if err != nil || len(out.InstanceProfile.Roles) != 0 {
		t.Errorf("instance profile after DeleteRole: %v, error %v; want it without roles", out, err)
	}
}

func assertTags(t *testing.T, tags []types.Tag, want map[string]string) {
	t.Helper()
	if got := tagMap(tags); !maps.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
}

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, tag := range tags {
		m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return m
}
