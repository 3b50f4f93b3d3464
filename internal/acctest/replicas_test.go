package acctest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

// replicaStandIn is a replica that answers with its name and the body it
// received, counting its requests; a dropping one reads each request and
// closes the connection unanswered, as a replica killed mid-request does.
func replicaStandIn(t *testing.T, name string, dropping bool) (*replica, *atomic.Int64) {
	t.Helper()
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		body, _ := io.ReadAll(r.Body)
		if dropping {
			closeConnection(w)
			return
		}
		_, _ = io.WriteString(w, name+":"+string(body))
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &replica{addr: u.Host}, &received
}

// refusingReplica is a replica whose port nobody listens on.
func refusingReplica(t *testing.T) *replica {
	t.Helper()
	port, err := testnet.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return &replica{addr: "127.0.0.1:" + strconv.Itoa(port)}
}

// roundRobinFor starts a round-robin proxy in front of replicas.
func roundRobinFor(t *testing.T, replicas ...*replica) (*roundRobin, string) {
	t.Helper()
	p := newRoundRobin(replicas)
	t.Cleanup(p.transport.CloseIdleConnections)
	srv := httptest.NewServer(p.handler())
	t.Cleanup(srv.Close)
	return p, srv.URL
}

// send makes one request through the proxy, on a connection of its own,
// and returns the status and body the client saw.
func send(t *testing.T, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(got)
}

func TestRoundRobinTakesReplicasInTurn(t *testing.T) {
	a, _ := replicaStandIn(t, "a", false)
	b, _ := replicaStandIn(t, "b", false)
	p, proxy := roundRobinFor(t, a, b)
	var answers []string
	for range 4 {
		_, body := send(t, http.MethodGet, proxy+"/v1/aws/connections", "", nil)
		answers = append(answers, body)
	}
	if want := []string{"a:", "b:", "a:", "b:"}; !slices.Equal(answers, want) {
		t.Errorf("answers = %q, want %q", answers, want)
	}
	if got := p.counts(); !slices.Equal(got.Answered, []int{2, 2}) || got.PassedOn != 0 || got.BadGateway != 0 {
		t.Errorf("counts = %s, want 2 answered by each, none passed on, no 502", got)
	}
}

// A replica whose connection is refused never saw the request: any request,
// a POST too, goes on to the next replica, whole.
func TestRoundRobinPassesARefusedRequestOn(t *testing.T) {
	b, received := replicaStandIn(t, "b", false)
	p, proxy := roundRobinFor(t, refusingReplica(t), b)
	status, body := send(t, http.MethodPost, proxy+"/v1/aws/connections", `{"name":"x"}`, nil)
	if status != http.StatusOK || body != `b:{"name":"x"}` {
		t.Errorf("client saw %d %q, want 200 from b with the whole body", status, body)
	}
	if received.Load() != 1 {
		t.Errorf("b received %d requests, want 1", received.Load())
	}
	if got := p.counts(); got.PassedOn != 1 || got.BadGateway != 0 {
		t.Errorf("counts = %s, want 1 passed on, no 502", got)
	}
}

// A POST or PATCH that a replica took and did not answer may have been
// carried out: it is answered 502, never sent to another replica, as nginx
// does without proxy_next_upstream non_idempotent.
func TestRoundRobinAnswers502ToANonIdempotentRequestNotAnswered(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			a, _ := replicaStandIn(t, "a", true)
			b, receivedByB := replicaStandIn(t, "b", false)
			p, proxy := roundRobinFor(t, a, b)
			status, _ := send(t, method, proxy+"/v1/aws/connections", `{}`, http.Header{"Idempotency-Key": {"key-1"}})
			if status != http.StatusBadGateway {
				t.Errorf("client saw %d, want 502", status)
			}
			if receivedByB.Load() != 0 {
				t.Errorf("b received %d requests, want none: the request was sent on", receivedByB.Load())
			}
			if got := p.counts(); got.BadGateway != 1 || !slices.Equal(got.BadGatewayKeys, []string{"key-1"}) {
				t.Errorf("counts = %s with keys %q, want one 502 of key-1", got, got.BadGatewayKeys)
			}
		})
	}
}

// An idempotent request a replica took and did not answer goes on to the
// next replica.
func TestRoundRobinPassesAnIdempotentRequestNotAnsweredOn(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			a, _ := replicaStandIn(t, "a", true)
			b, _ := replicaStandIn(t, "b", false)
			p, proxy := roundRobinFor(t, a, b)
			if status, body := send(t, method, proxy+"/v1/aws/connections/conn_1", "", nil); status != http.StatusOK || body != "b:" {
				t.Errorf("client saw %d %q, want 200 from b", status, body)
			}
			if got := p.counts(); got.PassedOn != 1 || got.BadGateway != 0 {
				t.Errorf("counts = %s, want 1 passed on, no 502", got)
			}
		})
	}
}

func TestRoundRobinAnswers502WhenNoReplicaAnswers(t *testing.T) {
	p, proxy := roundRobinFor(t, refusingReplica(t), refusingReplica(t))
	if status, _ := send(t, http.MethodGet, proxy+"/healthz", "", nil); status != http.StatusBadGateway {
		t.Errorf("client saw %d, want 502", status)
	}
	if got := p.counts(); got.PassedOn != 1 || got.BadGateway != 1 {
		t.Errorf("counts = %s, want the first passed on to the second, one 502", got)
	}
}
