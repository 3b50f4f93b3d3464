// Package pgtest starts the throwaway PostgreSQL cluster that the tests of
// one binary share, and hands each test a fresh database in it.
//
// The cluster starts on the first NewDatabase (initdb and pg_ctl from
// Debian's postgresql package, as the postgres user when the tests run as
// root) on a free loopback port, in a directory under os.TempDir(). Every
// package whose tests call NewDatabase must stop it from TestMain:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pgtest.Stop()
//		os.Exit(code)
//	}
//
// A cluster left behind by a test binary that died before Stop is stopped
// and removed by the next binary that starts one.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

const (
	// requireEnv turns a missing PostgreSQL from a skip into a failure: CI
	// sets it (.ci/run) so that it never passes by skipping PostgreSQL.
	requireEnv = "COSTLINK_REQUIRE_POSTGRES"
	// adminTimeout bounds CREATE and DROP DATABASE on a loaded machine.
	adminTimeout = time.Minute
)

var (
	clusterMu     sync.Mutex
	sharedCluster *cluster
	startErr      error

	// databaseSeq names databases uniquely within the binary's cluster.
	databaseSeq atomic.Int64
)

// NewDatabase returns the DSN of a fresh, empty database in the cluster
// this test binary shares, starting the cluster on first use. The database
// is dropped when the test ends.
//
// Without PostgreSQL's binaries the test is skipped, or fails when
// COSTLINK_REQUIRE_POSTGRES=1. A cluster that fails to start fails the test
// with initdb's or pg_ctl's output and the tail of the server log.
func NewDatabase(t testing.TB) string {
	t.Helper()
	c, err := ensureCluster()
	if errors.Is(err, errNotInstalled) {
		skipOrFailMissing(t, err)
		return ""
	}
	if err != nil {
		t.Fatalf("starting the test PostgreSQL cluster: %v", err)
	}

	name := fmt.Sprintf("test_%d", databaseSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		// FORCE ends the sessions of pools the test left open (PostgreSQL 13+).
		if _, err := c.admin.ExecContext(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	return c.dsn(name)
}

// skipOrFailMissing reports missing PostgreSQL binaries: a skip locally, a
// failure when the run requires PostgreSQL.
func skipOrFailMissing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%v (%s=1 requires it)", err, requireEnv)
		return
	}
	t.Skip(err.Error())
}

// Stop stops the shared cluster, if one was started, and removes its
// directory. Call it from TestMain after m.Run: the cluster outlives
// individual tests.
func Stop() {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if sharedCluster == nil {
		return
	}
	if err := sharedCluster.stop(); err != nil {
		// No test is left to fail; the next binary's start removes the rest.
		fmt.Fprintf(os.Stderr, "pgtest: stopping the test PostgreSQL cluster: %v\n", err)
	}
	sharedCluster = nil
}

// ensureCluster starts the shared cluster once; a start that failed is not
// retried, so each test reports the same cause quickly.
func ensureCluster() (*cluster, error) {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if sharedCluster != nil || startErr != nil {
		return sharedCluster, startErr
	}
	sharedCluster, startErr = startCluster()
	return sharedCluster, startErr
}

// openAdmin opens a pool on the cluster's maintenance database, from which
// test databases are created and dropped.
func openAdmin(dsn string) (*sql.DB, error) {
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", dsn, err)
	}
	return stdlib.OpenDB(*config), nil
}
