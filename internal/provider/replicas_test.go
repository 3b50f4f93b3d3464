package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

const (
	// replicasMembers is the number of member connections applied.
	replicasMembers = 100
	// replicasKillAt is how many connections exist before replica 0 is
	// killed, with the next create it is sent: creates are under way on
	// both replicas then.
	replicasKillAt = 30
	// replicasPoll is how often the database is counted to find that moment.
	replicasPoll = 50 * time.Millisecond
)

// replicasConfig is the payer account's connection and replicasMembers
// member connections after it.
var replicasConfig = billingConnectionHCL + fmt.Sprintf(`
resource "costlink_aws_connection" "member" {
  count            = %d
  name             = format("member-%%03d", count.index)
  role_arn         = format("arn:aws:iam::%%012d:role/costlink-access", 210000000000 + count.index)
  regions          = ["us-east-1"]
  wait_for_healthy = false

  depends_on = [costlink_aws_connection.payer]
}
`, replicasMembers)

// TestAccReplicas_killedMidApply applies 101 connections through the real
// terraform CLI to two costlink-server processes on one PostgreSQL behind
// a round-robin proxy, and kills one of them with SIGKILL mid-apply. The
// provider converges through its retries and idempotency keys alone: the
// database then holds each connection of the state once, with the state's
// ID, and nothing else; the next plan is empty. The killed replica, started
// again, serves the destroy beside the other.
func TestAccReplicas_killedMidApply(t *testing.T) {
	replicas := acctest.NewReplicas(t, acctest.ReplicasOptions{Count: 2})
	org := replicas.NewOrg(t)
	config := org.ProviderConfig() + replicasConfig

	ctx, stopWatching := context.WithCancel(t.Context())
	defer stopWatching()
	killed := killReplicaAt(ctx, replicas, org, 0, replicasKillAt)
	var kill replicaKill
	var answeredBeforeRestart int
	started := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(state *terraform.State) error {
					applied := time.Since(started)
					stopWatching()
					kill = <-killed
					if kill.err != nil {
						return kill.err
					}
					if kill.existing >= replicasMembers+1 {
						return fmt.Errorf("replica 0 was killed once all %d connections existed, not mid-apply", kill.existing)
					}
					adopted, err := checkCutCreateAdopted(t.Context(), state, replicas, org, kill.key)
					fmt.Printf("REPLICAS apply=%s killed_after=%s stored_at_kill=%d cut_after_commit=%s proxy: %s\n",
						applied.Round(time.Millisecond), kill.after.Round(time.Millisecond), kill.existing, adopted, replicas.Counts())
					return errors.Join(err, checkStateMatchesDatabase(t.Context(), state, replicas, org, replicasMembers+1))
				},
			},
			{
				PreConfig: func() {
					replicas.Restart(t, 0)
					answeredBeforeRestart = replicas.Counts().Answered[0]
				},
				Config:   config,
				PlanOnly: true,
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if answered := replicas.Counts().Answered[0]; answered == answeredBeforeRestart {
				return fmt.Errorf("replica 0 answered no request after its restart (proxy: %s)", replicas.Counts())
			}
			stored, err := replicas.StoredConnections(t.Context(), org)
			if err != nil {
				return err
			}
			if len(stored) != 0 {
				return fmt.Errorf("%d connections are left in the database after destroy: %v", len(stored), stored)
			}
			return nil
		},
	})
}

// replicaKill is when killReplicaAt killed its replica, or why it did not.
type replicaKill struct {
	existing int           // connections stored when it began to wait for a create
	after    time.Duration // since the watch began
	key      string        // the Idempotency-Key of the create it cut after its commit
	err      error
}

// killReplicaAt watches org's connections in the database and, once at
// least n exist, kills replica i between committing a create and answering
// it (see acctest.Replicas.KillAfterCommit). The result arrives once, on the
// channel; a watch that ctx ends first reports that it never killed.
func killReplicaAt(ctx context.Context, replicas *acctest.Replicas, org *acctest.Org, i, n int) <-chan replicaKill {
	result := make(chan replicaKill, 1)
	began := time.Now()
	go func() {
		existing, err := awaitStored(ctx, replicas, org, n)
		if err != nil {
			result <- replicaKill{err: fmt.Errorf("replica %d was never killed: %w", i, err)}
			return
		}
		key, err := replicas.KillAfterCommit(ctx, org, i)
		result <- replicaKill{existing: existing, after: time.Since(began), key: key, err: err}
	}()
	return result
}

