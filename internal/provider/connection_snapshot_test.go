package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

// snapshotService is a service holding connections conn_0 to conn_<n-1>,
// each at version 2, listed in pages of at most 1,000; it counts lists and
// GETs. While failLists is set, lists answer 500.
type snapshotService struct {
	n         int
	lists     atomic.Int32
	gets      atomic.Int32
	failLists atomic.Bool
}

func newSnapshot(t *testing.T, svc *snapshotService) *connectionSnapshot {
	t.Helper()
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "clk_test", MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	return newConnectionSnapshot(c)
}

func (s *snapshotService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if id, ok := strings.CutPrefix(r.URL.Path, "/v1/aws/connections/"); ok {
		s.gets.Add(1)
		if n, err := strconv.Atoi(strings.TrimPrefix(id, "conn_")); err != nil || n >= s.n {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"status":404,"title":"Not Found"}`))
			return
		}
		w.Header().Set("ETag", `"2"`)
		_ = json.NewEncoder(w).Encode(snapshotConnection(id))
		return
	}
	s.lists.Add(1)
	if s.failLists.Load() {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	page := struct {
		Connections []client.Connection `json:"connections"`
		NextCursor  string              `json:"next_cursor"`
	}{Connections: []client.Connection{}}
	for i := start; i < s.n && i < start+limit; i++ {
		page.Connections = append(page.Connections, snapshotConnection(fmt.Sprintf("conn_%d", i)))
	}
	if start+limit < s.n {
		page.NextCursor = strconv.Itoa(start + limit)
	}
	_ = json.NewEncoder(w).Encode(page)
}

func snapshotConnection(id string) client.Connection {
	return client.Connection{ID: id, Name: strings.ReplaceAll(id, "_", "-"), Type: "resource", Version: 2,
		Health: client.Health{Status: client.HealthHealthy}}
}

// Measured in issue 10: a refresh of 1,000 connections sent 1,000 GETs.
func TestConnectionSnapshotReadsAThousandConnectionsFromOneList(t *testing.T) {
	svc := &snapshotService{n: 1000}
	snapshot := newSnapshot(t, svc)

	var wg sync.WaitGroup
	errs := make(chan error, svc.n)
	for i := range svc.n {
		wg.Go(func() {
			id := fmt.Sprintf("conn_%d", i)
			conn, err := snapshot.connection(context.Background(), id)
			switch {
			case err != nil:
				errs <- err
			case conn.ID != id || conn.ETag != `"2"` || conn.Health.Status != client.HealthHealthy:
				errs <- fmt.Errorf("%s: got %s with ETag %s and health %q, want it with ETag \"2\", healthy", id, conn.ID, conn.ETag, conn.Health.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if lists, gets := svc.lists.Load(), svc.gets.Load(); lists != 1 || gets != 0 {
		t.Errorf("%d lists and %d GETs, want 1 list and no GET", lists, gets)
	}
}

func TestConnectionSnapshotGetsWhatItDoesNotHold(t *testing.T) {
	svc := &snapshotService{n: 3}
	snapshot := newSnapshot(t, svc)
	if _, err := snapshot.connection(context.Background(), "conn_0"); err != nil {
		t.Fatal(err)
	}
	svc.n = 4 // conn_3 created after the list

	conn, err := snapshot.connection(context.Background(), "conn_3")
	if err != nil || conn.ETag != `"2"` {
		t.Fatalf("a connection created after the list: %+v, %v; want it read with a GET", conn, err)
	}
	if _, err := snapshot.connection(context.Background(), "conn_9"); !client.IsNotFound(err) {
		t.Errorf("a connection the service does not hold: %v, want not found", err)
	}
	if lists, gets := svc.lists.Load(), svc.gets.Load(); lists != 1 || gets != 2 {
		t.Errorf("%d lists and %d GETs, want 1 list and 2 GETs", lists, gets)
	}
}

func TestConnectionSnapshotListsAgainAfterAFailedList(t *testing.T) {
	svc := &snapshotService{n: 2}
	snapshot := newSnapshot(t, svc)
	svc.failLists.Store(true)
	if _, err := snapshot.connection(context.Background(), "conn_0"); err == nil {
		t.Fatal("a failed list was not reported")
	}

	svc.failLists.Store(false)
	if _, err := snapshot.connection(context.Background(), "conn_1"); err != nil {
		t.Fatalf("after a failed list: %v, want the list taken again", err)
	}
	if lists := svc.lists.Load(); lists != 2 {
		t.Errorf("%d lists, want 2: the failed one and the one after it", lists)
	}
}

func TestConnectionSnapshotServesThisProcessesChanges(t *testing.T) {
	svc := &snapshotService{n: 3}
	snapshot := newSnapshot(t, svc)
	ctx := context.Background()
	if _, err := snapshot.connection(ctx, "conn_0"); err != nil {
		t.Fatal(err)
	}

	updated := snapshotConnection("conn_1")
	updated.Name, updated.Version, updated.ETag = "renamed", 3, `"3"`
	updated.Health = client.Health{Status: client.HealthPending}
	snapshot.record(&updated)
	snapshot.recordHealth("conn_1", client.Health{Status: client.HealthUnhealthy, CheckedAt: new(time.Now())})
	snapshot.recordDeleted("conn_2")
	snapshot.recordHealth("conn_0", client.Health{Status: client.HealthUnhealthy}) // a data source's check
	snapshot.recordHealth("conn_2", client.Health{Status: client.HealthHealthy})   // a check that ended after the delete

	if conn, err := snapshot.connection(ctx, "conn_0"); err != nil || conn.Health.Status != client.HealthUnhealthy || conn.ETag != `"2"` {
		t.Errorf("a listed connection this process checked: %+v, %v; want it unhealthy, as the check found, with the listed ETag", conn, err)
	}
	conn, err := snapshot.connection(ctx, "conn_1")
	if err != nil || conn.Name != "renamed" || conn.ETag != `"3"` || conn.Health.Status != client.HealthUnhealthy {
		t.Errorf("an updated connection: %+v, %v; want it renamed, with ETag \"3\" and the health its wait ended with", conn, err)
	}
	conn.Name = "changed by a caller"
	if again, _ := snapshot.connection(ctx, "conn_1"); again.Name != "renamed" {
		t.Errorf("a caller's change reached the snapshot: %q", again.Name)
	}
	if _, err := snapshot.connection(ctx, "conn_2"); !client.IsNotFound(err) {
		t.Errorf("a deleted connection: %v, want not found", err)
	}
	if lists, gets := svc.lists.Load(), svc.gets.Load(); lists != 1 || gets != 0 {
		t.Errorf("%d lists and %d GETs, want 1 list and no GET", lists, gets)
	}
}

// A change recorded before the list's answer arrives is not overwritten by
// the older copy the list brings.
func TestConnectionSnapshotKeepsChangesMadeWhileListing(t *testing.T) {
	release := make(chan struct{})
	svc := &snapshotService{n: 2}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		svc.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "clk_test", MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	snapshot := newConnectionSnapshot(c)
	listed := make(chan error)
	go func() {
		_, err := snapshot.connection(context.Background(), "conn_0")
		listed <- err
	}()
	snapshot.recordDeleted("conn_1")
	close(release)
	if err := <-listed; err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.connection(context.Background(), "conn_1"); !client.IsNotFound(err) {
		t.Errorf("a connection deleted while the list was under way: %v, want not found", err)
	}
}

// Read compares with equal before it writes state: an attribute equal
// leaves out would keep a change out of state.
func TestAWSConnectionModelEqualComparesEveryAttribute(t *testing.T) {
	ctx := context.Background()
	var base awsConnectionResourceModel
	conn := snapshotConnection("conn_0")
	conn.Regions = []string{"us-east-1"}
	if diags := base.fromAPI(ctx, &conn); diags.HasError() {
		t.Fatal(diags)
	}
	base.AssumeRoleARN, base.AssumeRoleExternalID = types.StringNull(), types.StringNull()
	timeoutTypes := map[string]attr.Type{"create": types.StringType, "update": types.StringType}
	base.Timeouts = timeouts.Value{Object: types.ObjectNull(timeoutTypes)}
	if !base.equal(&base) {
		t.Fatal("a model is not equal to itself")
	}

	fields := reflect.TypeFor[awsConnectionResourceModel]()
	for i := range fields.NumField() {
		changed := base
		field := reflect.ValueOf(&changed).Elem().Field(i)
		var other attr.Value
		switch v := field.Interface().(type) {
		case types.String:
			other = types.StringValue(v.ValueString() + "-changed")
		case types.Bool:
			other = types.BoolValue(!v.ValueBool())
		case types.Set:
			other = types.SetValueMust(types.StringType, []attr.Value{types.StringValue("eu-west-1")})
		case types.List:
			other = types.ListUnknown(healthDetailType)
		case timeouts.Value:
			other = timeouts.Value{Object: types.ObjectUnknown(timeoutTypes)}
		default:
			t.Fatalf("field %s: no changed value for %T; add one here", fields.Field(i).Name, v)
		}
		field.Set(reflect.ValueOf(other))
		if base.equal(&changed) {
			t.Errorf("equal misses a change of %s", fields.Field(i).Name)
		}
	}
}
