package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestCreateConnectionRequiresBilling(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
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
	})
}

func TestCreateConnectionConflicts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
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
	})
}

func TestConnectionIsolatedByOrganization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
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
	})
}

func TestUpdateConnection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
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
	})
}

func TestDeleteBillingConnectionWithResourceConnections(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		billing := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
		var resources []Connection
		for n := range 12 {
			resources = append(resources, mustCreate(t, s, conn(org.ID, validate.TypeResource, 100+n)))
		}
		// Another organization's connections are not counted.
		other := testOrg(t, s, "globex")
		mustCreate(t, s, conn(other.ID, validate.TypeBilling, 1))
		mustCreate(t, s, conn(other.ID, validate.TypeResource, 2))

		err := s.DeleteConnection(ctx, org.ID, billing.ID)
		var refused *ResourceConnectionsExistError
		if !errors.As(err, &refused) {
			t.Fatalf("delete billing with resource connections: err = %v, want *ResourceConnectionsExistError", err)
		}
		if refused.Total != 12 || len(refused.Connections) != MaxListedResourceConnections {
			t.Errorf("refusal lists %d of %d, want %d of 12", len(refused.Connections), refused.Total, MaxListedResourceConnections)
		}
		for i, ref := range refused.Connections {
			if ref.ID != resources[i].ID || ref.Name != resources[i].Name {
				t.Errorf("listed connection %d = %+v, want %s (%s) in creation order", i, ref, resources[i].ID, resources[i].Name)
			}
		}
		if _, err := s.Connection(ctx, org.ID, billing.ID); err != nil {
			t.Errorf("refused delete removed the billing connection: %v", err)
		}

		// A second billing connection keeps the prerequisite: either may go, not both.
		second := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 2))
		if err := s.DeleteConnection(ctx, org.ID, billing.ID); err != nil {
			t.Fatalf("delete one of two billing connections: %v", err)
		}
		if err := s.DeleteConnection(ctx, org.ID, second.ID); !errors.As(err, &refused) || refused.Total != 12 {
			t.Fatalf("delete the last billing connection: err = %v, want *ResourceConnectionsExistError of 12", err)
		}

		for _, c := range resources {
			if err := s.DeleteConnection(ctx, org.ID, c.ID); err != nil {
				t.Fatalf("delete resource connection %s: %v", c.Name, err)
			}
		}
		if err := s.DeleteConnection(ctx, org.ID, second.ID); err != nil {
			t.Errorf("delete billing without resource connections: %v", err)
		}
		assertCount(t, s, org.ID, 0)
	})
}

// TestDeleteBillingRacesCreate deletes the billing connection while other
// handles on the file create resource connections: however they interleave,
// no resource connection outlives the billing connection.
func TestDeleteBillingRacesCreate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, s2 := openTwoHandles(t, e)
		ctx := context.Background()
		for round := range 5 {
			org := testOrg(t, s, fmt.Sprintf("org-%d", round))
			billing := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
			var (
				wg        sync.WaitGroup
				deleteErr error
			)
			for i := range 8 {
				if i == round { // the delete starts at a different point each round
					wg.Go(func() { deleteErr = s2.DeleteConnection(ctx, org.ID, billing.ID) })
				}
				wg.Go(func() {
					_, err := []*Store{s, s2}[i%2].CreateConnection(ctx, conn(org.ID, validate.TypeResource, 100+i), nil)
					if err != nil && !errors.Is(err, ErrBillingConnectionRequired) {
						t.Errorf("create %d: %v", i, err)
					}
				})
			}
			wg.Wait()

			var refused *ResourceConnectionsExistError
			page, err := s.ListConnections(ctx, org.ID, ListOptions{Type: validate.TypeResource, Limit: 100})
			switch {
			case err != nil:
				t.Fatal(err)
			case deleteErr == nil && len(page.Connections) != 0:
				t.Errorf("round %d: billing deleted, yet %d resource connections remain", round, len(page.Connections))
			case deleteErr != nil && (!errors.As(deleteErr, &refused) || refused.Total == 0):
				t.Errorf("round %d: delete: %v", round, deleteErr)
			}
		}
	})
}

// TestUpdateConnectionIfMatchAcrossHandles updates one connection from two
// handles at once (two replicas), each only if the version is the one it
// read, as If-Match does: exactly one update wins, the other sees the new
// version and refuses, and no change is lost.
func TestUpdateConnectionIfMatchAcrossHandles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		a, b := openTwoHandles(t, e)
		ctx := context.Background()
		org := testOrg(t, a, "acme")
		billing := mustCreate(t, a, conn(org.ID, validate.TypeBilling, 1))
		errStale := errors.New("version changed")
		var wg sync.WaitGroup
		results := make(chan error, 2)
		for i, s := range []*Store{a, b} {
			wg.Go(func() {
				_, err := s.UpdateConnection(ctx, org.ID, billing.ID, func(c *Connection) error {
					if c.Version != billing.Version {
						return errStale
					}
					c.Regions = []string{fmt.Sprintf("eu-west-%d", i+1)}
					return nil
				})
				results <- err
			})
		}
		wg.Wait()
		close(results)
		var won, refused int
		for err := range results {
			switch {
			case err == nil:
				won++
			case errors.Is(err, errStale):
				refused++
			default:
				t.Fatalf("UpdateConnection: %v", err)
			}
		}
		got, err := a.Connection(ctx, org.ID, billing.ID)
		if err != nil || won != 1 || refused != 1 || got.Version != billing.Version+1 {
			t.Fatalf("won %d, refused %d, version %d (%v); want one of each and version %d", won, refused, got.Version, err, billing.Version+1)
		}
	})
}
