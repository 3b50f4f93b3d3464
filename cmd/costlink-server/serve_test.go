package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
)

// serveProcess is a costlink-server serve running in the test binary.
type serveProcess struct {
	addr        string // the API's
	metricsAddr string // "" unless --metrics-addr was given
	logs        *syncBuffer
	done        chan struct{}
	code        int // once done is closed
}

// How a test stops serve.
const (
	byContext = iota // serve stops when the test ends
	bySignal         // the test sends SIGINT or SIGTERM, as an operator would
)

// startServe runs serve with a new database, a principal, no periodic
// checks and JSON logs, plus args, and waits until it listens.
func startServe(t *testing.T, stop int, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{logs: &syncBuffer{}, done: make(chan struct{})}
	args = append([]string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "costlink.db"), "--log-format", "json",
		"--principal-arn", "arn:aws:iam::111111111111:root", "--check-interval", "0"}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(p.done)
		if stop == bySignal {
			p.code = run(append([]string{"serve"}, args...), io.Discard, p.logs)
		} else {
			p.code = serveUntil(ctx, args, p.logs)
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			if stop == bySignal {
				_ = syscall.Kill(os.Getpid(), syscall.SIGTERM) // the test failed before stopping it
			}
			cancel()
			<-p.done
		}
	})

	for deadline := time.Now().Add(10 * time.Second); p.addr == ""; time.Sleep(10 * time.Millisecond) {
		for _, line := range p.logLines() {
			switch line["msg"] {
			case "serving metrics":
				p.metricsAddr, _ = line["addr"].(string)
			case "listening":
				p.addr, _ = line["addr"].(string)
			}
		}
		select {
		case <-p.done:
			t.Fatalf("serve exited %d before listening: %s", p.code, p.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", p.logs)
		}
	}
	return p
}

// logLines are serve's JSON log lines so far.
func (p *serveProcess) logLines() []map[string]any {
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.logs.String()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			lines = append(lines, line)
		}
	}
	return lines
}

// exitWithin waits for serve to exit and returns its exit code, failing the
// test when it takes longer than limit.
func (p *serveProcess) exitWithin(t *testing.T, limit time.Duration) int {
	t.Helper()
	start := time.Now()
	select {
	case <-p.done:
		t.Logf("serve exited %d after %v", p.code, time.Since(start).Round(time.Millisecond))
		return p.code
	case <-time.After(limit):
		t.Fatalf("serve did not exit within %v: %s", limit, p.logs)
		return 0
	}
}

