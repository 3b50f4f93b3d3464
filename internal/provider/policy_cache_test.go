package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// policyService answers GET /v1/aws/policy with answer(type), counting the
// requests per type.
func policyService(t *testing.T, answer func(w http.ResponseWriter, connectionType string)) (*policyCache, map[string]*atomic.Int32) {
	t.Helper()
	requests := map[string]*atomic.Int32{"resource": {}, "billing": {}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		connectionType := r.URL.Query().Get("type")
		requests[connectionType].Add(1)
		answer(w, connectionType)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "clk_test", MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	return newPolicyCache(c), requests
}

func writePolicy(w http.ResponseWriter, version string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(client.Policy{Version: version})
}

// Measured in issue 9: the cache held its lock across the request, so every
// other look-up waited for it, whatever it looked up.
func TestPolicyCacheHoldsNoLockAcrossARequest(t *testing.T) {
	release := make(chan struct{})
	cache, _ := policyService(t, func(w http.ResponseWriter, connectionType string) {
		if connectionType == "resource" {
			<-release
		}
		writePolicy(w, connectionType)
	})
	defer close(release)
	go func() { _, _ = cache.get(context.Background(), "resource", "") }()
	time.Sleep(50 * time.Millisecond) // the resource policy's request is under way

	done := make(chan error, 1)
	go func() {
		_, err := cache.get(context.Background(), "billing", "bucket")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the billing policy waited for the resource policy's request")
	}
}

// Measured in issue 9: a failure was not shared, so each waiting caller made
// the failing request again, one after the other.
func TestPolicyCacheSharesAFailureInFlight(t *testing.T) {
	cache, requests := policyService(t, func(w http.ResponseWriter, _ string) {
		time.Sleep(200 * time.Millisecond) // long enough for every caller to join
		w.WriteHeader(http.StatusNotFound)
	})

	const callers = 5
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := cache.get(context.Background(), "resource", "")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		if !client.IsNotFound(err) {
			t.Errorf("error = %v, want the service's 404", err)
		}
	}
	if n := requests["resource"].Load(); n != 1 {
		t.Errorf("%d requests, want the callers to share 1", n)
	}

	// A failure is not kept: the next look-up asks again.
	if _, err := cache.get(context.Background(), "resource", ""); err == nil {
		t.Fatal("want the 404 again")
	}
	if n := requests["resource"].Load(); n != 2 {
		t.Errorf("%d requests, want a new one after the failed flight ended", n)
	}
}

func TestPolicyCacheAsksOncePerType(t *testing.T) {
	cache, requests := policyService(t, func(w http.ResponseWriter, connectionType string) {
		writePolicy(w, "v-"+connectionType)
	})
	for range 3 {
		for _, connectionType := range []string{"resource", "billing"} {
			p, err := cache.get(context.Background(), connectionType, "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Version != "v-"+connectionType {
				t.Errorf("version = %q, want v-%s", p.Version, connectionType)
			}
		}
	}
	for connectionType, n := range requests {
		if n.Load() != 1 {
			t.Errorf("%d requests for the %s policy, want 1", n.Load(), connectionType)
		}
	}
}
