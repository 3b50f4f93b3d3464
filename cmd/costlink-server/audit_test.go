package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// send makes a request with the key and an optional JSON body; it returns the status.
func send(t *testing.T, url, method, key, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-"+method)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// auditJSONOf runs audit --json with args.
func auditJSONOf(t *testing.T, db string, args ...string) []auditJSON {
	t.Helper()
	code, stdout, stderr := runCmd(append([]string{"audit", "--db", db, "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("audit %q = %d, %q", args, code, stderr)
	}
	var entries []auditJSON
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatalf("audit --json printed %q: %v", stdout, err)
	}
	return entries
}

// TestAudit writes through the service and reads the audit log with the command.
func TestAudit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	acme := createKey(t, "--db", db, "--org", "acme")
	globex := createKey(t, "--db", db, "--org", "globex")
	ts := serveDB(t, db)
	conns := ts.URL + "/v1/aws/connections"
	billing := `{"name":"payer","type":"billing","role_arn":"arn:aws:iam::999999999999:role/costlink-billing","billing_bucket":"cur-bucket"}`
	if status := send(t, conns, http.MethodPost, acme, billing); status != http.StatusCreated {
		t.Fatalf("create = %d", status)
	}
	if status := send(t, conns+"/conn_nope", http.MethodDelete, globex, ""); status != http.StatusNotFound {
		t.Fatalf("delete = %d", status)
	}
	send(t, conns, http.MethodGet, acme, "") // a read: not audited

	all := auditJSONOf(t, db)
	if len(all) != 2 {
		t.Fatalf("audit = %+v, want 2 entries", all)
	}
	del, create := all[0], all[1] // newest first
	if del.Organization != "globex" || del.Method != http.MethodDelete || del.Route != "/v1/aws/connections/{id}" || del.Target != "conn_nope" ||
		del.Status != 404 || del.RequestID != "req-DELETE" || del.KeyID != lookupKey(t, db, globex).ID {
		t.Errorf("newest entry = %+v", del)
	}
	if create.Organization != "acme" || create.Method != http.MethodPost || create.Status != 201 || !strings.HasPrefix(create.Target, "conn_") {
		t.Errorf("oldest entry = %+v", create)
	}
	if got := auditJSONOf(t, db, "--org", "acme", "--since", "1h"); len(got) != 1 || got[0].Method != http.MethodPost {
		t.Errorf("acme's last hour = %+v", got)
	}
	if got := auditJSONOf(t, db, "--limit", "1"); len(got) != 1 || got[0].Method != http.MethodDelete {
		t.Errorf("--limit 1 = %+v", got)
	}

	code, table, stderr := runCmd("audit", "--db", db)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if code != exitOK || len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "TIME ORGANIZATION KEY METHOD ROUTE TARGET STATUS REQUEST ID" ||
		!strings.Contains(lines[1], "conn_nope") || strings.Contains(table, acme) || strings.Contains(table, "arn:aws") {
		t.Errorf("audit = %d, %q:\n%s", code, stderr, table)
	}
}

func TestAuditRefusesBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	createKey(t, "--db", db, "--org", "acme")
	for _, args := range [][]string{
		{"--limit", "0"}, {"--limit", "10001"}, {"--since", "0h"}, {"--since", "24"}, {"--since", "1m"}, {"extra"},
	} {
		if code, stdout, stderr := runCmd(append([]string{"audit", "--db", db}, args...)...); code != exitUsage || stdout != "" || stderr == "" {
			t.Errorf("audit %q = %d, %q, %q; want a usage error", args, code, stdout, stderr)
		}
	}
	if code, stdout, stderr := runCmd("audit", "--db", db, "--org", "initech"); code != exitError || stdout != "" || !strings.Contains(stderr, `no organization named "initech"`) {
		t.Errorf("unknown organization = %d, %q, %q", code, stdout, stderr)
	}
}

func TestAuditPrune(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	acme := createKey(t, "--db", db, "--org", "acme")
	ts := serveDB(t, db)
	send(t, ts.URL+"/v1/aws/connections/conn_nope", http.MethodDelete, acme, "")

	if code, stdout, stderr := runCmd("audit", "prune", "--db", db, "--older-than", "1h"); code != exitOK || !strings.HasPrefix(stdout, "deleted 0 audit entries") {
		t.Errorf("prune of the last hour = %d, %q, %q", code, stdout, stderr)
	}
	if got := auditJSONOf(t, db); len(got) != 1 {
		t.Fatalf("after a prune of older entries: %+v, want the new one kept", got)
	}
	for _, args := range [][]string{{}, {"--older-than", "0d"}, {"--older-than", "1y"}, {"--older-than", "1d", "extra"}} {
		if code, stdout, stderr := runCmd(append([]string{"audit", "prune", "--db", db}, args...)...); code != exitUsage || stdout != "" || stderr == "" {
			t.Errorf("audit prune %q = %d, %q, %q; want a usage error", args, code, stdout, stderr)
		}
	}
	if got := auditJSONOf(t, db); len(got) != 1 {
		t.Errorf("refused prunes deleted entries: %+v", got)
	}
}
