package client

import (
	"context"
	"time"
)

// firstContactBudget is how long CheckAccess keeps trying to connect. A
// service that refuses connections or whose name does not resolve is, on
// first contact, almost always a wrong URL or a service not started: saying
// so in seconds beats the full backoff, which is for outages of a service
// that was reached.
const firstContactBudget = 5 * time.Second

// CheckAccess is the first contact with the service: it reads the
// organization of the API key, which any valid key may. It fails with an
// *UnreachableError within about firstContactBudget when no connection can be
// made, and at once with a 401 *APIError when the key is not accepted, so a
// wrong URL or key is reported once, before any resource asks. It returns
// the organization it read.
func (c *Client) CheckAccess(ctx context.Context) (*Organization, error) {
	return c.GetOrganization(context.WithValue(ctx, connectBudgetKey{}, firstContactBudget))
}
