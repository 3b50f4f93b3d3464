package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// A create whose response never arrived (lost on the network, a timeout, an
// interrupted apply, a restarted service) is recognised by the next attempt
// through its Idempotency-Key. The key is derived, not random: from the
// workspace that runs Terraform and the connection's identity (its type and
// account, unique in an organization), so the next apply of the same
// configuration sends the same key and the service answers with the record
// the lost create made. A record created by another workspace, by hand or by
// a create more than a day old (the service forgets keys after 24 hours) has
// another key, or none: it is a conflict to import, never taken over silently.

// maxKeyGenerations bounds the keys tried for one connection: each
// generation is one earlier create whose connection has since been deleted
// (a replacement, a destroy and apply again) within the service's 24 hours.
const maxKeyGenerations = 64

// createConnection registers the planned connection, or adopts the one an
// earlier create with the same key made (Replayed set), changed to the plan
// when the plan has changed since.
func (r *awsConnectionResource) createConnection(ctx context.Context, req client.CreateConnectionRequest, accountID string) (*client.Connection, error) {
	key := createToken("connection", req.Type, accountID)
	for range maxKeyGenerations {
		if _, taken := r.data.createKeys.LoadOrStore(key, struct{}{}); taken {
			return nil, fmt.Errorf("another resource in this configuration already creates a %s connection of account %s; "+
				"an account has one connection of each type in an organization: declare it once", req.Type, accountID)
		}
		conn, err := r.client.CreateConnection(ctx, req, key)
		if client.IsKeyedConnectionDeleted(err) {
			key = nextCreateKey(key)
			continue
		}
		if id := client.KeyedConnectionID(err); id != "" {
			return r.adoptChanged(ctx, id, req)
		}
		if err == nil && conn.Replayed {
			tflog.Info(ctx, "adopted the connection an earlier create made, whose response was lost", map[string]any{"id": conn.ID})
		}
		return conn, err
	}
	return nil, fmt.Errorf("a %s connection of account %s was created and deleted %d times within the service's 24 hours; "+
		"try again tomorrow", req.Type, accountID, maxKeyGenerations)
}

// adoptChanged takes over connection id, which an earlier create of this
// resource made with other values than planned now (the configuration
// changed after that create's response was lost), and applies the plan.
func (r *awsConnectionResource) adoptChanged(ctx context.Context, id string, req client.CreateConnectionRequest) (*client.Connection, error) {
	current, err := r.client.GetConnection(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading connection %s, which an earlier create of this resource made: %w", id, err)
	}
	tflog.Info(ctx, "adopting the connection an earlier create made, whose response was lost, and applying the plan", map[string]any{"id": id})
	regions := req.Regions
	conn, err := r.client.UpdateConnection(ctx, id, client.UpdateConnectionRequest{
		Name: &req.Name, RoleARN: &req.RoleARN, BillingBucket: &req.BillingBucket, Regions: &regions,
	}, current.ETag)
	if err != nil {
		return nil, fmt.Errorf("updating connection %s, which an earlier create of this resource made, to the plan: %w", id, err)
	}
	conn.Replayed = true
	return conn, nil
}

// nextCreateKey derives the key that follows one whose connection was
// deleted. Every apply walks the same chain, so it converges on the same key.
func nextCreateKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "tf-" + base64.RawURLEncoding.EncodeToString(sum[:])
}
