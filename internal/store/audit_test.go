package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAuditLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		acme, globex := testOrg(t, s, "acme"), testOrg(t, s, "globex")
		now := fakeClock(s)
		start := *now
		records := []AuditRecord{
			{OrgID: acme.ID, KeyID: "key_a", Method: "POST", Route: "/v1/aws/connections", Target: "conn_1", Status: 201, RequestID: "req-1"},
			{OrgID: globex.ID, KeyID: "key_g", Method: "PATCH", Route: "/v1/aws/connections/{id}", Target: "conn_2", Status: 412},
			{OrgID: acme.ID, KeyID: "key_a", Method: "DELETE", Route: "/v1/aws/connections/{id}", Target: "conn_1", Status: 204},
		}
		for i, rec := range records {
			*now = start.Add(time.Duration(i) * time.Hour)
			if err := s.RecordAudit(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}

		all, err := s.ListAudit(ctx, AuditFilter{Limit: 10})
		if err != nil || len(all) != 3 {
			t.Fatalf("ListAudit = %d entries, %v; want 3", len(all), err)
		}
		newest := all[0]
		want := records[2]
		want.At = start.Add(2 * time.Hour)
		if newest.AuditRecord != want || newest.OrgName != "acme" {
			t.Errorf("newest entry = %+v, want %+v of acme", newest, want)
		}
		if all[2].RequestID != "req-1" || all[1].OrgName != "globex" {
			t.Errorf("entries = %+v", all)
		}

		for name, tc := range map[string]struct {
			filter AuditFilter
			want   []string // methods, newest first
		}{
			"organization": {AuditFilter{OrgName: "acme", Limit: 10}, []string{"DELETE", "POST"}},
			"since":        {AuditFilter{Since: start.Add(time.Hour), Limit: 10}, []string{"DELETE", "PATCH"}},
			"limit":        {AuditFilter{Limit: 1}, []string{"DELETE"}},
			"all filters":  {AuditFilter{OrgName: "globex", Since: start.Add(2 * time.Hour), Limit: 10}, nil},
		} {
			t.Run(name, func(t *testing.T) {
				got, err := s.ListAudit(ctx, tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				var methods []string
				for _, e := range got {
					methods = append(methods, e.Method)
				}
				if !slices.Equal(methods, tc.want) {
					t.Errorf("methods = %v, want %v", methods, tc.want)
				}
			})
		}
		if _, err := s.ListAudit(ctx, AuditFilter{OrgName: "initech", Limit: 10}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown organization: err = %v, want ErrNotFound", err)
		}
		if _, err := s.ListAudit(ctx, AuditFilter{}); err == nil {
			t.Error("a zero limit was accepted")
		}
	})
}

func TestPruneAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		now := fakeClock(s)
		start := *now
		for i := range 3 {
			*now = start.Add(time.Duration(i) * time.Hour)
			if err := s.RecordAudit(ctx, AuditRecord{OrgID: org.ID, KeyID: "key_a", Method: "POST", Route: "/v1/aws/connections", Status: 200 + i}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.PruneAudit(ctx, start.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("PruneAudit = %d, %v; want 1 entry deleted", n, err)
		}
		left, err := s.ListAudit(ctx, AuditFilter{Limit: 10})
		if err != nil || len(left) != 2 || left[1].Status != 201 {
			t.Errorf("after pruning: %+v, %v; want the entries of the last two hours", left, err)
		}
	})
}
