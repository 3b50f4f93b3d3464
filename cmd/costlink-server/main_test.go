package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// runCmd runs the command line and returns its exit code, stdout and stderr.
func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var keyLine = regexp.MustCompile(`^clk_[0-9a-f]{40}\n$`)

func lookupKey(t *testing.T, db, token string) store.APIKey {
	t.Helper()
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := st.APIKeyByToken(context.Background(), token)
	if err != nil {
		t.Fatalf("the printed key is not stored: %v", err)
	}
	return key
}

func TestKeysCreatePrintsOnlyTheKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	code, stdout, stderr := runCmd("keys", "create", "--db", db, "--org", "acme")
	if code != exitOK || !keyLine.MatchString(stdout) {
		t.Fatalf("keys create = %d, stdout %q, stderr %q; want 0 and only a key on stdout", code, stdout, stderr)
	}
	first := lookupKey(t, db, strings.TrimSpace(stdout))
	if !first.HasScope(store.ScopeConnectionsRead) || !first.HasScope(store.ScopeConnectionsWrite) {
		t.Errorf("default scopes = %v, want read and write", first.Scopes)
	}

	// A second key joins the existing organization, with the scopes asked for.
	code, stdout, _ = runCmd("keys", "create", "--db", db, "--org", "acme", "--scopes", "connections:read")
	if code != exitOK || !keyLine.MatchString(stdout) {
		t.Fatalf("second keys create = %d, %q", code, stdout)
	}
	second := lookupKey(t, db, strings.TrimSpace(stdout))
	if second.OrgID != first.OrgID || second.HasScope(store.ScopeConnectionsWrite) {
		t.Errorf("second key = %+v, want a read-only key of organization %s", second, first.OrgID)
	}
}

func TestKeysCreateUsesCOSTLINK_DB(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("COSTLINK_DB", db)
	if code, stdout, stderr := runCmd("keys", "create", "--org", "acme"); code != exitOK {
		t.Fatalf("keys create = %d, %q, %q", code, stdout, stderr)
	} else {
		lookupKey(t, db, strings.TrimSpace(stdout))
	}
}

func TestKeysCreateRefusesBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	for name, args := range map[string][]string{
		"unknown scope": {"keys", "create", "--db", db, "--org", "acme", "--scopes", "connections:read,connections:admin"},
		"no scopes":     {"keys", "create", "--db", db, "--org", "acme", "--scopes", ""},
		"no org":        {"keys", "create", "--db", db},
		"no subcommand": {"keys"},
		"extra arg":     {"keys", "create", "--db", db, "--org", "acme", "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCmd(args...)
			if code != exitUsage || stdout != "" || stderr == "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, nothing on stdout and a message", code, stdout, stderr, exitUsage)
			}
		})
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("refused commands touched the database: %v", err)
	}
	if _, _, stderr := runCmd("keys", "create", "--db", db, "--org", "acme", "--scopes", "nope"); !strings.Contains(stderr, "connections:read, connections:write") {
		t.Errorf("scope error %q does not list the valid scopes", stderr)
	}
}

func TestMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "costlink.db")
	for range 2 {
		code, stdout, stderr := runCmd("migrate", "--db", db)
		if code != exitOK || !strings.Contains(stdout, fmt.Sprintf("schema at version %d", store.LatestSchemaVersion())) {
			t.Fatalf("migrate = %d, %q, %q", code, stdout, stderr)
		}
	}
	if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database file: %v, %v; want mode 600", fi, err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--log-format", "xml"}, {"migrate", "--nope"}} {
		if code, _, stderr := runCmd(args...); code != exitUsage || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, stderr, exitUsage)
		}
	}
	if code, stdout, _ := runCmd("help"); code != exitOK || !strings.Contains(stdout, "keys create") {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
	if code, _, _ := runCmd("serve", "-h"); code != exitOK {
		t.Errorf("serve -h: exit %d, want 0", code)
	}
}

// syncBuffer is a bytes.Buffer the server's goroutines may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeShutsDownOnSignal(t *testing.T) {
	p := startServe(t, bySignal)
	if status, _ := getURL(t, http.DefaultClient, "http://"+p.addr+"/healthz"); status != http.StatusOK {
		t.Errorf("/healthz = %d", status)
	}

	// serve has installed its handler before logging "listening", so the
	// signal stops the server rather than the test binary.
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.exitWithin(t, 15*time.Second); code != exitOK {
		t.Errorf("serve exited %d after SIGINT: %s", code, p.logs)
	}
	if !strings.Contains(p.logs.String(), `"msg":"request","method":"GET","route":"/healthz","status":200`) {
		t.Errorf("no request log line: %s", p.logs)
	}
}
