package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const connectionsPath = "/v1/aws/connections"

// maxPageSize is the largest page the API serves; ListAllConnections asks for
// it so that listing a thousand connections takes one request, not ten.
const maxPageSize = 1000

// Connection is a connection record: one AWS account connected through a
// cross-account role.
type Connection struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Type          string    `json:"type"` // "resource" or "billing"
	RoleARN       string    `json:"role_arn"`
	AccountID     string    `json:"account_id"`     // from RoleARN
	BillingBucket string    `json:"billing_bucket"` // "" for resource connections
	Regions       []string  `json:"regions"`        // sorted, without duplicates
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"` // 1 at creation, +1 per change
	Health        Health    `json:"health"`

	// ETag is the value to pass as ifMatch to UpdateConnection: the ETag
	// header of the response the connection came in, or, in list results,
	// the same tag made from Version.
	ETag string `json:"-"`
	// Replayed is set by CreateConnection when the idempotency key had
	// created this connection before: nothing new was created.
	Replayed bool `json:"-"`
}

// CreateConnectionRequest is the body of CreateConnection.
type CreateConnectionRequest struct {
	Name          string   `json:"name"`
	Type          string   `json:"type,omitempty"` // "resource" (the default) or "billing"
	RoleARN       string   `json:"role_arn"`
	BillingBucket string   `json:"billing_bucket,omitempty"` // required for, and only for, billing
	Regions       []string `json:"regions,omitempty"`
}

// UpdateConnectionRequest is the body of UpdateConnection. A nil field is
// left unchanged; Regions pointing to an empty slice clears the regions.
type UpdateConnectionRequest struct {
	Name          *string   `json:"name,omitempty"`
	RoleARN       *string   `json:"role_arn,omitempty"`
	BillingBucket *string   `json:"billing_bucket,omitempty"`
	Regions       *[]string `json:"regions,omitempty"`
}

// ListConnectionsOptions filters and pages ListConnections. Zero values
// are left out of the query.
type ListConnectionsOptions struct {
	Name      string
	AccountID string
	Type      string
	Limit     int    // page size, 1 to 1000; 0 means the API's default of 100
	Cursor    string // the next cursor of the previous page; "" for the first
}

func (o ListConnectionsOptions) query() url.Values {
	q := url.Values{}
	for key, value := range map[string]string{
		"name":       o.Name,
		"account_id": o.AccountID,
		"type":       o.Type,
		"cursor":     o.Cursor,
	} {
		if value != "" {
			q.Set(key, value)
		}
	}
	if o.Limit != 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q
}

// ListConnections returns one page of the organization's connections, oldest
// first, and the cursor of the next page ("" after the last page).
func (c *Client) ListConnections(ctx context.Context, opts ListConnectionsOptions) ([]Connection, string, error) {
	var page struct {
		Connections []Connection `json:"connections"`
		NextCursor  string       `json:"next_cursor"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: connectionsPath, query: opts.query()}, &page); err != nil {
		return nil, "", err
	}
	for i := range page.Connections {
		page.Connections[i].ETag = versionETag(page.Connections[i].Version)
	}
	return page.Connections, page.NextCursor, nil
}

// versionETag is the ETag the API sends with a connection of this version:
// the version as a quoted string, "3" for version 3.
func versionETag(version int64) string {
	return strconv.Quote(strconv.FormatInt(version, 10))
}

// ListAllConnections returns every connection matching opts, following the
// cursors from opts.Cursor to the last page. A zero opts.Limit asks for the
// largest pages.
func (c *Client) ListAllConnections(ctx context.Context, opts ListConnectionsOptions) ([]Connection, error) {
	if opts.Limit == 0 {
		opts.Limit = maxPageSize
	}
	var all []Connection
	for {
		page, next, err := c.ListConnections(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		if next == opts.Cursor {
			// A service that hands back the cursor it was given would loop forever.
			return nil, fmt.Errorf("listing connections: the API returned the same cursor %q twice", next)
		}
		opts.Cursor = next
	}
}

// CreateConnection registers a connection. Retries of the request carry the
// same Idempotency-Key, so they never create a second record; so does a later
// call with the same idempotencyKey, within the service's 24 hours ("" sends
// a random key). When the key created a connection before, the result is
// that connection as it is now, with Replayed set; IsKeyedConnectionDeleted
// and KeyedConnectionID tell the errors of a key used before.
func (c *Client) CreateConnection(ctx context.Context, req CreateConnectionRequest, idempotencyKey string) (*Connection, error) {
	var conn Connection
	header, err := c.do(ctx, request{method: http.MethodPost, path: connectionsPath, body: req, idempotencyKey: idempotencyKey}, &conn)
	if err != nil {
		return nil, err
	}
	conn.ETag, conn.Replayed = header.Get("ETag"), header.Get("Idempotent-Replayed") == "true"
	return &conn, nil
}

// GetConnection returns the connection with the given ID, with its ETag.
func (c *Client) GetConnection(ctx context.Context, id string) (*Connection, error) {
	path, err := connectionPath(id)
	if err != nil {
		return nil, err
	}
	return c.connection(ctx, request{method: http.MethodGet, path: path})
}

// UpdateConnection changes the fields of req that are not nil. With a
// non-empty ifMatch (an ETag from GetConnection) the service refuses the
// change with a 412 (IsPreconditionFailed) if the record changed since.
func (c *Client) UpdateConnection(ctx context.Context, id string, req UpdateConnectionRequest, ifMatch string) (*Connection, error) {
	path, err := connectionPath(id)
	if err != nil {
		return nil, err
	}
	if req.Regions != nil && *req.Regions == nil {
		// A nil slice would be sent as null; the caller meant "no regions".
		req.Regions = &[]string{}
	}
	return c.connection(ctx, request{method: http.MethodPatch, path: path, body: req, ifMatch: ifMatch})
}

// DeleteConnection deletes the connection with the given ID.
func (c *Client) DeleteConnection(ctx context.Context, id string) error {
	path, err := connectionPath(id)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{method: http.MethodDelete, path: path}, nil)
	return err
}

// connection does r, whose response is one connection, and keeps its ETag.
func (c *Client) connection(ctx context.Context, r request) (*Connection, error) {
	var conn Connection
	header, err := c.do(ctx, r, &conn)
	if err != nil {
		return nil, err
	}
	conn.ETag = header.Get("ETag")
	return &conn, nil
}

// connectionPath returns the path of one connection. It refuses IDs that
// would address another resource: "" is the collection, "." and ".." are
// path segments.
func connectionPath(id string) (string, error) {
	if id == "" || id == "." || id == ".." {
		return "", errors.New("invalid connection ID " + strconv.Quote(id))
	}
	return connectionsPath + "/" + url.PathEscape(id), nil
}
