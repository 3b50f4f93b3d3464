package acctest

import (
	"cmp"
	"context"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// SeedConnections stores connections of the organization straight in the
// service's database, healthy, as an organization onboarded long ago holds
// them, and returns their IDs in order. It makes no request and starts no
// health check, so a test of scale (a refresh of a thousand connections)
// counts only the requests of what it tests, and does not wait for a
// thousand creates. The requests are not validated beyond their role ARN.
func (o *Org) SeedConnections(t *testing.T, conns []client.CreateConnectionRequest) []string {
	t.Helper()
	ctx := context.Background()
	st := o.svc.store
	ids := make([]string, len(conns))
	for i, req := range conns {
		arn, err := validate.ParseRoleARN(req.RoleARN)
		if err != nil {
			t.Fatalf("seeding connection %q: %v", req.Name, err)
		}
		created, err := st.CreateConnection(ctx, store.Connection{
			OrgID: o.id, Name: req.Name, Type: cmp.Or(req.Type, validate.TypeResource), RoleARN: req.RoleARN, AccountID: arn.AccountID,
			BillingBucket: req.BillingBucket, Regions: req.Regions,
		}, nil)
		if err != nil {
			t.Fatalf("seeding connection %q: %v", req.Name, err)
		}
		now := time.Now()
		c := created.Connection
		if _, err := st.SaveHealth(ctx, c.ID, c.Version, store.Health{Status: store.HealthHealthy, CheckedAt: now, LastHealthyAt: now}, store.CheckRun{}); err != nil {
			t.Fatalf("seeding the health of connection %q: %v", req.Name, err)
		}
		ids[i] = c.ID
	}
	return ids
}
