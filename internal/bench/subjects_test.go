package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// membersFor is the for_each of every subject: n member account IDs.
const membersFor = `toset([for i in range(%d) : format("%%012d", 210000000000 + i)])`

// The configurations measured, one resource per member account, with the
// same attributes set: wait_for_healthy is off, as the issue measures.
const (
	costlinkConfig = `
terraform {
  required_providers {
    costlink = { source = "costlink/costlink" }
  }
}

resource "costlink_aws_connection" "member" {
  for_each         = ` + membersFor + `
  name             = "member-${each.key}"
  role_arn         = "arn:aws:iam::${each.key}:role/costlink-access"
  regions          = ["us-east-1"]
  wait_for_healthy = false
}
`
	noopConfig = `
terraform {
  required_providers {
    noop = { source = "costlink/noop" }
  }
}

resource "noop_aws_connection" "member" {
  for_each         = ` + membersFor + `
  name             = "member-${each.key}"
  role_arn         = "arn:aws:iam::${each.key}:role/costlink-access"
  regions          = ["us-east-1"]
  wait_for_healthy = false
}
`
	terraformDataConfig = `
resource "terraform_data" "member" {
  for_each = ` + membersFor + `
  input = {
    name     = "member-${each.key}"
    role_arn = "arn:aws:iam::${each.key}:role/costlink-access"
    regions  = ["us-east-1"]
  }
}
`
)

// The subjects' names, as the report's columns say them.
const (
	subjectCostlink      = "costlink"
	subjectFloor         = "floor"
	subjectTerraformData = "terraform_data"
)

// checksTimeout bounds the wait for the health checks an apply started.
const checksTimeout = 5 * time.Minute

// subject is one thing measured: a provider's resource per member account.
type subject struct {
	name      string
	exe       string // the provider binary whose peak RSS is read; "" for terraform_data
	workspace func(t *testing.T, n int) workspace
}

// workspace is a fresh working directory of one subject for one run.
type workspace struct {
	dir   string
	env   []string
	proxy *countingProxy // counts the costlink provider's requests; nil for the others
	// settle waits until what the service does after an apply (a health
	// check of each connection created) is done, so that it does not run
	// on the bench's cores during the next measurement.
	settle func(t *testing.T)
}

// newWorkspace writes config for n connections into a new directory.
func newWorkspace(t *testing.T, config string, n int) workspace {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, config, n), 0o600); err != nil {
		t.Fatal(err)
	}
	return workspace{dir: dir, settle: func(*testing.T) {}}
}

// costlinkSubject measures the costlink provider against svc, through
// proxy, each run in a new organization.
func costlinkSubject(c *cli, svc *acctest.Service, proxy *countingProxy) subject {
	return subject{name: subjectCostlink, exe: c.costlink, workspace: func(t *testing.T, n int) workspace {
		t.Helper()
		org := newOrgWithPayer(t, svc)
		ws := newWorkspace(t, costlinkConfig, n)
		ws.env = []string{client.EnvAPIURL + "=" + proxy.URL, client.EnvAPIKey + "=" + org.APIKey}
		ws.proxy = proxy
		ws.settle = func(t *testing.T) { awaitChecks(t, org) }
		return ws
	}}
}

// newOrgWithPayer makes an organization in svc holding its payer
// account's connection, which member connections need.
func newOrgWithPayer(t *testing.T, svc *acctest.Service) *acctest.Org {
	t.Helper()
	org := svc.NewOrg(t)
	if _, err := org.Client.CreateConnection(t.Context(), client.CreateConnectionRequest{
		Name: "payer", Type: validate.TypeBilling, RoleARN: "arn:aws:iam::111111111111:role/costlink-billing-access",
		BillingBucket: "acme-billing-export",
	}, ""); err != nil {
		t.Fatalf("creating the payer account's connection: %v", err)
	}
	return org
}

func floorSubject(c *cli) subject {
	return subject{name: subjectFloor, exe: c.noop, workspace: func(t *testing.T, n int) workspace {
		return newWorkspace(t, noopConfig, n)
	}}
}

func terraformDataSubject() subject {
	return subject{name: subjectTerraformData, workspace: func(t *testing.T, n int) workspace {
		return newWorkspace(t, terraformDataConfig, n)
	}}
}

// awaitChecks waits until every connection of org has had its first
// check. (Its status may stay pending after it: a role AWS refuses while
// IAM may still propagate is pending, not unhealthy.)
func awaitChecks(t *testing.T, org *acctest.Org) {
	t.Helper()
	deadline := time.Now().Add(checksTimeout)
	for {
		unchecked := 0
		for _, conn := range org.Connections(t) {
			if conn.Health.CheckedAt == nil {
				unchecked++
			}
		}
		if unchecked == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections of %s still wait for their first health check after %s", unchecked, org.Name, checksTimeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
