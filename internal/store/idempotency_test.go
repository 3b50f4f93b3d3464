package store

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func idem(key, hash string) *Idempotency {
	return &Idempotency{Key: key, RequestHash: hash, Render: func(c Connection) (Response, error) {
		return Response{Status: 201, Body: []byte(c.ID)}, nil
	}}
}

func TestCreateConnectionIdempotency(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	org := testOrg(t, s, "acme")
	c := conn(org.ID, validate.TypeBilling, 1)

	first, err := s.CreateConnection(ctx, c, idem("k1", "h1"))
	if err != nil || first.Replayed || string(first.Response.Body) != first.Connection.ID {
		t.Fatalf("first create = %+v, %v", first, err)
	}
	replay, err := s.CreateConnection(ctx, c, idem("k1", "h1"))
	if err != nil || !replay.Replayed || replay.Response.Status != 201 || string(replay.Response.Body) != first.Connection.ID {
		t.Fatalf("replay = %+v, %v; want the first response", replay, err)
	}
	if _, err := s.CreateConnection(ctx, c, idem("k1", "h2")); !errors.Is(err, ErrIdempotencyKeyReused) {
		t.Errorf("same key, other request: err = %v, want ErrIdempotencyKeyReused", err)
	}
	// Keys are per organization.
	other := testOrg(t, s, "globex")
	if out, err := s.CreateConnection(ctx, conn(other.ID, validate.TypeBilling, 1), idem("k1", "h2")); err != nil || out.Replayed {
		t.Errorf("same key in another organization = %+v, %v; want a new connection", out, err)
	}
	assertCount(t, s, org.ID, 1)
}

func TestCreateConnectionIdempotencyIsOneTransaction(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	org := testOrg(t, s, "acme")
	failing := &Idempotency{Key: "k", RequestHash: "h", Render: func(Connection) (Response, error) {
		return Response{}, errors.New("render failed")
	}}
	if _, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 1), failing); err == nil {
		t.Fatal("CreateConnection succeeded although Render failed")
	}
	assertCount(t, s, org.ID, 0)

	// Concurrent requests with one key create one record and agree on it.
	var (
		wg     sync.WaitGroup
		bodies sync.Map
	)
	for i := range 10 {
		wg.Go(func() {
			out, err := s.CreateConnection(ctx, conn(org.ID, validate.TypeBilling, 1), idem("k", "h"))
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			bodies.Store(string(out.Response.Body), true)
		})
	}
	wg.Wait()
	assertCount(t, s, org.ID, 1)
	n := 0
	bodies.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("concurrent requests got %d different responses, want 1", n)
	}
}
