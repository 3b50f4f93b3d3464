package store

import (
	"context"
	"slices"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestConnectionsByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		org, other := testOrg(t, s, "acme"), testOrg(t, s, "globex")
		payer := mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1))
		member := mustCreate(t, s, conn(org.ID, validate.TypeResource, 2))
		mustCreate(t, s, conn(org.ID, validate.TypeResource, 3)) // not asked for
		foreign := mustCreate(t, s, conn(other.ID, validate.TypeBilling, 1))

		found, err := s.ConnectionsByID(context.Background(), org.ID, []string{member.ID, "conn_missing", payer.ID, foreign.ID, member.ID})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range found {
			ids = append(ids, c.ID)
		}
		if want := []string{payer.ID, member.ID}; !slices.Equal(ids, want) {
			t.Errorf("ConnectionsByID = %v, want %v: the organization's listed connections, once each, not another organization's", ids, want)
		}
		if found[1].Name != member.Name || found[1].Version != member.Version || found[1].Health.Status != HealthPending {
			t.Errorf("connection read back as %+v, want %+v", found[1], member)
		}
	})
}
