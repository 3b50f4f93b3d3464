package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/provider"
)

// Onboarding as the issue measures it: member accounts whose new roles
// AWS refuses for a propagation window, connected as examples/organization
// connects them (the member-account module, one wait over every
// connection), against the same apply without the wait.
const (
	onboardingMembers = 200
	onboardingWindow  = 30 * time.Second
	// onboardingResource is the one wait over a set of connections.
	onboardingResource = "costlink_connections_healthy"
)

// onboardingConfig connects var.accounts with the member-account module
// of examples/, linked into the working directory; %s is the provider
// block and %s what waits, if anything.
const onboardingConfig = `
terraform {
  required_providers {
    costlink = { source = "costlink/costlink" }
  }
}
%s
variable "accounts" {
  type = set(string)
}

module "member" {
  source   = "./member-account"
  for_each = var.accounts

  name             = "member-${each.key}"
  account_id       = each.key
  wait_for_healthy = false
}
%s`

// onboardingWait is the wait examples/organization makes.
const onboardingWait = `
resource "costlink_connections_healthy" "members" {
  ids = [for m in module.member : m.connection_id]

  timeouts {
    create = "15m"
  }
}
`

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

// measureOnboarding applies onboardingMembers new member accounts twice,
// each time in an organization and accounts of their own, with a service
// that checks health against moto through the AWS-faithful layer: without
// a wait, then with one; the goal is the second within twice the first
// plus one propagation window.
func measureOnboarding(t *testing.T, c *cli, r *report) {
	t.Helper()
	r.onboardingGoal = fmt.Sprintf("≤ %d × (window + the same apply without waiting)", goalOnboardingWait)
	if !slices.Contains(providerResources(t.Context()), onboardingResource) {
		r.onboarding, r.onboardingMet = "not measured: needs "+onboardingResource, "—"
		return
	}
	svc := acctest.NewService(t, acctest.ServiceOptions{}) // health checked against moto
	noWait := onboard(t, c, svc, "")
	withWait := onboard(t, c, svc, onboardingWait)
	bound := onboardingWindow + noWait.elapsed
	ratio := withWait.elapsed.Seconds() / bound.Seconds()
	r.onboarding = fmt.Sprintf("%.1f s waiting vs %.1f s without waiting: %.2f × (window + that)",
		withWait.elapsed.Seconds(), noWait.elapsed.Seconds(), ratio)
	r.onboardingMet = met(ratio <= goalOnboardingWait)
	logRun("onboarding-no-wait", onboardingMembers, 0, opApply, noWait)
	logRun("onboarding-wait", onboardingMembers, 0, opApply, withWait)
}

// onboard applies the onboarding configuration with wait for new member
// accounts whose roles take onboardingWindow to propagate.
func onboard(t *testing.T, c *cli, svc *acctest.Service, wait string) measurement {
	t.Helper()
	moto := acctest.Moto(t)
	org := newOrgWithPayer(t, svc)
	accounts := make([]string, onboardingMembers)
	for i := range accounts {
		accounts[i] = moto.NewMemberAccount(t)
		moto.SetPropagationWindow(accounts[i], onboardingWindow)
	}
	dir := t.TempDir()
	module := filepath.Join(acctest.ModuleRoot(t), "examples", "modules", "member-account")
	if err := os.Symlink(module, filepath.Join(dir, "member-account")); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(onboardingConfig, org.ProviderConfigWithAWS(t, moto), wait)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	vars, err := json.Marshal(map[string][]string{"accounts": accounts})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), vars, 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, dir, nil, "", nil, "get", "-no-color")
	return c.run(t, dir, nil, c.costlink, nil, applyArgs...)
}
