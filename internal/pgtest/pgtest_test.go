package pgtest

import (
	"bytes"
	"database/sql"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := openAdmin(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func databaseName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func countTables(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewDatabase_freshAndIsolated(t *testing.T) {
	first, second := NewDatabase(t), NewDatabase(t)
	if databaseName(t, first) == databaseName(t, second) {
		t.Fatalf("two calls returned the same database: %s", first)
	}
	if !strings.HasPrefix(first, "postgres://postgres@127.0.0.1:") || !strings.HasSuffix(first, "?sslmode=disable") {
		t.Errorf("DSN %q is not of the form postgres://postgres@127.0.0.1:<port>/<db>?sslmode=disable", first)
	}
	firstDB, secondDB := open(t, first), open(t, second)
	for _, db := range []*sql.DB{firstDB, secondDB} {
		if n := countTables(t, db); n != 0 {
			t.Fatalf("a new database has %d tables, want none", n)
		}
	}

	if _, err := firstDB.ExecContext(t.Context(), "CREATE TABLE connections (id text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if n := countTables(t, firstDB); n != 1 {
		t.Fatalf("the first database has %d tables after CREATE TABLE, want 1", n)
	}
	if n := countTables(t, secondDB); n != 0 {
		t.Errorf("a table created in the first database shows in the second (%d tables)", n)
	}
}

func TestNewDatabase_droppedAtCleanup(t *testing.T) {
	var name string
	t.Run("uses a database", func(t *testing.T) {
		dsn := NewDatabase(t)
		name = databaseName(t, dsn)
		// An open pool must not keep the database alive past the test.
		db := open(t, dsn)
		if err := db.PingContext(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	if t.Failed() || name == "" {
		return
	}
	c := requireCluster(t)
	var exists bool
	if err := c.admin.QueryRowContext(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test's cleanup", name)
	}
}

func TestNewDatabase_serverIsNotRoot(t *testing.T) {
	db := open(t, NewDatabase(t))
	var backendPID int
	if err := db.QueryRowContext(t.Context(), "SELECT pg_backend_pid()").Scan(&backendPID); err != nil {
		t.Fatal(err)
	}
	if uid := processUID(t, backendPID); uid == 0 {
		t.Errorf("the PostgreSQL backend %d runs as root", backendPID)
	}
}

// processUID is the owner of a process: /proc/<pid> belongs to its uid.
func processUID(t *testing.T, pid int) uint32 {
	t.Helper()
	info, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Uid
}

func TestRemoveStaleClusters(t *testing.T) {
	live := NewDatabase(t) // the shared cluster, whose owner (this binary) is alive
	stale, err := startCluster()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stale.stop() })
	postmasterPID := postmasterPID(t, stale)

	// Record an owner that has exited, as a test binary that crashed.
	exited := exec.CommandContext(t.Context(), "true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale.dir, ownerPIDFile), []byte(strconv.Itoa(exited.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}

	removeStaleClusters(stale.binDir, stale.owner)

	if _, err := os.Stat(stale.dir); !os.IsNotExist(err) {
		t.Errorf("the stale cluster's directory %s is still there (stat: %v)", stale.dir, err)
	}
	if serverRunning(postmasterPID) {
		t.Errorf("the stale cluster's postmaster %d still runs", postmasterPID)
	}
	if err := open(t, live).PingContext(t.Context()); err != nil {
		t.Errorf("the live cluster was removed with the stale one: %v", err)
	}
}

// serverRunning reports whether a server process still runs a few seconds
// on: pg_ctl stop returns once the pid file is gone, a moment before the
// process ends, and the ended process stays a zombie until init reaps it.
func serverRunning(pid int) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return false
		}
		// The state follows the parenthesised command name: "pid (comm) S ...".
		if state := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(state) > 0 && state[0] == "Z" {
			return false
		}
	}
	return true
}

// postmasterPID reads the server's pid from the first line of postmaster.pid.
func postmasterPID(t *testing.T, c *cluster) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(data), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestStop(t *testing.T) {
	c := requireCluster(t)
	pid := postmasterPID(t, c)
	Stop()
	if serverRunning(pid) {
		t.Errorf("the postmaster %d still runs after Stop", pid)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the cluster's directory %s is still there after Stop (stat: %v)", c.dir, err)
	}
	// The next use starts a new cluster rather than reusing the stopped one.
	if err := open(t, NewDatabase(t)).PingContext(t.Context()); err != nil {
		t.Errorf("NewDatabase after Stop: %v", err)
	}
}

// requireCluster returns the shared cluster, started, without a database.
func requireCluster(t *testing.T) *cluster {
	t.Helper()
	c, err := ensureCluster()
	if errors.Is(err, errNotInstalled) {
		skipOrFailMissing(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewDatabase_parallel(t *testing.T) {
	// Tests of other packages create their databases from parallel tests.
	for i := range 8 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			if err := open(t, NewDatabase(t)).PingContext(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestStart_portTaken(t *testing.T) {
	requireCluster(t) // skips without PostgreSQL
	c, err := createCluster()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(c.dir) })
	taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	err = c.start(taken.Addr().(*net.TCPAddr).Port)
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("start on a taken port = %v, want errPortTaken (so that another port is tried)", err)
	}
	if !strings.Contains(err.Error(), "could not bind") {
		t.Errorf("the error does not quote the server log: %v", err)
	}
}