// awaitStored polls until org has at least n connections in the database,
// and returns how many it has.
func awaitStored(ctx context.Context, replicas *acctest.Replicas, org *acctest.Org, n int) (int, error) {
	ticker := time.NewTicker(replicasPoll)
	defer ticker.Stop()
	for {
		stored, err := replicas.StoredConnections(ctx, org)
		if ctx.Err() != nil {
			return 0, fmt.Errorf("fewer than %d connections were stored while the apply ran", n)
		}
		if err != nil {
			return 0, err
		}
		if len(stored) >= n {
			return len(stored), nil
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		}
	}
}

// checkCutCreateAdopted checks that the create the kill cut after its
// commit was answered 502 (its answer lost), and that the state holds the
// connection it committed: the retry with its Idempotency-Key adopted it
// instead of creating another.
func checkCutCreateAdopted(ctx context.Context, state *terraform.State, replicas *acctest.Replicas, org *acctest.Org, key string) (string, error) {
	if !slices.Contains(replicas.Counts().BadGatewayKeys, key) {
		return "", fmt.Errorf("the create with Idempotency-Key %s, cut after its commit, was not answered 502 by the proxy", key)
	}
	id, err := replicas.KeyedConnection(ctx, org, key)
	if err != nil {
		return "", err
	}
	for _, rs := range state.RootModule().Resources {
		if rs.Primary.ID == id {
			return id, nil
		}
	}
	return "", fmt.Errorf("connection %s, committed by the create the kill cut, is not in the state", id)
}

// checkStateMatchesDatabase checks, from the database's own rows, that the
// organization holds exactly want connections, none sharing a name or an
// account and type (0 duplicates), each a connection of the state with the
// state's ID and name (none orphaned), and each of the state stored (0 lost).
func checkStateMatchesDatabase(ctx context.Context, state *terraform.State, replicas *acctest.Replicas, org *acctest.Org, want int) error {
	stored, err := replicas.StoredConnections(ctx, org)
	if err != nil {
		return err
	}
	var errs []error
	if len(stored) != want {
		errs = append(errs, fmt.Errorf("the database holds %d connections, want %d", len(stored), want))
	}
	byID := map[string]acctest.StoredConnection{}
	byName := map[string]string{}
	byAccountType := map[string]string{}
	for _, c := range stored {
		byID[c.ID] = c
		if other, ok := byName[c.Name]; ok {
			errs = append(errs, fmt.Errorf("duplicate: connections %s and %s are both named %q", other, c.ID, c.Name))
		}
		byName[c.Name] = c.ID
		accountType := c.AccountID + "/" + c.Type
		if other, ok := byAccountType[accountType]; ok {
			errs = append(errs, fmt.Errorf("duplicate: connections %s and %s are both the %s connection of account %s", other, c.ID, c.Type, c.AccountID))
		}
		byAccountType[accountType] = c.ID
	}
	inState := 0
	for address, rs := range state.RootModule().Resources {
		if rs.Type != "costlink_aws_connection" {
			continue
		}
		inState++
		c, ok := byID[rs.Primary.ID]
		if !ok {
			errs = append(errs, fmt.Errorf("lost: %s (%s) is in the state, not in the database", address, rs.Primary.ID))
			continue
		}
		if name := rs.Primary.Attributes["name"]; c.Name != name {
			errs = append(errs, fmt.Errorf("%s (%s) is named %q in the state, %q in the database", address, c.ID, name, c.Name))
		}
		delete(byID, c.ID)
	}
	if inState != want {
		errs = append(errs, fmt.Errorf("the state holds %d connections, want %d", inState, want))
	}
	for _, c := range byID {
		errs = append(errs, fmt.Errorf("orphaned: connection %s (%s) is in the database, in no resource of the state", c.ID, c.Name))
	}
	return errors.Join(errs...)
}
