// Package acctest is the acceptance-test harness: one connection service per
// test binary, started in-process on loopback with a temporary SQLite file,
// and an organization of its own for every test, so tests run in parallel
// without seeing each other's records.
package acctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// ServiceAccountID is the moto account the connection service runs as:
// moto's default account, the one static test credentials map to. Member
// accounts are others, reached by assuming a role in them.
const ServiceAccountID = "123456789012"

// ServicePrincipalARN is the principal customers' roles trust in tests.
const ServicePrincipalARN = "arn:aws:iam::" + ServiceAccountID + ":root"

// service is a connection service of the tests, on loopback, checking
// health against moto.
type service struct {
	url    string
	dbPath string
	dir    string
	opts   ServiceOptions
	moto   *MotoServer

	// What one run of the service holds; restart replaces them.
	store      *store.Store
	api        *server.Server
	http       *http.Server
	stopChecks context.CancelFunc
}

// ServiceOptions change a service of a test's own (see NewOrgInOwnService).
type ServiceOptions struct {
	// GeneratePolicy replaces the policy generator, to make the service
	// generate a newer policy during a test.
	GeneratePolicy func(iampolicy.Input) (iampolicy.Policy, error)
	// CheckInterval, when set, runs the periodic health checker with it.
	CheckInterval time.Duration
	// RateLimit and RateBurst, when set, limit each API key as the
	// service's --rate-limit and --rate-burst do; unset, keys are unlimited.
	RateLimit float64
	RateBurst int
	// Prober, when set, checks health in place of the checker against moto,
	// for tests that measure the provider and the API, not AWS.
	Prober server.Prober
}

var (
	startOnce sync.Once
	shared    *service
	startErr  error
)

// start runs a service on a free loopback port, with moto as its AWS.
func start(opts ServiceOptions) (*service, error) {
	moto, err := ensureMoto()
	if err != nil {
		return nil, fmt.Errorf("starting moto for the service's health checks: %w", err)
	}
	dir, err := os.MkdirTemp("", "costlink-acctest-")
	if err != nil {
		return nil, err
	}
	listener, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on loopback: %w", err)
	}
	s := &service{url: "http://" + listener.Addr().String(), dbPath: filepath.Join(dir, "costlink.db"), dir: dir, opts: opts, moto: moto}
	if err := s.serve(listener); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// serve opens the database and serves the API on listener, as one run of
// the service's process does.
func (s *service) serve(listener net.Listener) error {
	st, err := store.Open(s.dbPath)
	if err != nil {
		_ = listener.Close()
		return fmt.Errorf("opening the service's database: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("COSTLINK_ACCTEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	var prober server.Prober = health.NewChecker(s.moto.AWSConfig())
	if s.opts.Prober != nil {
		prober = s.opts.Prober
	}
	api := server.New(server.Config{
		Store: st, Logger: logger, PrincipalARN: ServicePrincipalARN,
		GeneratePolicy: s.opts.GeneratePolicy, Prober: prober,
		CheckConcurrency: 4, IPRateLimit: server.DefaultIPRateLimit, IPRateBurst: server.DefaultIPRateBurst,
		RateLimit: s.opts.RateLimit, RateBurst: s.opts.RateBurst,
	})
	checksCtx, stopChecks := context.WithCancel(context.Background())
	if s.opts.CheckInterval > 0 {
		go api.RunChecks(checksCtx, s.opts.CheckInterval)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	s.store, s.api, s.http, s.stopChecks = st, api, srv, stopChecks
	return nil
}

// shutdown ends one run of the service as its process does on SIGTERM:
// in-flight requests finish, then the checks stop and the database closes.
func (s *service) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	s.stopChecks()
	s.api.Close()
	_ = s.store.Close()
}

// Stop shuts down what the tests started; TestMain calls it.
func Stop() {
	stopMoto()
	if credentialsPath != "" {
		_ = os.RemoveAll(filepath.Dir(credentialsPath))
	}
	if shared != nil {
		shared.stop()
	}
}

func (s *service) stop() {
	s.shutdown()
	_ = os.RemoveAll(s.dir)
}

// Service is a connection service of a test's own, which the test can
// restart as an operator restarts the process: same address, same database.
type Service struct {
	svc *service
}

// NewService skips the test unless TF_ACC is set, and starts a service of
// the test's own, changed by opts, stopped when the test ends.
func NewService(t *testing.T, opts ServiceOptions) *Service {
	t.Helper()
	skipUnlessAcceptance(t)
	svc, err := start(opts)
	if err != nil {
		t.Fatalf("starting the connection service: %v", err)
	}
	t.Cleanup(svc.stop)
	return &Service{svc: svc}
}

// URL is the service's base URL, the same across restarts.
func (s *Service) URL() string {
	return s.svc.url
}

// NewOrg makes an organization in this service (see NewOrg).
func (s *Service) NewOrg(t *testing.T) *Org {
	t.Helper()
	return s.svc.newOrg(t)
}

// Restart stops the service as a crash does, leaves it down for downtime,
// and starts it again on the same address and database. Connections in
// flight are cut, even where the service already acted; requests meanwhile
// find the port closed.
func (s *Service) Restart(t *testing.T, downtime time.Duration) {
	t.Helper()
	_ = s.svc.http.Close()
	s.svc.shutdown()
	time.Sleep(downtime)
	addr := strings.TrimPrefix(s.svc.url, "http://")
	listener, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("listening again on %s: %v", addr, err)
	}
	if err := s.svc.serve(listener); err != nil {
		t.Fatalf("restarting the connection service: %v", err)
	}
}

// Org is an organization of the shared service with an API key that has
// every scope, and a client using it for checks made outside Terraform.
type Org struct {
	Name   string
	APIURL string
	APIKey string
	Client *client.Client

	id  string   // the organization's ID in the store
	svc *service // the service holding it, for SeedConnections
}

// NewOrg skips the test unless TF_ACC is set (as terraform-plugin-testing
// does), starts the shared service on first use and makes a new organization.
func NewOrg(t *testing.T) *Org {
	t.Helper()
	skipUnlessAcceptance(t)
	startOnce.Do(func() { shared, startErr = start(ServiceOptions{}) })
	if startErr != nil {
		t.Fatalf("starting the connection service: %v", startErr)
	}
	return shared.newOrg(t)
}

// NewOrgInOwnService is NewOrg in a service of the test's own, changed by
// opts, for tests that change how the service behaves.
func NewOrgInOwnService(t *testing.T, opts ServiceOptions) *Org {
	t.Helper()
	return NewService(t, opts).NewOrg(t)
}

// skipUnlessAcceptance skips the test unless TF_ACC is set, as
// terraform-plugin-testing does.
func skipUnlessAcceptance(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1 (make test or make testacc)")
	}
}

