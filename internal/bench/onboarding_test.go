package bench

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/costlink/terraform-provider-costlink/internal/provider"
)

// Onboarding as the issue measures it: member accounts whose connections
// all wait for health, against the AWS-faithful layer.
const (
	onboardingMembers = 200
	onboardingWindow  = 30 * time.Second
	// onboardingResource is the wait over a set of connections that lets
	// waiting connections not hold Terraform's parallel slots.
	onboardingResource = "costlink_connections_healthy"
)

// providerResources lists the resource types the costlink provider registers.
func providerResources(ctx context.Context) []string {
	p := provider.New("bench")()
	var names []string
	for _, newResource := range p.Resources(ctx) {
		var meta resource.MetadataResponse
		newResource().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "costlink"}, &meta)
		names = append(names, meta.TypeName)
	}
	return names
}

// measureOnboarding reports onboarding; it needs onboardingResource.
func measureOnboarding(ctx context.Context) (figure, goal, ok string) {
	goal = "≤ 2 × (window + the same apply without waiting)"
	if !slices.Contains(providerResources(ctx), onboardingResource) {
		return "not measured: needs " + onboardingResource, goal, "—"
	}
	return "not measured: " + onboardingResource + " has landed; the bench does not drive it yet", goal, "—"
}
