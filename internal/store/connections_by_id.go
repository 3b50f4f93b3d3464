package store

import (
	"context"
	"encoding/json"
)

// ConnectionsByID returns the organization's connections among ids, in one
// query: a bulk request for a thousand connections does not queue a
// thousand reads behind the health checks' writes on the store's one
// connection. IDs of no connection of the organization are left out, and
// an ID listed twice is returned once.
func (s *Store) ConnectionsByID(ctx context.Context, orgID string, ids []string) ([]Connection, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, selectConnection+
		` WHERE org_id = ? AND id IN (`+s.dialect.jsonStrings+`) ORDER BY seq`, orgID, string(list))
	if err != nil {
		return nil, err
	}
	return scanConnections(rows)
}
