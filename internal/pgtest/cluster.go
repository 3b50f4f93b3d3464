package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

const (
	// dirPrefix names the clusters' directories under os.TempDir(), so that
	// a later binary finds those a crashed one left behind.
	dirPrefix = "costlink-pgtest-"
	// ownerPIDFile records the pid of the test binary that owns a cluster.
	ownerPIDFile = "test-binary.pid"
	// superuser is the role initdb creates and every DSN connects as.
	superuser = "postgres"
	// startAttempts covers the race between picking a free port and the
	// postmaster binding it: another process may take the port in between.
	startAttempts = 3
	// startTimeout bounds initdb and pg_ctl's wait for the server on a
	// loaded machine.
	startTimeout = 2 * time.Minute
	// logTailBytes is how much of the server log explains a failed start.
	logTailBytes = 4 << 10
)

// errPortTaken means the postmaster lost its port to another process
// between the pick and the bind; a new port is worth a retry.
var errPortTaken = errors.New("the port was taken before PostgreSQL could bind it")

// serverSettings make the cluster fast and disposable. Durability is off
// (fsync, synchronous_commit, full_page_writes): a crash loses only a test
// run. max_connections covers several replicas' pools at once. The socket
// lives in the cluster's own directory, not /var/run/postgresql, which may
// be missing or not writable by the cluster's owner.
func serverSettings(socketDir string) string {
	return strings.Join([]string{
		"listen_addresses = '127.0.0.1'",
		"unix_socket_directories = '" + strings.ReplaceAll(socketDir, "'", "''") + "'",
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
		"max_connections = 300",
	}, "\n") + "\n"
}

// cluster is one running PostgreSQL cluster in its own directory.
type cluster struct {
	binDir string
	owner  clusterOwner
	dir    string
	port   int
	admin  *sql.DB
}

// startCluster creates a cluster and starts it on a free loopback port.
func startCluster() (*cluster, error) {
	c, err := createCluster()
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		port, err := testnet.FreePort()
		if err == nil {
			err = c.start(port)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			return nil, errors.Join(err, os.RemoveAll(c.dir))
		}
	}
	c.admin, err = openAdmin(c.dsn("postgres"))
	if err != nil {
		return nil, errors.Join(err, c.stop())
	}
	return c, nil
}

// createCluster removes clusters that crashed binaries left behind, then
// initialises a new one owned by this binary.
func createCluster() (*cluster, error) {
	binDir, err := findBinDir(debianLibRoot)
	if err != nil {
		return nil, err
	}
	owner, err := currentClusterOwner()
	if err != nil {
		return nil, err
	}
	removeStaleClusters(binDir, owner)

	// Under os.TempDir(), whose parents the cluster's owner can traverse
	// (a t.TempDir() may sit under root's home).
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	c := &cluster{binDir: binDir, owner: owner, dir: dir}
	if err := c.create(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return c, nil
}

// create records the owning binary and runs initdb.
func (c *cluster) create() error {
	if err := os.WriteFile(filepath.Join(c.dir, ownerPIDFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	if err := os.Chown(c.dir, c.owner.uid, c.owner.gid); err != nil {
		return fmt.Errorf("handing %s to the cluster's owner: %w", c.dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// Trust authentication: a throwaway cluster of the tests, listening on
	// loopback only (serverSettings), holding no data worth a password.
	// --no-sync: nothing here must survive a crash.
	initdb := c.owner.command(ctx, c.binDir, c.dir, "initdb", "-D", c.dataDir(),
		"-A", "trust", "-U", superuser, "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	conf, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(conf, serverSettings(c.dir)); err != nil {
		_ = conf.Close()
		return err
	}
	return conf.Close()
}

// start starts the server on a loopback port and waits until it accepts
// connections.
func (c *cluster) start(port int) error {
	// A fresh log per attempt, so that its tail explains this attempt.
	if err := os.Remove(c.logFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	pgCtl := c.owner.command(ctx, c.binDir, c.dir, "pg_ctl", "start", "-w",
		"-t", strconv.Itoa(int(startTimeout/time.Second)),
		"-D", c.dataDir(), "-l", c.logFile(), "-o", "-p "+strconv.Itoa(port))
	out, err := pgCtl.CombinedOutput()
	if err == nil {
		c.port = port
		return nil
	}
	tail := logTail(c.logFile())
	if strings.Contains(tail, "could not bind") {
		return fmt.Errorf("%w (port %d): %s", errPortTaken, port, tail)
	}
	return fmt.Errorf("pg_ctl start: %w\n%s\nserver log (%s), last lines:\n%s", err, out, c.logFile(), tail)
}

// stop stops the server at once (the data is thrown away) and removes the
// cluster's directory.
func (c *cluster) stop() error {
	var errs []error
	if c.admin != nil {
		errs = append(errs, c.admin.Close())
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if out, err := c.owner.command(ctx, c.binDir, c.dir, "pg_ctl", "stop", "-m", "immediate", "-D", c.dataDir()).CombinedOutput(); err != nil {
		errs = append(errs, fmt.Errorf("pg_ctl stop: %w\n%s", err, out))
	}
	errs = append(errs, os.RemoveAll(c.dir))
	return errors.Join(errs...)
}

// dsn is the URL of a database of the cluster, as the store opens it.
func (c *cluster) dsn(database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.port, database)
}

func (c *cluster) dataDir() string { return filepath.Join(c.dir, "data") }

func (c *cluster) logFile() string { return filepath.Join(c.dir, "postgres.log") }

// logTail returns the end of a log file, or why it cannot be read.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read the log: %v)", err)
	}
	if len(data) > logTailBytes {
		data = data[len(data)-logTailBytes:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}
