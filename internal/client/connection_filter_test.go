package client

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

func TestConnectionFilterMatches(t *testing.T) {
	conn := Connection{Name: "prod-payments", Type: "resource", AccountID: "222222222222", Health: Health{Status: HealthUnhealthy}}
	for _, tc := range []struct {
		name   string
		filter ConnectionFilter
		want   bool
	}{
		{"no filter", ConnectionFilter{}, true},
		{"name prefix", ConnectionFilter{NamePrefix: "prod-"}, true},
		{"whole name", ConnectionFilter{NamePrefix: "prod-payments"}, true},
		{"other prefix", ConnectionFilter{NamePrefix: "dev-"}, false},
		{"prefix is not a substring", ConnectionFilter{NamePrefix: "payments"}, false},
		{"one of the accounts", ConnectionFilter{AccountIDs: []string{"111111111111", "222222222222"}}, true},
		{"none of the accounts", ConnectionFilter{AccountIDs: []string{"111111111111"}}, false},
		{"type", ConnectionFilter{Type: "resource"}, true},
		{"other type", ConnectionFilter{Type: "billing"}, false},
		{"health status", ConnectionFilter{HealthStatus: HealthUnhealthy}, true},
		{"other health status", ConnectionFilter{HealthStatus: HealthHealthy}, false},
		{"every field matches", ConnectionFilter{NamePrefix: "prod", AccountIDs: []string{"222222222222"}, Type: "resource",
			HealthStatus: HealthUnhealthy}, true},
		{"one field does not", ConnectionFilter{NamePrefix: "prod", AccountIDs: []string{"222222222222"}, Type: "billing"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.filter.Matches(&conn); got != tc.want {
				t.Errorf("%+v.Matches(%s) = %v, want %v", tc.filter, conn.Name, got, tc.want)
			}
		})
	}
}

// The filters the API has travel with the request; the others are applied
// to the pages, which are as large as the API serves.
func TestListConnectionsMatching(t *testing.T) {
	for _, tc := range []struct {
		name        string
		filter      ConnectionFilter
		wantQueries []string
		wantIDs     []string
	}{
		{
			name:        "one account and a type go to the API",
			filter:      ConnectionFilter{AccountIDs: []string{"123456789012"}, Type: "resource"},
			wantQueries: []string{"account_id=123456789012&limit=1000&type=resource", "account_id=123456789012&cursor=1000&limit=1000&type=resource"},
			wantIDs:     []string{"conn_0", "conn_1", "conn_2", "conn_100", "conn_sick", "conn_1000", "conn_1001", "conn_1002"},
		},
		{
			name:        "several accounts, a prefix and health are filtered here",
			filter:      ConnectionFilter{NamePrefix: "member-10", AccountIDs: []string{"123456789012", "210987654321"}, HealthStatus: HealthHealthy},
			wantQueries: []string{"limit=1000", "cursor=1000&limit=1000"},
			wantIDs:     []string{"conn_10", "conn_100", "conn_1000", "conn_1001", "conn_1002"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var queries []string
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				queries = append(queries, r.URL.RawQuery)
				start, next := 0, "1000"
				if r.URL.Query().Get("cursor") == "1000" {
					start, next = 1000, ""
				}
				// Small pages, as if of 1,000, so the test can say which connections a filter keeps.
				var page []map[string]any
				for i := start; i < start+3; i++ {
					page = append(page, map[string]any{"id": fmt.Sprintf("conn_%d", i), "name": fmt.Sprintf("member-%d", i),
						"type": "resource", "account_id": "123456789012", "health": map[string]any{"status": HealthHealthy}})
				}
				if start == 0 { // another account, and an unhealthy connection
					page = append(page, map[string]any{"id": "conn_10", "name": "member-10", "type": "resource",
						"account_id": "210987654321", "health": map[string]any{"status": HealthHealthy}},
						map[string]any{"id": "conn_100", "name": "member-100", "type": "resource",
							"account_id": "123456789012", "health": map[string]any{"status": HealthHealthy}},
						map[string]any{"id": "conn_sick", "name": "member-1099", "type": "resource",
							"account_id": "123456789012", "health": map[string]any{"status": HealthUnhealthy}})
				}
				writeJSON(t, w, http.StatusOK, map[string]any{"connections": page, "next_cursor": next})
			})

			conns, err := c.ListConnectionsMatching(context.Background(), tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, conn := range conns {
				ids = append(ids, conn.ID)
			}
			if !reflect.DeepEqual(queries, tc.wantQueries) {
				t.Errorf("queries = %q, want %q", queries, tc.wantQueries)
			}
			if !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("IDs = %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}