// getURL sends a GET with a context and returns the status and body.
func getURL(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// slowBody opens a connection that sends a POST's headers and then its
// body one byte every 100 ms, without an API key, until the server hangs up.
func slowBody(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /v1/aws/connections HTTP/1.1\r\nHost: costlink\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	go func() {
		for {
			time.Sleep(100 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	return conn
}

// closedWithin reads conn until the server closes it and fails the test
// when that takes longer than limit.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration, what string) {
	t.Helper()
	start := time.Now()
	if err := conn.SetReadDeadline(start.Add(limit)); err != nil {
		t.Fatal(err)
	}
	_, err := io.Copy(io.Discard, conn)
	if netErr := net.Error(nil); errors.As(err, &netErr) && netErr.Timeout() {
		t.Errorf("%s: the server still held the connection after %v", what, limit)
		return
	}
	t.Logf("%s: closed after %v", what, time.Since(start).Round(time.Millisecond))
}

// TestServeShutsDownPromptlyWithSlowClients: clients that send their body
// slowly must not hold the service, and SIGTERM ends it in under 5 s with
// exit code 0 whatever they do.
func TestServeShutsDownPromptlyWithSlowClients(t *testing.T) {
	p := startServe(t, bySignal)
	for range 100 {
		slowBody(t, p.addr)
	}
	start := time.Now()
	if status, _ := getURL(t, http.DefaultClient, "http://"+p.addr+"/healthz"); status != http.StatusOK || time.Since(start) > time.Second {
		t.Errorf("/healthz with 100 slow clients = %d after %v", status, time.Since(start))
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.exitWithin(t, 5*time.Second); code != exitOK {
		t.Errorf("serve exited %d after SIGTERM, want 0: %s", code, p.logs)
	}
}

// TestServeTimesOutSlowClients: a client slow to send its headers or its
// body is disconnected within the read timeouts.
func TestServeTimesOutSlowClients(t *testing.T) {
	p := startServe(t, byContext)
	slowHeader, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slowHeader.Close()
	fmt.Fprintf(slowHeader, "GET /healthz HTTP/1.1\r\nHost: costlink\r\n")
	body := slowBody(t, p.addr)

	done := make(chan struct{})
	go func() {
		defer close(done)
		closedWithin(t, slowHeader, readHeaderTimeout+2*time.Second, "slow headers")
	}()
	closedWithin(t, body, readTimeout+2*time.Second, "slow body")
	<-done
}

func TestServeRefusesHugeHeaders(t *testing.T) {
	p := startServe(t, byContext)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+p.addr+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("x", 2*maxHeaderBytes))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a %d-byte header: %d, want 431", 2*maxHeaderBytes, res.StatusCode)
	}
}

// TestHTTPServerBounds: the write timeout must let an on-demand health
// check, the API's slowest request, finish, and the shutdown must end
// within the 5 s an orchestrator commonly grants.
func TestHTTPServerBounds(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.WriteTimeout <= health.DefaultTimeout {
		t.Errorf("WriteTimeout %v does not outlast a health check (%v)", srv.WriteTimeout, health.DefaultTimeout)
	}
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("server without a bound: %+v", srv)
	}
	if shutdownTimeout >= 5*time.Second {
		t.Errorf("shutdownTimeout %v, want under 5 s", shutdownTimeout)
	}
}

func TestServeMetricsOnlyOnTheirListener(t *testing.T) {
	p := startServe(t, byContext)
	if p.metricsAddr != "" {
		t.Errorf("metrics served at %s without --metrics-addr", p.metricsAddr)
	}

	t.Setenv("COSTLINK_METRICS_ADDR", "127.0.0.1:0")
	p = startServe(t, byContext)
	if p.metricsAddr == "" {
		t.Fatalf("COSTLINK_METRICS_ADDR set, no metrics listener: %s", p.logs)
	}
	if status, _ := getURL(t, http.DefaultClient, "http://"+p.addr+"/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on the API = %d, want 404", status)
	}
	// The request is counted once its response is written: wait for it.
	want := `costlink_http_requests_total{method="GET",route="other",status="404"} 1`
	var body string
	for deadline := time.Now().Add(2 * time.Second); !strings.Contains(body, want) && time.Now().Before(deadline); {
		var status int
		if status, body = getURL(t, http.DefaultClient, "http://"+p.metricsAddr+"/metrics"); status != http.StatusOK {
			t.Fatalf("metrics listener: %d %s", status, body)
		}
	}
	if !strings.Contains(body, want) || !strings.Contains(body, "process_open_fds") {
		t.Errorf("metrics lack the API request or the process collector:\n%s", body)
	}
}

// TestServeTLS starts serve with a self-signed certificate and makes an
// HTTPS request that trusts only it; plain HTTP is refused on that port.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	p := startServe(t, byContext, "--tls-cert", certFile, "--tls-key", keyFile)
	for _, line := range p.logLines() {
		if line["msg"] == "listening" && line["tls"] != true {
			t.Errorf("the listening line does not say TLS: %v", line)
		}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	if status, body := getURL(t, client, "https://"+p.addr+"/healthz"); status != http.StatusOK {
		t.Errorf("GET https://.../healthz = %d %s", status, body)
	}
	if status, body := getURL(t, http.DefaultClient, "http://"+p.addr+"/healthz"); status == http.StatusOK {
		t.Errorf("plain HTTP on the TLS port = %d %s, want refused", status, body)
	}
}

func TestServeTLSFlagErrors(t *testing.T) {
	certFile, keyFile, _ := selfSigned(t)
	db := filepath.Join(t.TempDir(), "costlink.db")
	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"cert alone":             {[]string{"--tls-cert", certFile}, exitUsage, "--tls-cert and --tls-key go together"},
		"key alone":              {[]string{"--tls-key", keyFile}, exitUsage, "--tls-cert and --tls-key go together"},
		"missing cert":           {[]string{"--tls-cert", certFile + ".nope", "--tls-key", keyFile}, exitError, "cannot load the TLS certificate"},
		"key as cert":            {[]string{"--tls-cert", keyFile, "--tls-key", keyFile}, exitError, "cannot load the TLS certificate"},
		"public URL with a path": {[]string{"--public-url", "https://costlink.example.com/api"}, exitUsage, "--public-url"},
		"public URL not http":    {[]string{"--public-url", "costlink.example.com"}, exitUsage, "give the URL users reach the service at"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCmd(append([]string{"serve", "--db", db, "--principal-arn", "arn:aws:iam::111111111111:root"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("refused TLS flags opened the database: %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to a temporary
// directory and returns their files and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "costlink test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
