package provider

import (
	"context"
	"sync"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// policyCache holds the generated policies the service returned during one
// Terraform operation, so a for_each over a thousand accounts asks for each
// connection type's policy once instead of once per resource.
type policyCache struct {
	client *client.Client

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
// not cached: the next caller tries again.
func (pc *policyCache) get(ctx context.Context, connectionType, billingBucket string) (*client.Policy, error) {
	key := policyKey{connectionType, billingBucket}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p, ok := pc.policies[key]; ok {
		return p, nil
	}
	p, err := pc.client.GetPolicy(ctx, connectionType, billingBucket)
	if err != nil {
		return nil, err
	}
	pc.policies[key] = p
	return p, nil
}
