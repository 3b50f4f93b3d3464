package acctest

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// TestServiceRestart checks what the fault suite's restart relies on: the
// service is down for the downtime, then answers on the same address from
// the same database.
func TestServiceRestart(t *testing.T) {
	t.Parallel()
	svc := NewService(t, ServiceOptions{})
	org := svc.NewOrg(t)
	ctx := context.Background()
	created, err := org.Client.CreateConnection(ctx, client.CreateConnectionRequest{
		Name: "payer", Type: "billing", RoleARN: "arn:aws:iam::111111111111:role/costlink", BillingBucket: "acme-billing-export",
	}, "")
	if err != nil {
		t.Fatalf("creating a connection: %v", err)
	}

	refused := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		conn, err := net.Dial("tcp", strings.TrimPrefix(svc.URL(), "http://"))
		if err == nil {
			conn.Close()
		}
		refused <- err
	}()
	url := svc.URL()
	svc.Restart(t, time.Second)
	if err := <-refused; err == nil {
		t.Error("the service accepted a connection while it was down")
	}

	if svc.URL() != url {
		t.Errorf("URL after restart = %s, want %s", svc.URL(), url)
	}
	got, err := org.Client.GetConnection(ctx, created.ID)
	if err != nil {
		t.Fatalf("reading the connection after the restart: %v", err)
	}
	if got.Name != created.Name {
		t.Errorf("connection after restart = %+v, want %+v", got, created)
	}
}
