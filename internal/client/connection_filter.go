package client

import (
	"context"
	"slices"
	"strings"
)

// ConnectionFilter selects connections by what a user looking for them
// knows. A zero field selects every connection; a connection must match
// every field that is set.
type ConnectionFilter struct {
	NamePrefix string   // names that start with it
	AccountIDs []string // any of these accounts
	Type       string   // "resource" or "billing"
	// HealthStatus is HealthPending, HealthHealthy or HealthUnhealthy, as
	// the service last checked the connection.
	HealthStatus string
}

// Matches reports whether f selects conn.
func (f ConnectionFilter) Matches(conn *Connection) bool {
	return strings.HasPrefix(conn.Name, f.NamePrefix) &&
		(len(f.AccountIDs) == 0 || slices.Contains(f.AccountIDs, conn.AccountID)) &&
		(f.Type == "" || conn.Type == f.Type) &&
		(f.HealthStatus == "" || conn.Health.Status == f.HealthStatus)
}

// listOptions are the parts of f the API filters on itself, so that fewer
// connections travel: the type, and the account when there is only one.
// The API has no prefix, health or several-accounts filter.
func (f ConnectionFilter) listOptions() ListConnectionsOptions {
	opts := ListConnectionsOptions{Type: f.Type}
	if len(f.AccountIDs) == 1 {
		opts.AccountID = f.AccountIDs[0]
	}
	return opts
}

// ListConnectionsMatching returns, oldest first, every connection f
// selects: one paged list of the organization's connections (pages of
// 1,000, so a thousand connections cost one request), filtered by the API
// where it can and here for the rest.
func (c *Client) ListConnectionsMatching(ctx context.Context, f ConnectionFilter) ([]Connection, error) {
	conns, err := c.ListAllConnections(ctx, f.listOptions())
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(conns, func(conn Connection) bool { return !f.Matches(&conn) }), nil
}
