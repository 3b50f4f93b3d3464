package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// refreshConfig manages the members var.ids names, imported by ID.
const refreshConfig = `
terraform {
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}

provider "costlink" {}

variable "ids" {
  type = map(string)
}

resource "costlink_aws_connection" "member" {
  for_each = var.ids
  name     = each.key
  role_arn = "arn:aws:iam::${trimprefix(each.key, "member-")}:role/costlink-access"
  regions  = ["us-east-1"]
}

import {
  for_each = var.ids
  to       = costlink_aws_connection.member[each.key]
  id       = each.value
}
`

// refreshMembersEnv sets how many member accounts
// TestAccAWSConnection_refreshRequests plans; make test plans 300, make
// bench 1,000 (the organization of issue 10).
const refreshMembersEnv = "COSTLINK_REFRESH_MEMBERS"

// Measured in issue 10: a plan of 1,000 connections sent 1,000 API
// requests, one GET per resource. A plan now sends the provider's first
// contact and one list of pages of 1,000: for 300 members and their payer 2
// requests, for 1,000 members and their payer 3.
func TestAccAWSConnection_refreshRequests(t *testing.T) {
	org := acctest.NewOrg(t) // skips without TF_ACC
	t.Parallel()
	members := refreshMembers(t)
	budget := 1 + (members+1+999)/1000 // the first contact, then pages of 1,000
	terraform := acctest.Terraform(t)
	env := append(examplesEnv(t, acctest.ModuleRoot(t)), client.EnvAPIKey+"="+org.APIKey)

	// An onboarded organization: its payer, then its members, all healthy.
	requests := []client.CreateConnectionRequest{{Name: "payer", Type: validate.TypeBilling,
		RoleARN: roleARN(testPayerAccount, "costlink-billing-access"), BillingBucket: "acme-billing-export"}}
	for i := range members {
		account := fmt.Sprintf("%012d", 400000000000+i)
		requests = append(requests, client.CreateConnectionRequest{Name: "member-" + account, Type: validate.TypeResource,
			RoleARN: "arn:aws:iam::" + account + ":role/costlink-access", Regions: []string{"us-east-1"}})
	}
	ids := map[string]string{}
	for i, id := range org.SeedConnections(t, requests)[1:] {
		ids[requests[i+1].Name] = id
	}
	dir := t.TempDir()
	writeRefreshConfig(t, dir, ids)

	run := func(apiURL string, args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), terraform, args...)
		cmd.Dir, cmd.Env = dir, append(slices.Clone(env), client.EnvAPIURL+"="+apiURL)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(org.APIURL, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		t.Fatalf("importing %d connections: %v\n%s", members, err, tail(out, 40))
	}

	proxy := acctest.NewFaultProxy(t, org.APIURL, acctest.FaultProxyOptions{}) // counts, faults nothing
	started := time.Now()
	out, err := run(proxy.URL, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	elapsed := time.Since(started)
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) && exit.ExitCode() == 2 {
		t.Errorf("the plan after the import proposes changes; want none:\n%s", tail(out, 40))
	} else if err != nil {
		t.Fatalf("terraform plan: %v\n%s", err, tail(out, 40))
	}
	got := proxy.Counts().Requests
	line := fmt.Sprintf("REFRESH members=%d requests=%d budget=%d plan=%s", members, got, budget, elapsed.Round(100*time.Millisecond))
	t.Log(line)
	fmt.Println(line)
	if got > budget {
		t.Errorf("a plan of %d connections sent %d API requests, want at most %d", members, got, budget)
	}
}

// refreshMembers is COSTLINK_REFRESH_MEMBERS, or 300.
func refreshMembers(t *testing.T) int {
	t.Helper()
	value := os.Getenv(refreshMembersEnv)
	if value == "" {
		return 300
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q is not a number of members: want a whole number from 1", refreshMembersEnv, value)
	}
	return n
}

// writeRefreshConfig writes the configuration and its IDs into dir.
func writeRefreshConfig(t *testing.T, dir string, ids map[string]string) {
	t.Helper()
	vars, err := json.Marshal(map[string]any{"ids": ids})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(refreshConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), vars, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The ETag a listed connection carries is the one a GET of it answers, so
// an update after a refresh from the list sends a precondition that holds.
func TestAccConnectionList_etagOfGet(t *testing.T) {
	org := acctest.NewOrg(t)
	t.Parallel()
	ids := org.SeedConnections(t, []client.CreateConnectionRequest{{Name: "payer", Type: validate.TypeBilling,
		RoleARN: roleARN(testPayerAccount, "costlink-billing-access"), BillingBucket: "acme-billing-export"}})
	name := "renamed"
	if _, err := org.Client.UpdateConnection(t.Context(), ids[0], client.UpdateConnectionRequest{Name: &name}, ""); err != nil {
		t.Fatal(err)
	}
	got, err := org.Client.GetConnection(t.Context(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	listed := org.Connections(t)
	if len(listed) != 1 || listed[0].ETag != got.ETag || got.ETag == "" {
		t.Errorf("listed %+v, want the connection with the ETag a GET answers, %s", listed, got.ETag)
	}
}
