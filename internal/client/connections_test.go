package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// connectionJSON is a connection as the service sends it.
func connectionJSON(id, name string) map[string]any {
	return map[string]any{
		"id":             id,
		"name":           name,
		"type":           "resource",
		"role_arn":       "arn:aws:iam::123456789012:role/costlink/costlink-resource-access",
		"account_id":     "123456789012",
		"billing_bucket": "",
		"regions":        []string{"eu-west-1", "us-east-1"},
		"created_at":     "2026-11-26T14:30:00Z",
		"updated_at":     "2026-11-27T08:00:00Z",
		"version":        3,
	}
}

// readBody decodes a request body into a generic map, to compare what was
// sent field by field.
func readBody(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("request body %q: %v", data, err)
	}
	return body
}

func TestCreateConnection(t *testing.T) {
	var gotBody map[string]any
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/aws/connections" {
			t.Errorf("request = %s %s", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		gotBody = readBody(t, r)
		w.Header().Set("ETag", `"1"`)
		w.Header().Set("Location", "/v1/aws/connections/conn_1")
		writeJSON(t, w, http.StatusCreated, connectionJSON("conn_1", "prod-payments"))
	})

	conn, err := c.CreateConnection(context.Background(), CreateConnectionRequest{
		Name:    "prod-payments",
		RoleARN: "arn:aws:iam::123456789012:role/costlink/costlink-resource-access",
		Regions: []string{"us-east-1", "eu-west-1"},
	}, "")
	if err != nil {
		t.Fatal(err)
	}

	wantBody := map[string]any{
		"name":     "prod-payments",
		"role_arn": "arn:aws:iam::123456789012:role/costlink/costlink-resource-access",
		"regions":  []any{"us-east-1", "eu-west-1"},
	}
	if !reflect.DeepEqual(gotBody, wantBody) {
		t.Errorf("body = %v, want %v (type and billing_bucket left to the service's defaults)", gotBody, wantBody)
	}
	want := &Connection{
		ID:        "conn_1",
		Name:      "prod-payments",
		Type:      "resource",
		RoleARN:   "arn:aws:iam::123456789012:role/costlink/costlink-resource-access",
		AccountID: "123456789012",
		Regions:   []string{"eu-west-1", "us-east-1"},
		CreatedAt: time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC),
		Version:   3,
		ETag:      `"1"`,
	}
	if !reflect.DeepEqual(conn, want) {
		t.Errorf("connection = %+v, want %+v", conn, want)
	}
}

func TestGetConnectionEscapesTheID(t *testing.T) {
	var gotPath string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.EscapedPath()
		w.Header().Set("ETag", `"3"`)
		writeJSON(t, w, http.StatusOK, connectionJSON("conn_1", "prod"))
	})

	conn, err := c.GetConnection(context.Background(), "conn/1 ?x")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/v1/aws/connections/conn%2F1%20%3Fx"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
	if conn.ETag != `"3"` || conn.Version != 3 {
		t.Errorf("ETag %q, version %d; want \"3\", 3", conn.ETag, conn.Version)
	}
}

func TestConnectionMethodsRefuseInvalidIDs(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	})
	ctx := context.Background()
	for _, id := range []string{"", ".", ".."} {
		if _, err := c.GetConnection(ctx, id); err == nil {
			t.Errorf("GetConnection(%q) succeeded", id)
		}
		if _, err := c.UpdateConnection(ctx, id, UpdateConnectionRequest{}, ""); err == nil {
			t.Errorf("UpdateConnection(%q) succeeded", id)
		}
		if err := c.DeleteConnection(ctx, id); err == nil {
			t.Errorf("DeleteConnection(%q) succeeded", id)
		}
	}
}

