package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// createKey runs keys create and returns the key it printed.
func createKey(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCmd(append([]string{"keys", "create"}, args...)...)
	if code != exitOK || !keyLine.MatchString(stdout) {
		t.Fatalf("keys create %q = %d, %q, %q", args, code, stdout, stderr)
	}
	return strings.TrimSpace(stdout)
}

// serveDB serves the API on db in the test, as serve would.
func serveDB(t *testing.T, db string) *httptest.Server {
	t.Helper()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Store: st})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close(); st.Close() })
	return ts
}

// get sends GET path with the key and returns the status and problem type.
func get(t *testing.T, ts *httptest.Server, path, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct{ Type, Detail string }
	json.NewDecoder(res.Body).Decode(&p) //nolint:errcheck // a success has no problem
	return res.StatusCode, p.Type
}

// TestKeysRevokeIsEffectiveOnTheNextRequest revokes a key with the command
// while the service runs on the same database.
func TestKeysRevokeIsEffectiveOnTheNextRequest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	token := createKey(t, "--db", db, "--org", "acme")
	other := createKey(t, "--db", db, "--org", "acme")
	ts := serveDB(t, db)
	if status, _ := get(t, ts, "/v1/organization", token); status != http.StatusOK {
		t.Fatalf("before revoke: %d", status)
	}

	id := lookupKey(t, db, token).ID
	code, stdout, stderr := runCmd("keys", "revoke", id, "--db", db)
	if code != exitOK || !strings.Contains(stdout, "revoked API key "+id+" of organization acme at ") {
		t.Fatalf("keys revoke = %d, %q, %q", code, stdout, stderr)
	}
	if status, typ := get(t, ts, "/v1/organization", token); status != http.StatusUnauthorized || typ != "urn:costlink:problem:key_revoked" {
		t.Errorf("the next request = %d %s, want 401 key_revoked", status, typ)
	}
	if status, _ := get(t, ts, "/v1/organization", other); status != http.StatusOK {
		t.Errorf("another key of the organization = %d, want 200", status)
	}

	if code, stdout, _ := runCmd("keys", "revoke", "--db", db, id); code != exitOK || !strings.Contains(stdout, "already revoked at ") {
		t.Errorf("second revoke = %d, %q; want 0 and already revoked", code, stdout)
	}
	if code, stdout, stderr := runCmd("keys", "revoke", "--db", db, "key_nope"); code != exitError || stdout != "" || !strings.Contains(stderr, "keys list") {
		t.Errorf("unknown key = %d, %q, %q; want 1 and a pointer to keys list", code, stdout, stderr)
	}
	for _, args := range [][]string{{"keys", "revoke", "--db", db}, {"keys", "revoke", "--db", db, id, "extra"}, {"keys", "revoke", "--nope", id}} {
		if code, _, stderr := runCmd(args...); code != exitUsage || stderr == "" {
			t.Errorf("%q = %d, %q; want a usage error", args, code, stderr)
		}
	}
}

func TestKeysCreateExpiresIn(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	before := time.Now()
	token := createKey(t, "--db", db, "--org", "acme", "--expires-in", "90d")
	key := lookupKey(t, db, token)
	if want := before.Add(90 * 24 * time.Hour); key.ExpiresAt.Before(want.Add(-time.Second)) || key.ExpiresAt.After(want.Add(time.Minute)) {
		t.Errorf("expiry %s, want about %s", key.ExpiresAt, want)
	}
	if key := lookupKey(t, db, createKey(t, "--db", db, "--org", "acme")); !key.ExpiresAt.IsZero() {
		t.Errorf("a key without --expires-in expires at %s", key.ExpiresAt)
	}

	fresh := filepath.Join(t.TempDir(), "costlink.db")
	for _, bad := range []string{"0d", "-1d", "90", "1w", "1.5d", "366d", "9000h", "1d12h"} {
		code, stdout, stderr := runCmd("keys", "create", "--db", fresh, "--org", "acme", "--expires-in", bad)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "--expires-in") {
			t.Errorf("--expires-in %q = %d, %q, %q; want a usage error", bad, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("refused commands touched the database: %v", err)
	}
}

// listKeys runs keys list --json.
func listKeys(t *testing.T, db string, args ...string) []keyJSON {
	t.Helper()
	cmd := []string{"keys", "list", "--db", db, "--json"}
	if len(args) > 0 {
		cmd = append(cmd, "--org", args[0])
	}
	code, stdout, stderr := runCmd(cmd...)
	if code != exitOK {
		t.Fatalf("%q = %d, %q", cmd, code, stderr)
	}
	var keys []keyJSON
	if err := json.Unmarshal([]byte(stdout), &keys); err != nil {
		t.Fatalf("keys list --json printed %q: %v", stdout, err)
	}
	return keys
}

func TestKeysList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	a1 := createKey(t, "--db", db, "--org", "acme", "--expires-in", "12h")
	g1 := createKey(t, "--db", db, "--org", "globex", "--scopes", "connections:read")
	a2 := createKey(t, "--db", db, "--org", "acme")
	ts := serveDB(t, db)
	get(t, ts, "/v1/organization", a2)
	revoked := lookupKey(t, db, a1).ID
	if code, _, stderr := runCmd("keys", "revoke", "--db", db, revoked); code != exitOK {
		t.Fatal(stderr)
	}

	code, table, stderr := runCmd("keys", "list", "--db", db)
	if code != exitOK {
		t.Fatalf("keys list = %d, %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "ID ORGANIZATION SCOPES CREATED LAST USED EXPIRES REVOKED" {
		t.Fatalf("keys list printed:\n%s", table)
	}
	for _, token := range []string{a1, g1, a2} {
		sum := sha256.Sum256([]byte(token))
		if strings.Contains(table, token) || strings.Contains(table, hex.EncodeToString(sum[:])) {
			t.Errorf("keys list shows a key or its hash:\n%s", table)
		}
		if id := lookupKey(t, db, token).ID; !strings.Contains(table, id) {
			t.Errorf("keys list does not show %s:\n%s", id, table)
		}
	}

	acme := listKeys(t, db, "acme")
	if len(acme) != 2 || acme[0].ID != revoked || acme[0].RevokedAt == nil || acme[0].ExpiresAt == nil || acme[0].LastUsedAt != nil {
		t.Fatalf("acme's first key = %+v, want revoked, expiring, never used", acme)
	}
	if k := acme[1]; k.Organization != "acme" || k.RevokedAt != nil || k.ExpiresAt != nil || k.LastUsedAt == nil || len(k.Scopes) != 2 {
		t.Errorf("acme's second key = %+v, want active, used, both scopes", k)
	}
	if code, stdout, stderr := runCmd("keys", "list", "--db", db, "--org", "initech"); code != exitError || stdout != "" || !strings.Contains(stderr, `no organization named "initech"`) {
		t.Errorf("unknown organization = %d, %q, %q", code, stdout, stderr)
	}
	if got := listKeys(t, db); len(got) != 3 {
		t.Errorf("all keys: %d, want 3", len(got))
	}
}
