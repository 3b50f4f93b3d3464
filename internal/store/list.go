package store

import (
	"context"
	"database/sql"
)

// ListOptions selects a page of an organization's connections.
type ListOptions struct {
	Name      string // only the connection with this name; "" for any
	AccountID string // only connections of this account; "" for any
	Type      string // only connections of this type; "" for any
	After     int64  // resume after this position (a Page.Next); 0 from the start
	Limit     int    // page size, at least 1
}

// Page is one page of connections in creation order.
type Page struct {
	Connections []Connection
	Next        int64 // pass as ListOptions.After for the next page; 0 on the last page
}

// ListConnections returns the organization's connections matching opts, in
// creation order.
func (s *Store) ListConnections(ctx context.Context, orgID string, opts ListOptions) (Page, error) {
	// One row beyond the page tells whether another page follows.
	rows, err := s.db.query(ctx, selectConnection+`
	WHERE org_id = @org AND seq > @after
	  AND (@name = '' OR name = @name)
	  AND (@account = '' OR account_id = @account)
	  AND (@type = '' OR type = @type)
	ORDER BY seq LIMIT @limit`,
		sql.Named("org", orgID), sql.Named("after", opts.After), sql.Named("name", opts.Name),
		sql.Named("account", opts.AccountID), sql.Named("type", opts.Type), sql.Named("limit", opts.Limit+1))
	if err != nil {
		return Page{}, err
	}
	found, err := scanConnections(rows)
	if err != nil {
		return Page{}, err
	}
	page := Page{Connections: nonNil(found)}
	if len(page.Connections) > opts.Limit {
		page.Connections = page.Connections[:opts.Limit]
		page.Next = page.Connections[opts.Limit-1].seq
	}
	return page, nil
}
