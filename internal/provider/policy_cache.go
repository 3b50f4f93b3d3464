package provider

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// policyCache holds the generated policies the service returned during one
// Terraform operation, so a for_each over a thousand accounts asks for each
// connection type's policy once instead of once per resource.
type policyCache struct {
	client *client.Client

	// inflight joins the callers that ask for a policy while it is being
	// fetched: they share the one request and its outcome, failure included,
	// and no lock is held while it runs.
	inflight singleflight.Group

	mu       sync.Mutex
	policies map[policyKey]*client.Policy
}

type policyKey struct {
	connectionType string
	billingBucket  string
}

func newPolicyCache(c *client.Client) *policyCache {
	return &policyCache{client: c, policies: map[policyKey]*client.Policy{}}
}

// get returns the generated policy of a connection type. A failed request is
// not cached: callers that come after it has ended try again.
func (pc *policyCache) get(ctx context.Context, connectionType, billingBucket string) (*client.Policy, error) {
	key := policyKey{connectionType, billingBucket}
	if p, ok := pc.cached(key); ok {
		return p, nil
	}
	// The type cannot contain a NUL, so the flight key is unambiguous.
	p, err, _ := pc.inflight.Do(connectionType+"\x00"+billingBucket, func() (any, error) {
		if p, ok := pc.cached(key); ok { // a flight that ended since the look above
			return p, nil
		}
		p, err := pc.client.GetPolicy(ctx, connectionType, billingBucket)
		if err != nil {
			return nil, err
		}
		pc.mu.Lock()
		defer pc.mu.Unlock()
		pc.policies[key] = p
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return p.(*client.Policy), nil
}

func (pc *policyCache) cached(key policyKey) (*client.Policy, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	p, ok := pc.policies[key]
	return p, ok
}
