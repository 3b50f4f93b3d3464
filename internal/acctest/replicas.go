package acctest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver StoredConnections reads with

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

const (
	// replicaStartTimeout bounds the wait for a replica's /healthz: its
	// first start migrates the database, on a loaded machine.
	replicaStartTimeout = 30 * time.Second
	// replicaStartAttempts covers the race between finding a free port and
	// the replica binding it: another process may take the port in between.
	replicaStartAttempts = 3
	// replicaStopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	replicaStopTimeout = 5 * time.Second
	// createCommitTimeout bounds KillAfterCommit's wait for a create sent
	// to commit; it takes milliseconds.
	createCommitTimeout = 10 * time.Second
)

// ReplicasOptions configure NewReplicas.
type ReplicasOptions struct {
	// Count is the number of costlink-server processes, at least 1.
	Count int
}

// Replicas are costlink-server processes, built as a user builds them, on
// one fresh PostgreSQL database, behind a round-robin proxy on loopback: a
// deployment of several replicas behind a load balancer, whose replicas a
// test can crash and start again.
type Replicas struct {
	// URL is the proxy's base URL, the provider's api_url.
	URL string

	binary   string
	env      []string
	args     []string
	replicas []*replica
	proxy    *roundRobin
	store    *store.Store // the test's own handle, for organizations and keys
	db       *sql.DB      // the test's own pool, for what StoredConnections reads
}

// replica is one costlink-server process and the address it serves on,
// kept across restarts.
type replica struct {
	addr string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been waited for
	log    *headBuffer
}