func TestUpdateConnectionSendsOnlySetFields(t *testing.T) {
	var noRegions []string // nil, as an empty Terraform list may decode
	tests := []struct {
		name        string
		req         UpdateConnectionRequest
		ifMatch     string
		wantBody    map[string]any
		wantIfMatch string
	}{
		{
			name:        "name only, with If-Match",
			req:         UpdateConnectionRequest{Name: new("renamed")},
			ifMatch:     `"3"`,
			wantBody:    map[string]any{"name": "renamed"},
			wantIfMatch: `"3"`,
		},
		{
			name:     "clear regions",
			req:      UpdateConnectionRequest{Regions: &noRegions},
			wantBody: map[string]any{"regions": []any{}},
		},
		{
			name:     "empty bucket is sent",
			req:      UpdateConnectionRequest{BillingBucket: new(""), Regions: &[]string{"eu-south-1"}},
			wantBody: map[string]any{"billing_bucket": "", "regions": []any{"eu-south-1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPatch || r.URL.Path != "/v1/aws/connections/conn_1" {
					t.Errorf("request = %s %s", r.Method, r.URL.Path)
				}
				if got := r.Header.Get("If-Match"); got != tt.wantIfMatch {
					t.Errorf("If-Match = %q, want %q", got, tt.wantIfMatch)
				}
				if _, ok := r.Header["If-Match"]; !ok && tt.wantIfMatch != "" {
					t.Errorf("If-Match missing")
				}
				if got := readBody(t, r); !reflect.DeepEqual(got, tt.wantBody) {
					t.Errorf("body = %v, want %v", got, tt.wantBody)
				}
				w.Header().Set("ETag", `"4"`)
				writeJSON(t, w, http.StatusOK, connectionJSON("conn_1", "renamed"))
			})

			conn, err := c.UpdateConnection(context.Background(), "conn_1", tt.req, tt.ifMatch)
			if err != nil {
				t.Fatal(err)
			}
			if conn.ETag != `"4"` {
				t.Errorf("ETag = %q, want the one of the response", conn.ETag)
			}
		})
	}
}

func TestDeleteConnection(t *testing.T) {
	var got string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Method + " " + r.URL.Path
		if r.Header.Get("Idempotency-Key") != "" {
			t.Errorf("DELETE carries an Idempotency-Key")
		}
		w.WriteHeader(http.StatusNoContent)
	})

	if err := c.DeleteConnection(context.Background(), "conn_1"); err != nil {
		t.Fatal(err)
	}
	if got != "DELETE /v1/aws/connections/conn_1" {
		t.Errorf("request = %q", got)
	}
}

// pagingServer serves count connections in pages of the requested limit,
// with the index of the next connection as the cursor, and records the
// queries it got.
func pagingServer(t *testing.T, count int, queries *[]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		*queries = append(*queries, r.URL.RawQuery)
		start, _ := strconv.Atoi(q.Get("cursor"))
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil {
			limit = 100
		}
		page := []map[string]any{}
		for i := start; i < count && i < start+limit; i++ {
			page = append(page, connectionJSON(fmt.Sprintf("conn_%d", i), fmt.Sprintf("c%d", i)))
		}
		next := ""
		if start+limit < count {
			next = strconv.Itoa(start + limit)
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"connections": page, "next_cursor": next})
	}
}

