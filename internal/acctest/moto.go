package acctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

const (
	// MotoRegion is the region of every client the harness builds. IAM is
	// global; STS and signing still need a region.
	MotoRegion = "us-east-1"
	// MotoAccessKey is the base account's access key (and secret): moto maps
	// keys it did not issue to its default account, 123456789012.
	MotoAccessKey = "testing"
	// MemberRoleName is the role the base account assumes in a member
	// account, as AWS Organizations creates it in every account it vends.
	MemberRoleName = "OrganizationAccountAccessRole"

	// motoStartTimeout bounds the wait for moto to answer: it imports every
	// service's models at start-up, which takes seconds on a loaded machine.
	motoStartTimeout = 30 * time.Second
	// motoStartAttempts covers the short race between finding a free port
	// and moto binding it: another process may take the port in between.
	motoStartAttempts = 3
	// motoLogLimit bounds the moto output kept to explain a failed start;
	// it logs every request, and a long run must not grow memory for that.
	motoLogLimit = 64 << 10
)

// MotoServer is the moto_server shared by the tests of one binary.
type MotoServer struct {
	// Endpoint is the base URL of every emulated AWS service: the
	// AWS-faithful layer in front of moto (see awsfaithful.go).
	Endpoint string
	// MotoEndpoint is moto_server itself, behind the layer's back: for
	// harness setup only, never for what a test checks.
	MotoEndpoint string

	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been waited for
	log    *headBuffer
	layer  *faithfulLayer
}

var (
	motoOnce   sync.Once
	sharedMoto *MotoServer
	motoErr    error
)

// Moto skips the test unless TF_ACC is set, starts the shared moto_server
// on first use and returns it. A missing moto_server fails the test: an
// acceptance run must never pass by skipping AWS.
func Moto(t *testing.T) *MotoServer {
	t.Helper()
	skipUnlessAcceptance(t)
	m, err := ensureMoto()
	if err != nil {
		t.Fatalf("starting moto: %v", err)
	}
	return m
}

// ensureMoto starts the shared moto_server on first use.
func ensureMoto() (*MotoServer, error) {
	motoOnce.Do(func() { sharedMoto, motoErr = startMoto() })
	return sharedMoto, motoErr
}

// startMoto runs moto_server on a free loopback port with AWS managed
// policies loaded, waits until it answers, and puts the AWS-faithful layer
// in front of it.
func startMoto() (*MotoServer, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server is not on PATH; the acceptance tests emulate AWS with it: install it with pip install 'moto[server]' (%w)", err)
	}
	for attempt := 1; ; attempt++ {
		m, err := launchMoto(bin)
		if errors.Is(err, errMotoExited) && attempt < motoStartAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.layer, m.Endpoint, err = startFaithfulLayer(m.MotoEndpoint); err != nil {
			m.stop()
			return nil, err
		}
		return m, nil
	}
}

// errMotoExited is moto_server ending before it answered, as it does when
// another process took its port first.
var errMotoExited = errors.New("moto_server exited before answering")

// launchMoto makes one attempt at starting moto_server.
func launchMoto(bin string) (*MotoServer, error) {
	port, err := testnet.FreePort()
	if err != nil {
		return nil, err
	}
	m := &MotoServer{
		MotoEndpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		exited:       make(chan struct{}),
		log:          &headBuffer{},
	}
	// Not CommandContext: moto outlives any one test; stop ends it.
	m.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port)) //nolint:noctx // stopped by stopMoto
	m.cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	m.cmd.SysProcAttr = &syscall.SysProcAttr{
		// moto_server is a script, often behind a pyenv shim: its own
		// process group lets stop end whatever it started.
		Setpgid: true,
		// A test binary that dies without calling Stop (a panic, a timeout,
		// a package without TestMain) must not leave moto running.
		Pdeathsig: syscall.SIGKILL,
	}
	var out io.Writer = m.log
	if os.Getenv("COSTLINK_ACCTEST_LOG") != "" {
		out = io.MultiWriter(m.log, os.Stderr)
	}
	m.cmd.Stdout, m.cmd.Stderr = out, out
	m.cmd.WaitDelay = 5 * time.Second
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the process ends,
		// not when the test binary does: hold this goroutine's thread for
		// as long as moto runs.
		runtime.LockOSThread()
		err := m.cmd.Start()
		started <- err
		if err == nil {
			_ = m.cmd.Wait()
		}
		close(m.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	if err := m.waitReady(); err != nil {
		m.stop()
		return nil, fmt.Errorf("%w; moto said:\n%s", err, m.log.String())
	}
	return m, nil
}

// waitReady polls moto until it answers any HTTP request, it exits, or
// motoStartTimeout passes.
func (m *MotoServer) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), motoStartTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.MotoEndpoint+"/moto-api/", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("%w on %s", errMotoExited, m.MotoEndpoint)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("moto_server did not answer on %s within %s", m.MotoEndpoint, motoStartTimeout)
}

// stop ends the layer, then moto's process group and waits for it:
// politely first, then by force.
func (m *MotoServer) stop() {
	if m.layer != nil {
		m.layer.stop()
	}
	pgid := -m.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-m.exited
	}
}

// stopMoto stops the shared moto_server, if a test started it; Stop calls it.
func stopMoto() {
	if sharedMoto != nil {
		sharedMoto.stop()
	}
}

// AWSConfig is the SDK configuration of moto's base account (the account
// the provider's own credentials belong to). It is built by hand rather
// than loaded, so the developer's profiles and AWS_* variables cannot send
// a test to real AWS.
func (m *MotoServer) AWSConfig() aws.Config {
	return aws.Config{
		Region:       MotoRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(MotoAccessKey, MotoAccessKey, ""),
		BaseEndpoint: aws.String(m.Endpoint),
	}
}

// MemberAccountRoleARN is the role the base account assumes to reach a
// member account.
func (m *MotoServer) MemberAccountRoleARN(accountID string) string {
	return "arn:aws:iam::" + accountID + ":role/" + MemberRoleName
}

// MemberAWSConfig is the SDK configuration of a member account, reached as
// the provider reaches it: by assuming MemberRoleName there with the base
// account's credentials, through the AWS-faithful layer, so the role must
// exist and trust the base account (NewMemberAccount makes it so).
func (m *MotoServer) MemberAWSConfig(t *testing.T, accountID string) aws.Config {
	t.Helper()
	base := m.AWSConfig()
	member := base.Copy()
	member.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(
		sts.NewFromConfig(base), m.MemberAccountRoleARN(accountID),
		func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "costlink-acctest" },
	))
	if _, err := member.Credentials.Retrieve(context.Background()); err != nil {
		t.Fatalf("assuming %s: %v", m.MemberAccountRoleARN(accountID), err)
	}
	return member
}

// MemberIAM is an IAM client in a member account (see MemberAWSConfig), for
// checks and out-of-band changes made outside Terraform.
func (m *MotoServer) MemberIAM(t *testing.T, accountID string) *iam.Client {
	t.Helper()
	return iam.NewFromConfig(m.MemberAWSConfig(t, accountID))
}

// headBuffer keeps the first motoLogLimit bytes written to it: what moto
// says while starting, which is what explains a failed start.
type headBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := motoLogLimit - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.String()
}
