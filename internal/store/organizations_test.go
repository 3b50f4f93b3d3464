package store

import (
	"context"
	"errors"
	"testing"
)

func TestEnsureOrganization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		a := testOrg(t, s, "acme")
		if again := testOrg(t, s, "acme"); again != a {
			t.Errorf("second EnsureOrganization = %+v, want %+v", again, a)
		}
		if len(a.ExternalID) < 32 {
			t.Errorf("external ID %q is shorter than 32 characters", a.ExternalID)
		}
		b := testOrg(t, s, "globex")
		if b.ID == a.ID || b.ExternalID == a.ExternalID {
			t.Errorf("organizations share an ID or external ID: %+v %+v", a, b)
		}
		got, err := s.Organization(context.Background(), a.ID)
		if err != nil || got != a {
			t.Errorf("Organization = %+v, %v; want %+v", got, err, a)
		}
		if _, err := s.Organization(context.Background(), "org_missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing organization: err = %v, want ErrNotFound", err)
		}
		if _, err := s.EnsureOrganization(context.Background(), ""); err == nil {
			t.Error("empty organization name accepted")
		}
	})
}