func TestListAllConnectionsFollowsCursors(t *testing.T) {
	var queries []string
	c := newTestClient(t, pagingServer(t, 5, &queries))

	conns, err := c.ListAllConnections(context.Background(), ListConnectionsOptions{AccountID: "123456789012", Type: "resource", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}

	var ids []string
	for _, conn := range conns {
		ids = append(ids, conn.ID)
	}
	if want := []string{"conn_0", "conn_1", "conn_2", "conn_3", "conn_4"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("IDs = %v, want %v", ids, want)
	}
	wantQueries := []string{
		"account_id=123456789012&limit=2&type=resource",
		"account_id=123456789012&cursor=2&limit=2&type=resource",
		"account_id=123456789012&cursor=4&limit=2&type=resource",
	}
	if !reflect.DeepEqual(queries, wantQueries) {
		t.Errorf("queries = %q, want %q", queries, wantQueries)
	}
}

func TestListAllConnectionsAsksForLargePages(t *testing.T) {
	var queries []string
	c := newTestClient(t, pagingServer(t, 0, &queries))

	conns, err := c.ListAllConnections(context.Background(), ListConnectionsOptions{Name: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 0 || !reflect.DeepEqual(queries, []string{"limit=1000&name=prod"}) {
		t.Errorf("got %d connections with queries %q, want none with one query for 1000", len(conns), queries)
	}
}

func TestListConnectionsReturnsOnePage(t *testing.T) {
	var queries []string
	c := newTestClient(t, pagingServer(t, 3, &queries))

	page, next, err := c.ListConnections(context.Background(), ListConnectionsOptions{Limit: 2, Cursor: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != "conn_1" || next != "" {
		t.Errorf("page = %d connections from %q, next %q; want conn_1 and conn_2, last page", len(page), page[0].ID, next)
	}
}

func TestListAllConnectionsStopsOnARepeatedCursor(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusOK, map[string]any{"connections": []any{}, "next_cursor": "same"})
	})
	if _, err := c.ListAllConnections(context.Background(), ListConnectionsOptions{}); err == nil {
		t.Fatal("want an error instead of an endless loop")
	}
}

// A caller's idempotency key is sent as is, and the service's answers to a
// key used before are told apart.
func TestCreateConnectionWithIdempotencyKey(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch key := r.Header.Get("Idempotency-Key"); key {
		case "replayed":
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(t, w, http.StatusCreated, connectionJSON("conn_1", "prod"))
		case "new":
			writeJSON(t, w, http.StatusCreated, connectionJSON("conn_2", "prod"))
		case "deleted":
			writeJSON(t, w, http.StatusGone, map[string]any{"type": ProblemKeyedConnectionDeleted, "status": 410,
				"title": "Connection deleted", "detail": "gone", "existing_id": "conn_0"})
		case "reused":
			writeJSON(t, w, http.StatusUnprocessableEntity, map[string]any{"type": ProblemIdempotencyKeyReused, "status": 422,
				"title": "Idempotency key reused", "detail": "other request", "existing_id": "conn_3"})
		default:
			t.Errorf("Idempotency-Key = %q", key)
		}
	})
	ctx := context.Background()
	req := CreateConnectionRequest{Name: "prod"}

	if conn, err := c.CreateConnection(ctx, req, "replayed"); err != nil || !conn.Replayed || conn.ID != "conn_1" {
		t.Errorf("replayed = %+v, %v; want conn_1, Replayed", conn, err)
	}
	if conn, err := c.CreateConnection(ctx, req, "new"); err != nil || conn.Replayed {
		t.Errorf("new = %+v, %v; want not Replayed", conn, err)
	}
	_, err := c.CreateConnection(ctx, req, "deleted")
	if !IsKeyedConnectionDeleted(err) || KeyedConnectionID(err) != "" || IsNotFound(err) {
		t.Errorf("deleted: err = %v; want IsKeyedConnectionDeleted only", err)
	}
	_, err = c.CreateConnection(ctx, req, "reused")
	if KeyedConnectionID(err) != "conn_3" || IsKeyedConnectionDeleted(err) || IsValidation(err) {
		t.Errorf("reused: err = %v; want KeyedConnectionID conn_3 and not a validation error", err)
	}
}

func TestListConnectionsTagsEachConnectionWithItsVersion(t *testing.T) {
	var queries []string
	c := newTestClient(t, pagingServer(t, 2, &queries))

	page, _, err := c.ListConnections(context.Background(), ListConnectionsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, conn := range page {
		if conn.ETag != `"3"` {
			t.Errorf("%s: ETag %q, want %q as the API sends for version 3", conn.ID, conn.ETag, `"3"`)
		}
	}
}