// NewReplicas skips the test unless TF_ACC is set, builds costlink-server,
// starts opts.Count replicas on a database of their own (pgtest.NewDatabase:
// skipped without PostgreSQL) and the proxy in front of them. Everything
// stops when the test ends.
func NewReplicas(t *testing.T, opts ReplicasOptions) *Replicas {
	t.Helper()
	skipUnlessAcceptance(t)
	if opts.Count < 1 {
		t.Fatalf("NewReplicas: Count is %d, want at least 1", opts.Count)
	}
	dsn := pgtest.NewDatabase(t)
	moto, err := ensureMoto()
	if err != nil {
		t.Fatalf("starting moto for the replicas' health checks: %v", err)
	}
	r := &Replicas{binary: buildServer(t), env: replicaEnv(t, moto), args: replicaArgs(dsn)}
	r.replicas = make([]*replica, opts.Count)
	for i := range r.replicas {
		r.replicas[i] = &replica{}
	}
	t.Cleanup(r.stopAll)
	// Together, as a deployment's replicas come up: their migrations of
	// the empty database meet under the store's migration lock.
	errs := make([]error, opts.Count)
	var wg sync.WaitGroup
	for i, rep := range r.replicas {
		wg.Go(func() { errs[i] = r.startOnFreePort(rep) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	r.proxy = newRoundRobin(r.replicas)
	t.Cleanup(r.proxy.transport.CloseIdleConnections)
	srv := httptest.NewServer(r.proxy.handler())
	t.Cleanup(srv.Close)
	r.URL = srv.URL

	if r.store, err = store.Open(dsn); err != nil {
		t.Fatalf("opening the replicas' database: %v", err)
	}
	t.Cleanup(func() { _ = r.store.Close() })
	if r.db, err = sql.Open("pgx", dsn); err != nil {
		t.Fatalf("opening the replicas' database: %v", err)
	}
	t.Cleanup(func() { _ = r.db.Close() })
	return r
}

// NewOrg makes an organization in the replicas' database, with an API key
// that has every scope, reached through the proxy.
func (r *Replicas) NewOrg(t *testing.T) *Org {
	t.Helper()
	// The in-process harness's way of making one, on this database and URL.
	return (&service{url: r.URL, store: r.store}).newOrg(t)
}

// Kill ends replica i with SIGKILL, as a crash or an OOM kill does: no
// request in flight is answered, its open transactions roll back, and its
// port is closed until Restart. It returns once the process is gone; a test may
// call it from any goroutine.
func (r *Replicas) Kill(i int) error {
	rep := r.replicas[i]
	rep.mu.Lock()
	cmd, exited := rep.cmd, rep.exited
	rep.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("killing replica %d on %s: %w", i, rep.addr, err)
	}
	<-exited
	return nil
}

// Restart starts replica i again on its address, after Kill.
func (r *Replicas) Restart(t *testing.T, i int) {
	t.Helper()
	if err := r.start(r.replicas[i]); err != nil {
		t.Fatalf("restarting replica %d on %s: %v", i, r.replicas[i].addr, err)
	}
}

// KillAfterCommit kills replica i with SIGKILL between committing the next
// create of org the proxy sends it and answering it: the crash a create's
// Idempotency-Key exists for, whose client cannot tell that it succeeded.
// It returns that create's Idempotency-Key. The create must succeed: one
// refused commits nothing to wait for.
//
// The moment is made certain rather than left to a millisecond's luck: a
// write's answer waits for its audit record, written after its change
// commits (internal/server/audit.go), so while this holds the audit log's
// lock, a committed create stays unanswered. A create whose audit record
// was written before the lock was taken has been answered; the next one is
// awaited instead.
func (r *Replicas) KillAfterCommit(ctx context.Context, org *Org, i int) (string, error) {
	for {
		var header http.Header
		select {
		case header = <-r.proxy.watch(i, http.MethodPost):
		case <-ctx.Done():
			return "", fmt.Errorf("replica %d was sent no create: %w", i, ctx.Err())
		}
		key := header.Get("Idempotency-Key")
		answered, err := r.killIfUnanswered(ctx, org, i, key)
		if err != nil || !answered {
			return key, err
		}
	}
}

// killIfUnanswered kills replica i once the create of org with key has
// committed, unless its answer has been sent; it reports whether it had.
func (r *Replicas) killIfUnanswered(ctx context.Context, org *Org, i int, key string) (answered bool, err error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // releases the lock; nothing was written
	// SHARE mode lets the audit log be read and no record be written.
	if _, err := tx.ExecContext(ctx, `LOCK TABLE audit_log IN SHARE MODE`); err != nil {
		return false, fmt.Errorf("locking the audit log: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, createCommitTimeout)
	defer cancel()
	var id string
	for id == "" {
		// Polled as fast as the database answers: the lock holds every
		// write's answer meanwhile, on every replica.
		if id, err = keyedConnection(ctx, tx, org, key); err != nil {
			return false, fmt.Errorf("awaiting the commit of the create: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE org_id = $1 AND target = $2)`, org.id, id).Scan(&answered); err != nil {
		return false, fmt.Errorf("reading the audit log: %w", err)
	}
	if answered {
		return true, nil
	}
	return false, r.Kill(i)
}

// Counts returns what the proxy has done so far.
func (r *Replicas) Counts() ProxyCounts {
	return r.proxy.counts()
}

// StoredConnection is a row of the connections table.
type StoredConnection struct {
	ID, Name, Type, AccountID string
}

// StoredConnections reads org's connections straight from the table, in
// creation order: what the database holds, whatever the service answers.
func (r *Replicas) StoredConnections(ctx context.Context, org *Org) ([]StoredConnection, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, name, type, account_id FROM connections WHERE org_id = $1 ORDER BY seq`, org.id)
	if err != nil {
		return nil, fmt.Errorf("reading the connections of organization %s: %w", org.Name, err)
	}
	defer rows.Close()
	var conns []StoredConnection
	for rows.Next() {
		var c StoredConnection
		if err := rows.Scan(&c.ID, &c.Name, &c.Type, &c.AccountID); err != nil {
			return nil, fmt.Errorf("reading the connections of organization %s: %w", org.Name, err)
		}
		conns = append(conns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the connections of organization %s: %w", org.Name, err)
	}
	return conns, nil
}

// KeyedConnection is the connection that a create of org with the
// Idempotency-Key key made, read from the database; "" if none did.
func (r *Replicas) KeyedConnection(ctx context.Context, org *Org, key string) (string, error) {
	return keyedConnection(ctx, r.db, org, key)
}

// rowQuerier is a *sql.DB or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// keyedConnection is KeyedConnection on the pool or in a transaction.
func keyedConnection(ctx context.Context, q rowQuerier, org *Org, key string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT connection_id FROM idempotency_keys WHERE org_id = $1 AND key = $2`, org.id, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading idempotency key %s of organization %s: %w", key, org.Name, err)
	}
	return id, nil
}

// buildServer builds cmd/costlink-server with go build, as a user does, into
// the test's temporary directory. Go's build cache makes a second build of
// unchanged sources a link step.
func buildServer(t *testing.T) string {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "costlink-server")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", binary, "./cmd/costlink-server")
	cmd.Dir = ModuleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building costlink-server: %v\n%s", err, out)
	}
	return binary
}

// replicaEnv is the environment of every replica: this process's, with the
// AWS settings replaced by moto's base account, the service's own, as
// scripts/demo.sh starts the server. The shared config and credentials
// files point nowhere, so a developer's profiles cannot send a replica to
// real AWS.
func replicaEnv(t *testing.T, moto *MotoServer) []string {
	t.Helper()
	nowhere := filepath.Join(t.TempDir(), "no-aws-config")
	env := []string{
		"AWS_ENDPOINT_URL=" + moto.Endpoint,
		"AWS_ACCESS_KEY_ID=" + MotoAccessKey,
		"AWS_SECRET_ACCESS_KEY=" + MotoAccessKey,
		"AWS_REGION=" + MotoRegion,
		"AWS_CONFIG_FILE=" + nowhere,
		"AWS_SHARED_CREDENTIALS_FILE=" + nowhere,
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "COSTLINK_") {
			env = append(env, kv)
		}
	}
	return env
}

// replicaArgs are serve's flags but --addr, the same for every replica;
// the others keep their defaults, rate limits included. The principal is
// given, so that a replica does not ask STS at start. Periodic checks are
// off: a connection is still checked after each change.
func replicaArgs(dsn string) []string {
	return []string{"serve", "--db", dsn, "--principal-arn", ServicePrincipalARN, "--check-interval", "0"}
}

// errReplicaPortTaken means the replica lost its port to another process
// between the pick and the bind; a new port is worth a retry.
var errReplicaPortTaken = errors.New("the port was taken before the replica could bind it")

// startOnFreePort starts rep on a free loopback port, picking another when
// the port is taken before the replica binds it.
func (r *Replicas) startOnFreePort(rep *replica) error {
	for attempt := 1; ; attempt++ {
		port, err := testnet.FreePort()
		if err != nil {
			return err
		}
		rep.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		err = r.start(rep)
		if !errors.Is(err, errReplicaPortTaken) || attempt == replicaStartAttempts {
			return err
		}
	}
}

// start runs costlink-server serve on rep.addr and waits until its
// /healthz answers.
func (r *Replicas) start(rep *replica) error {
	cmd := exec.Command(r.binary, append(r.args, "--addr", rep.addr)...) //nolint:noctx // ended by Kill or stopAll
	cmd.Env = r.env
	log := &headBuffer{}
	var out io.Writer = log
	if os.Getenv("COSTLINK_ACCTEST_LOG") != "" {
		out = io.MultiWriter(log, os.Stderr)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// A test binary that dies without its cleanup (a panic, a timeout)
	// must not leave replicas running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	exited := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the process ends:
		// hold this goroutine's thread for as long as the replica runs.
		runtime.LockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			_ = cmd.Wait()
		}
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("running %s: %w", r.binary, err)
	}
	rep.mu.Lock()
	rep.cmd, rep.exited, rep.log = cmd, exited, log
	rep.mu.Unlock()
	return rep.awaitHealthy()
}

// awaitHealthy polls the replica's /healthz until it answers 200, the
// process exits, or replicaStartTimeout passes.
func (rep *replica) awaitHealthy() error {
	ctx, cancel := context.WithTimeout(context.Background(), replicaStartTimeout)
	defer cancel()
	httpClient := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+rep.addr+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp, err := httpClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-rep.exited:
			said := rep.log.String()
			if strings.Contains(said, syscall.EADDRINUSE.Error()) {
				return fmt.Errorf("%w (%s)", errReplicaPortTaken, rep.addr)
			}
			return fmt.Errorf("costlink-server on %s exited before answering /healthz; it said:\n%s", rep.addr, said)
		case <-ctx.Done():
			rep.stop()
			return fmt.Errorf("costlink-server on %s did not answer /healthz within %s; it said:\n%s", rep.addr, replicaStartTimeout, rep.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopAll stops every replica still running when the test ends.
func (r *Replicas) stopAll() {
	for _, rep := range r.replicas {
		rep.stop()
	}
}

// stop ends the replica as its operator does, SIGTERM and then SIGKILL;
// a replica that has ended already ignores both.
func (rep *replica) stop() {
	rep.mu.Lock()
	cmd, exited := rep.cmd, rep.exited
	rep.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(replicaStopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// ProxyCounts are what the round-robin proxy did.
type ProxyCounts struct {
	// Answered is, per replica, the requests it answered.
	Answered []int
	// PassedOn is the attempts a replica failed that went on to the next:
	// its connection refused, or an idempotent request it did not answer.
	PassedOn int
	// BadGateway is the requests the proxy answered 502: a non-idempotent
	// request the replica took and did not answer, or none answering.
	BadGateway int
	// BadGatewayKeys are the Idempotency-Key headers of those requests
	// that had one, in order.
	BadGatewayKeys []string
}

func (c ProxyCounts) String() string {
	return fmt.Sprintf("answered per replica %v, passed on %d, 502 %d", c.Answered, c.PassedOn, c.BadGateway)
}

// roundRobin is a load balancer in front of the replicas with nginx's
// default upstream behaviour (proxy_next_upstream "error timeout", without
// "non_idempotent"; https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream):
// each request goes to the next replica in turn; one whose connection cannot
// be made goes on to the next replica; one sent to a replica that then does
// not answer goes on only if its method is idempotent, and a POST or PATCH
// gets a 502, for the replica may have acted on it. A client must converge
// through its own retries and idempotency keys. (nginx also rests a failed
// replica for fail_timeout; a refused dial on loopback costs microseconds,
// so this proxy tries it every time.)
type roundRobin struct {
	replicas  []*replica
	transport *http.Transport

	mu       sync.Mutex
	next     int
	watches  []sendWatch
	answered []int
	passedOn int
	badGate  int
	badKeys  []string
}

// sendWatch is a wait for the next request with method sent to replica.
type sendWatch struct {
	replica int
	method  string
	sent    chan http.Header // buffered: receives the request's headers once
}

func newRoundRobin(replicas []*replica) *roundRobin {
	return &roundRobin{
		replicas:  replicas,
		transport: http.DefaultTransport.(*http.Transport).Clone(),
		answered:  make([]int, len(replicas)),
	}
}

func (p *roundRobin) handler() http.Handler {
	return &httputil.ReverseProxy{
		// The replica is chosen per attempt, in RoundTrip.
		Rewrite:      func(r *httputil.ProxyRequest) { r.Out.URL.Scheme = "http" },
		Transport:    p,
		ErrorHandler: p.badGateway,
	}
}

// RoundTrip sends req to the replicas in turn from the next one, until one
// answers or a failure may not be passed on.
func (p *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	// Read once, to send again to the next replica when one refuses.
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
	}
	p.mu.Lock()
	first := p.next
	p.next = (p.next + 1) % len(p.replicas)
	p.mu.Unlock()
	var errs []error
	for i := range p.replicas {
		n := (first + i) % len(p.replicas)
		attempt := req.Clone(req.Context())
		attempt.URL.Host = p.replicas[n].addr
		attempt.Body = nil
		if body != nil {
			attempt.Body = io.NopCloser(bytes.NewReader(body))
		}
		p.sending(n, req)
		resp, err := p.transport.RoundTrip(attempt)
		if err == nil {
			p.count(func() { p.answered[n]++ })
			return resp, nil
		}
		errs = append(errs, fmt.Errorf("replica %d (%s): %w", n, p.replicas[n].addr, err))
		if i == len(p.replicas)-1 || !notConnected(err) && !idempotent(req.Method) {
			break
		}
		p.count(func() { p.passedOn++ })
	}
	return nil, errors.Join(errs...)
}

// watch returns a channel that receives the headers of the next request
// with method sent to replica n.
func (p *roundRobin) watch(n int, method string) <-chan http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := sendWatch{replica: n, method: method, sent: make(chan http.Header, 1)}
	p.watches = append(p.watches, w)
	return w.sent
}

// sending ends the watches that req, about to be sent to replica n, meets.
func (p *roundRobin) sending(n int, req *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.watches = slices.DeleteFunc(p.watches, func(w sendWatch) bool {
		if w.replica != n || w.method != req.Method {
			return false
		}
		w.sent <- req.Header.Clone()
		return true
	})
}

// notConnected reports whether err is a connection to a replica that could
// not be made: the request never reached it.
func notConnected(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// idempotent reports whether method is one nginx passes on to the next
// replica after it was sent (RFC 9110, section 9.2.2).
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// badGateway answers 502 when no replica answered, as nginx does.
func (p *roundRobin) badGateway(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away; nobody reads an answer
	}
	p.count(func() {
		p.badGate++
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			p.badKeys = append(p.badKeys, key)
		}
	})
	http.Error(w, "round-robin proxy: no replica answered: "+err.Error(), http.StatusBadGateway)
}

func (p *roundRobin) count(change func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change()
}

func (p *roundRobin) counts() ProxyCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ProxyCounts{
		Answered: slices.Clone(p.answered), PassedOn: p.passedOn, BadGateway: p.badGate, BadGatewayKeys: slices.Clone(p.badKeys),
	}
}
