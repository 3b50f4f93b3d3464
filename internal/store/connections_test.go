package store

import (
	"context"
	"errors"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestCreateConnectionRequiresBilling(t *testing.T) {
	s, _ := openTestStore(t)
	org := testOrg(t, s, "acme")
	if _, err := s.CreateConnection(context.Background(), conn(org.ID, validate.TypeResource, 1), nil); !errors.Is(err, ErrBillingConnectionRequired) {
		t.Fatalf("resource before billing: err = %v, want ErrBillingConnectionRequired", err)
	}
	billing := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
	if billing.Version != 1 || billing.ID == "" || billing.CreatedAt.IsZero() || !billing.CreatedAt.Equal(billing.UpdatedAt) {
		t.Errorf("new connection = %+v", billing)
	}
	mustCreate(t, s, conn(org.ID, validate.TypeResource, 1))

	// Another organization's billing connection does not count.
	other := testOrg(t, s, "globex")
	if _, err := s.CreateConnection(context.Background(), conn(other.ID, validate.TypeResource, 1), nil); !errors.Is(err, ErrBillingConnectionRequired) {
		t.Errorf("other organization: err = %v, want ErrBillingConnectionRequired", err)
	}
}

func TestCreateConnectionConflicts(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	org := testOrg(t, s, "acme")
	billing := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
	first := mustCreate(t, s, conn(org.ID, validate.TypeResource, 2))

	sameName := conn(org.ID, validate.TypeResource, 3)
	sameName.Name = first.Name
	sameAccount := conn(org.ID, validate.TypeResource, 2)
	sameAccount.Name = "another-name"
	for _, tc := range []struct {
		name  string
		c     Connection
		field string
		id    string
	}{
		{"name", sameName, ConflictName, first.ID},
		{"account and type", sameAccount, ConflictAccountType, first.ID},
	} {
		_, err := s.CreateConnection(ctx, tc.c, nil)
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.ExistingID != tc.id {
			t.Errorf("%s: err = %v, want conflict on %s with %s", tc.name, err, tc.field, tc.id)
		}
	}

	// The same account may hold one connection of each type, and another
	// organization may reuse names and accounts.
	resourceOfPayer := conn(org.ID, validate.TypeResource, 1)
	mustCreate(t, s, resourceOfPayer)
	other := testOrg(t, s, "globex")
	mustCreate(t, s, Connection{OrgID: other.ID, Name: billing.Name, Type: billing.Type, RoleARN: billing.RoleARN,
		AccountID: billing.AccountID, BillingBucket: billing.BillingBucket})
}

func TestConnectionIsolatedByOrganization(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	org, other := testOrg(t, s, "acme"), testOrg(t, s, "globex")
	c := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))

	if got, err := s.Connection(ctx, org.ID, c.ID); err != nil || got.ID != c.ID || len(got.Regions) != 1 {
		t.Errorf("Connection = %+v, %v", got, err)
	}
	if _, err := s.Connection(ctx, other.ID, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Connection from another organization: err = %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateConnection(ctx, other.ID, c.ID, func(*Connection) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateConnection from another organization: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteConnection(ctx, other.ID, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteConnection from another organization: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteConnection(ctx, org.ID, c.ID); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	if _, err := s.Connection(ctx, org.ID, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted connection: err = %v, want ErrNotFound", err)
	}
}

func TestUpdateConnection(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	org := testOrg(t, s, "acme")
	billing := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
	c := mustCreate(t, s, conn(org.ID, validate.TypeResource, 2))

	same, err := s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error {
		c.Regions = []string{"us-east-1"}
		return nil
	})
	if err != nil || same.Version != 1 {
		t.Errorf("no-op update = version %d, %v; want version 1", same.Version, err)
	}

	updated, err := s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error {
		c.Name, c.Regions, c.Type = "renamed", []string{"eu-south-1", "us-east-1"}, validate.TypeBilling
		return nil
	})
	if err != nil || updated.Version != 2 || updated.Name != "renamed" || updated.Type != validate.TypeResource || len(updated.Regions) != 2 {
		t.Errorf("update = %+v, %v", updated, err)
	}
	if got, _ := s.Connection(ctx, org.ID, c.ID); got.Version != 2 || got.Name != "renamed" {
		t.Errorf("stored after update = %+v", got)
	}

	refused := errors.New("refused")
	if _, err := s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error { c.Name = "ignored"; return refused }); err != refused {
		t.Errorf("change error: err = %v, want it returned unchanged", err)
	}
	if got, _ := s.Connection(ctx, org.ID, c.ID); got.Name != "renamed" {
		t.Errorf("a refused change was written: %+v", got)
	}

	_, err = s.UpdateConnection(ctx, org.ID, c.ID, func(c *Connection) error { c.Name = billing.Name; return nil })
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Field != ConflictName || ce.ExistingID != billing.ID {
		t.Errorf("rename onto an existing name: err = %v, want conflict with %s", err, billing.ID)
	}
}
