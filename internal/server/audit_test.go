package server

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// auditLine is the part of an audit entry a test compares.
type auditLine struct {
	key, method, route, target string
	status                     int
	requestID                  string
}

// auditLog returns acme's audit entries, oldest first.
func (e *env) auditLog() []auditLine {
	e.t.Helper()
	entries, err := e.store.ListAudit(context.Background(), store.AuditFilter{OrgName: "acme", Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	lines := make([]auditLine, len(entries))
	for i, a := range slices.Backward(entries) {
		lines[len(entries)-1-i] = auditLine{a.KeyID, a.Method, a.Route, a.Target, a.Status, a.RequestID}
		if a.OrgID != e.org.ID {
			e.t.Errorf("entry %+v is not acme's", a)
		}
	}
	return lines
}

func TestWritesAreAudited(t *testing.T) {
	e := newEnv(t, Config{})
	rw, ro := e.keyID(e.rw), e.keyID(e.ro)
	c := e.withBilling()
	e.do("POST", "/v1/aws/connections", e.rw, billingBody("payer", "999999999999")).wantStatus(t, http.StatusConflict)
	e.do("PATCH", "/v1/aws/connections/"+c.ID, e.rw, `{"name":"payer-2"}`, "If-Match", `"1"`, "X-Request-Id", "req-42").wantStatus(t, http.StatusOK)
	e.do("DELETE", "/v1/aws/connections/%1b%5B2J%09%FF", e.rw, "", "X-Request-Id", "req\x01").wantStatus(t, http.StatusNotFound)
	e.do("DELETE", "/v1/aws/connections/"+c.ID, e.ro, "").wantStatus(t, http.StatusForbidden)
	long := strings.Repeat("x", 10000)
	e.do("DELETE", "/v1/aws/connections/"+long, e.rw, "").wantStatus(t, http.StatusNotFound)
	e.do("POST", "/v1/aws/connections/"+c.ID+"/health/check", e.rw, "").wantStatus(t, http.StatusServiceUnavailable)
	e.do("DELETE", "/v1/aws/connections/"+c.ID, e.rw, "").wantStatus(t, http.StatusNoContent)
	// Neither reads nor calls without a valid key are audited.
	e.do("GET", "/v1/aws/connections/"+c.ID, e.rw, "")
	e.do("GET", "/v1/aws/connections", e.ro, "")
	e.do("POST", "/v1/aws/connections", "", billingBody("x", "123456789012")).wantStatus(t, http.StatusUnauthorized)
	e.do("DELETE", "/v1/aws/connections/"+c.ID, "clk_0000000000000000000000000000000000000000", "").wantStatus(t, http.StatusUnauthorized)

	const (
		list = "/v1/aws/connections"
		item = "/v1/aws/connections/{id}"
	)
	want := []auditLine{
		{rw, "POST", list, c.ID, 201, ""},
		{rw, "POST", list, "", 409, ""},
		{rw, "PATCH", item, c.ID, 200, "req-42"},
		{rw, "DELETE", item, "?[2J??", 404, "req?"}, // no escape sequence reaches an operator's terminal
		{ro, "DELETE", item, c.ID, 403, ""},
		{rw, "DELETE", item, long[:maxAuditField], 404, ""},
		{rw, "POST", item + "/health/check", c.ID, 503, ""},
		{rw, "DELETE", item, c.ID, 204, ""},
	}
	got := e.auditLog()
	if !slices.Equal(got, want) {
		t.Errorf("audit log:\n%s\nwant:\n%s", fmt.Sprint(got), fmt.Sprint(want))
	}
	for _, l := range got {
		if s := fmt.Sprint(l); strings.Contains(s, e.rw) || strings.Contains(s, "arn:aws") {
			t.Errorf("audit entry %s holds a key or a request body", s)
		}
	}
}

// TestReplayedCreateIsAudited records a create answered from its
// Idempotency-Key with the connection it names.
func TestReplayedCreateIsAudited(t *testing.T) {
	e := newEnv(t, Config{})
	var c connectionJSON
	for range 2 {
		c = e.do("POST", "/v1/aws/connections", e.rw, billingBody("payer", "999999999999"), "Idempotency-Key", "k1").wantStatus(t, http.StatusCreated).connection(t)
	}
	rw := e.keyID(e.rw)
	want := []auditLine{{rw, "POST", "/v1/aws/connections", c.ID, 201, ""}, {rw, "POST", "/v1/aws/connections", c.ID, 201, ""}}
	if got := e.auditLog(); !slices.Equal(got, want) {
		t.Errorf("audit log = %v, want %v", got, want)
	}
}

// TestAuditFailureDoesNotFailTheWrite makes the audit log refuse records:
// the write still succeeds, and the lost record is logged.
func TestAuditFailureDoesNotFailTheWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "costlink.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, logs: &bytes.Buffer{}}
	srv := New(Config{Store: st, Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	t.Cleanup(srv.Close)
	e.handler = srv
	e.org = e.newOrg("acme")
	e.rw = e.key(e.org, store.Scopes...)

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}

	c := e.withBilling()
	if got := e.do("GET", "/v1/aws/connections/"+c.ID, e.rw, "").wantStatus(t, http.StatusOK).connection(t); got.ID != c.ID {
		t.Errorf("the connection was not stored: %+v", got)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"msg":"audit record lost"`) || !strings.Contains(logs, "disk full") || !strings.Contains(logs, c.ID) {
		t.Errorf("the lost audit record is not logged: %s", logs)
	}
	if entries, err := st.ListAudit(context.Background(), store.AuditFilter{Limit: 10}); err != nil || len(entries) != 0 {
		t.Errorf("audit log = %v, %v; want empty", entries, err)
	}
}
