package server

import (
	"net/http"
	"strings"
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
		if got := replay.header.Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("replay Idempotent-Replayed = %q, want true", got)
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

	if got := first.header.Get("Idempotent-Replayed"); got != "" {
		t.Errorf("first response Idempotent-Replayed = %q, want none", got)
	}
	reused := e.do("POST", "/v1/aws/connections", e.rw, resourceBody("other", "210987654321"), "Idempotency-Key", "k-1")
	reused.wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
	if id := first.connection(t).ID; !strings.Contains(string(reused.body), `"existing_id":"`+id+`"`) {
		t.Errorf("key reused: %s, want existing_id %s", reused.body, id)
	}

	// Without a key, or with a new one, the same body is a conflict.
	e.do("POST", "/v1/aws/connections", e.rw, body).wantProblem(t, http.StatusConflict, "conflict")
	e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-2").wantProblem(t, http.StatusConflict, "conflict")

	long := make([]byte, 256)
	for i := range long {
		long[i] = 'k'
	}
	e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", string(long)).wantProblem(t, http.StatusBadRequest, "bad_request")
}

// A client that lost the response to a create and sends it again after the
// record changed adopts the record as it is now; after a delete it learns
// that the record is gone instead of being handed the deleted one.
func TestIdempotentReplayAfterChangeAndDelete(t *testing.T) {
	e := newEnv(t, Config{})
	e.withBilling()
	body := resourceBody("prod", "123456789012")
	created := e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-1").wantStatus(t, http.StatusCreated).connection(t)

	path := "/v1/aws/connections/" + created.ID
	e.do("PATCH", path, e.rw, `{"regions":["us-east-1"]}`).wantStatus(t, http.StatusOK)
	replay := e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-1").wantStatus(t, http.StatusCreated)
	if c := replay.connection(t); c.ID != created.ID || c.Version != 2 || len(c.Regions) != 1 {
		t.Errorf("replay after PATCH = %+v, want %s at version 2 with one region", c, created.ID)
	}
	if etag := replay.header.Get("ETag"); etag != `"2"` {
		t.Errorf("replay ETag = %s, want the current version's", etag)
	}

	e.do("DELETE", path, e.rw, "").wantStatus(t, http.StatusNoContent)
	gone := e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-1")
	gone.wantProblem(t, http.StatusGone, "keyed_connection_deleted")
	if !strings.Contains(string(gone.body), created.ID) {
		t.Errorf("replay after delete: %s, want it to name %s", gone.body, created.ID)
	}
	if n := len(e.do("GET", "/v1/aws/connections", e.ro, "").list(t).Connections); n != 1 {
		t.Errorf("%d connections after the replay of a deleted create, want 1 (billing)", n)
	}
	e.do("POST", "/v1/aws/connections", e.rw, body, "Idempotency-Key", "k-2").wantStatus(t, http.StatusCreated)
}
