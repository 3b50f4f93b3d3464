package server

import (
	"net/http"
	"testing"
)

func TestIdempotentCreate(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	body := resourceBody("prod", "123456789012")
	first := e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-1").wantStatus(t, http.StatusCreated)

	// The same request, laid out differently, replays the first response.
	reordered := `{"regions":["eu-south-1","us-east-1"],"role_arn":"arn:aws:iam::123456789012:role/costlink/costlink-resource-access","name":"prod","type":"resource"}`
	for _, b := range []string{body, reordered} {
		replay := e.do("POST", "/v1/aws/connections", e.rw, b, "Idempotency-Key", "k-1")
		if replay.status != first.status || string(replay.body) != string(first.body) {
			t.Errorf("replay = %d %s, want %d %s", replay.status, replay.body, first.status, first.body)
		}
		for _, h := range []string{"ETag", "Location", "Content-Type"} {
			if replay.header.Get(h) != first.header.Get(h) {
				t.Errorf("replay %s = %q, want %q", h, replay.header.Get(h), first.header.Get(h))
			}
		}
	}
	if n := len(e.do("GET", "/v1/aws/connections", e.ro, "").list(t).Connections); n != 2 {
		t.Errorf("%d connections after replays, want 2 (billing and prod)", n)
	}

	e.do("POST", "/v1/aws/connections", e.rw, resourceBody("other", "210987654321"), "Idempotency-Key", "k-1").
		wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")

	// Without a key, or with a new one, the same body is a conflict.
	e.do("POST", "/v1/aws/connections", e.rw, body).wantProblem(t, http.StatusConflict, "conflict")
	e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-2").wantProblem(t, http.StatusConflict, "conflict")

	long := make([]byte, 256)
	for i := range long {
		long[i] = 'k'
	}
	e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", string(long)).wantProblem(t, http.StatusBadRequest, "bad_request")
}
