package awsiam

import (
	"context"
	"slices"
	"testing"
)

// viewOnlyAccess is an AWS managed policy moto loads with
// MOTO_IAM_LOAD_MANAGED_POLICIES=true.
const viewOnlyAccess = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"

func TestInlinePolicies(t *testing.T) {
	t.Parallel()
	acct, _ := memberAccount(t)
	ctx := context.Background()
	const role = "costlink-resource-access"
	if _, err := acct.CreateRole(ctx, RoleInput{Name: role, TrustPolicyJSON: trustPolicy("x")}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}

	if err := acct.PutRolePolicy(ctx, role, "costlink-1", readPolicy); err != nil {
		t.Fatalf("PutRolePolicy: %v", err)
	}
	doc, err := acct.FindRolePolicy(ctx, role, "costlink-1")
	if err != nil {
		t.Fatalf("FindRolePolicy: %v", err)
	}
	assertSameJSON(t, "inline policy", doc, readPolicy)
	if names, err := acct.ListRolePolicyNames(ctx, role); err != nil || !slices.Equal(names, []string{"costlink-1"}) {
		t.Errorf("ListRolePolicyNames = %v, %v; want [costlink-1]", names, err)
	}

	for range 2 { // deleting a policy that is gone is done already
		if err := acct.DeleteRolePolicy(ctx, role, "costlink-1"); err != nil {
			t.Fatalf("DeleteRolePolicy: %v", err)
		}
	}
	if _, err := acct.FindRolePolicy(ctx, role, "costlink-1"); !IsNotFound(err) {
		t.Errorf("FindRolePolicy after delete = %v, want a *NotFoundError", err)
	}
	if names, err := acct.ListRolePolicyNames(ctx, role); err != nil || len(names) != 0 {
		t.Errorf("ListRolePolicyNames after delete = %v, %v; want none", names, err)
	}
}

func TestManagedPolicies(t *testing.T) {
	t.Parallel()
	acct, _ := memberAccount(t)
	ctx := context.Background()
	const role = "costlink-resource-access"
	if _, err := acct.CreateRole(ctx, RoleInput{Name: role, TrustPolicyJSON: trustPolicy("x")}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}

	if err := acct.AttachRolePolicy(ctx, role, viewOnlyAccess); err != nil {
		t.Fatalf("AttachRolePolicy: %v", err)
	}
	if arns, err := acct.ListAttachedRolePolicyARNs(ctx, role); err != nil || !slices.Equal(arns, []string{viewOnlyAccess}) {
		t.Errorf("ListAttachedRolePolicyARNs = %v, %v; want [%s]", arns, err, viewOnlyAccess)
	}
	for range 2 { // detaching a policy that is not attached is done already
		if err := acct.DetachRolePolicy(ctx, role, viewOnlyAccess); err != nil {
			t.Fatalf("DetachRolePolicy: %v", err)
		}
	}
	if arns, err := acct.ListAttachedRolePolicyARNs(ctx, role); err != nil || len(arns) != 0 {
		t.Errorf("ListAttachedRolePolicyARNs after detach = %v, %v; want none", arns, err)
	}
}