// newOrg makes an organization with an API key that has every scope.
func (s *service) newOrg(t *testing.T) *Org {
	t.Helper()
	name := fmt.Sprintf("acc-%d", time.Now().UnixNano())
	ctx := context.Background()
	org, err := s.store.EnsureOrganization(ctx, name)
	if err != nil {
		t.Fatalf("creating organization %s: %v", name, err)
	}
	key, _, err := s.store.CreateAPIKey(ctx, org.ID, store.Scopes)
	if err != nil {
		t.Fatalf("creating an API key of organization %s: %v", name, err)
	}
	c, err := client.New(client.Config{BaseURL: s.url, APIKey: key})
	if err != nil {
		t.Fatalf("creating the API client: %v", err)
	}
	return &Org{Name: name, APIURL: s.url, APIKey: key, Client: c, id: org.ID, svc: s}
}

// ProviderConfig is the provider block that reaches this organization.
func (o *Org) ProviderConfig() string {
	return o.ProviderConfigWithBlocks("")
}

// ProviderConfigWithAWS is the provider block that also reaches moto, as a
// user reaches AWS: an aws block with a credentials file and endpoints.
func (o *Org) ProviderConfigWithAWS(t *testing.T, m *MotoServer) string {
	t.Helper()
	credentials, err := m.credentialsFile()
	if err != nil {
		t.Fatalf("writing the AWS credentials file: %v", err)
	}
	return o.ProviderConfigWithBlocks(fmt.Sprintf(`
  aws {
    region                   = %q
    shared_credentials_files = [%q]
    endpoints {
      iam = %q
      sts = %q
    }
  }`, MotoRegion, credentials, m.Endpoint, m.Endpoint))
}

// ProviderConfigWithBlocks is the provider block with more in it, such as
// an aws block.
func (o *Org) ProviderConfigWithBlocks(blocks string) string {
	return fmt.Sprintf(`
provider "costlink" {
  api_url = %q
  api_key = %q
%s
}
`, o.APIURL, o.APIKey, blocks)
}

// Connections lists every connection of the organization.
func (o *Org) Connections(t *testing.T) []client.Connection {
	t.Helper()
	conns, err := o.Client.ListAllConnections(context.Background(), client.ListConnectionsOptions{})
	if err != nil {
		t.Fatalf("listing connections: %v", err)
	}
	return conns
}

// ConnectionNamed returns the connection with that name or fails the test.
func (o *Org) ConnectionNamed(t *testing.T, name string) client.Connection {
	t.Helper()
	conns, err := o.Client.ListAllConnections(context.Background(), client.ListConnectionsOptions{Name: name})
	if err != nil || len(conns) != 1 {
		t.Fatalf("finding connection %q: %d found, error %v", name, len(conns), err)
	}
	return conns[0]
}

// DeleteConnectionNamed deletes a connection through the API, as someone
// working outside Terraform would.
func (o *Org) DeleteConnectionNamed(t *testing.T, name string) {
	t.Helper()
	if err := o.Client.DeleteConnection(context.Background(), o.ConnectionNamed(t, name).ID); err != nil {
		t.Fatalf("deleting connection %q: %v", name, err)
	}
}

// CheckConnectionCount fails unless the organization has exactly n connections.
func (o *Org) CheckConnectionCount(n int) error {
	conns, err := o.Client.ListAllConnections(context.Background(), client.ListConnectionsOptions{})
	if err != nil {
		return fmt.Errorf("listing connections: %w", err)
	}
	if len(conns) != n {
		return fmt.Errorf("organization %s has %d connections, want %d: %v", o.Name, len(conns), n, conns)
	}
	return nil
}

// CheckNoConnections is a CheckDestroy: nothing is left after destroy.
func (o *Org) CheckNoConnections(*terraform.State) error {
	return o.CheckConnectionCount(0)
}

var (
	credentialsOnce sync.Once
	credentialsPath string
	credentialsErr  error
)

// credentialsFile writes, once, the shared credentials file of moto's base
// account that provider configurations name.
func (m *MotoServer) credentialsFile() (string, error) {
	credentialsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "costlink-acctest-aws-")
		if err != nil {
			credentialsErr = err
			return
		}
		credentialsPath = filepath.Join(dir, "credentials")
		content := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", MotoAccessKey, MotoAccessKey)
		credentialsErr = os.WriteFile(credentialsPath, []byte(content), 0o600)
	})
	return credentialsPath, credentialsErr
}
