package provider

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// connectionSnapshot serves the reads of one Terraform operation from one
// paged list of the organization's connections, so refreshing a thousand
// connections costs a request or two instead of a thousand GETs. The list is
// taken at the first read, not when the provider is configured: an apply
// configures the provider too, and reads nothing. Every Configure starts a
// new snapshot, so none outlives its operation.
//
// What this process changes is recorded over the list, so nothing it serves
// is older than this process's own creates, updates, deletes and health
// checks (a wait, a data source that checks while planning). A connection it
// does not hold (created by someone else since the list) is read with a GET.
type connectionSnapshot struct {
	client *client.Client

	// listing joins the reads that arrive while the list is taken: they
	// share its one request and its outcome. A failure is not kept: a read
	// after it lists again.
	listing singleflight.Group

	mu     sync.Mutex
	listed map[string]client.Connection // by ID; nil until listed
	// written holds this process's changes by ID: the connection as the
	// service last answered for it, or nil once deleted.
	written map[string]*client.Connection
	// checked holds, by ID, the health of checks this process ran on
	// connections it did not change, to serve over the listed health.
	checked map[string]client.Health
}

func newConnectionSnapshot(c *client.Client) *connectionSnapshot {
	return &connectionSnapshot{client: c, written: map[string]*client.Connection{}, checked: map[string]client.Health{}}
}

// connection returns the connection with the given ID as this operation
// knows it, with its ETag: from this process's own changes, else from the
// list, else from a GET. A connection this process deleted, or one the
// service does not hold, is client.ErrNotFound.
func (s *connectionSnapshot) connection(ctx context.Context, id string) (*client.Connection, error) {
	if conn, ok := s.changedHere(id); ok {
		if conn == nil {
			return nil, client.ErrNotFound
		}
		return conn, nil
	}
	listed, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	if conn, ok := listed[id]; ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		if h, ok := s.checked[id]; ok {
			conn.Health = h
		}
		return &conn, nil
	}
	return s.client.GetConnection(ctx, id)
}

// record keeps a connection as this process's create or update left it.
func (s *connectionSnapshot) record(conn *client.Connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := *conn
	s.written[conn.ID] = &copied
}

// recordHealth keeps the health a check of this process found: the end of
// a wait, or a check a data source asked for.
func (s *connectionSnapshot) recordHealth(id string, h client.Health) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if conn, ok := s.written[id]; ok {
		if conn != nil {
			conn.Health = h
		}
		return
	}
	s.checked[id] = h
}

// recordDeleted keeps that this process deleted the connection.
func (s *connectionSnapshot) recordDeleted(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written[id] = nil
}

// changedHere returns a copy of the connection as this process last changed
// it (nil: deleted), and whether it changed it at all.
func (s *connectionSnapshot) changedHere(id string) (*client.Connection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, ok := s.written[id]
	if conn == nil {
		return nil, ok
	}
	copied := *conn
	return &copied, true
}

// list returns the organization's connections by ID, listing them once.
func (s *connectionSnapshot) list(ctx context.Context) (map[string]client.Connection, error) {
	if listed := s.held(); listed != nil {
		return listed, nil
	}
	listed, err, _ := s.listing.Do("", func() (any, error) {
		if listed := s.held(); listed != nil { // a list that ended since the look above
			return listed, nil
		}
		conns, err := s.client.ListAllConnections(ctx, client.ListConnectionsOptions{})
		if err != nil {
			return nil, err
		}
		listed := make(map[string]client.Connection, len(conns))
		for _, c := range conns {
			listed[c.ID] = c
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.listed = listed
		return listed, nil
	})
	if err != nil {
		return nil, err
	}
	return listed.(map[string]client.Connection), nil
}

func (s *connectionSnapshot) held() map[string]client.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listed
}
