package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// requestFields are the keys of a connection request body, exactly as the
// API spells them.
var requestFields = []string{"name", "type", "role_arn", "billing_bucket", "regions"}

// seedRoleARN is a valid role for the seeds.
const seedRoleARN = "arn:aws:iam::123456789012:role/costlink"

// createBodySeeds are the create bodies the fuzz tests start from, with
// their Content-Type.
var createBodySeeds = [][2]string{
	{"application/json", resourceBody("prod", "123456789012")},
	{"application/json; charset=utf-8", billingBody("payer-2", "210987654321")},
	{"Application/JSON", `{"name":"prod","role_arn":"` + seedRoleARN + `","regions":["us-east-1","us-esat-1"]}`},
	{"application/json", `{"name":"Prod.EU","role_arn":"x","type":"payer","billing_bucket":"Bad_Bucket","regions":"us-east-1"}`},
	{"application/json", `{"name":"prod","name":"dev","role_arn":"` + seedRoleARN + `"}`},
	{"application/json", `{"name":5,"role_arn":"` + seedRoleARN + `","extra":[{"a":{"b":1,"b":2}}]}`},
	{"application/json", `{"name":` + strings.Repeat("[", 40)},
	{"application/json", `{} {}`},
	{"application/json", `["prod"]`},
	{"application/json", ""},
	{"text/plain", resourceBody("prod", "123456789012")},
	{"", `{"name":"prod"}`},
	{"application/json; charset", `{"name":"prod"}`},
}

// maxFieldMessage bounds one field error: a message quotes at most a cut
// of the input (validate.QuoteInput), however long the input is.
const maxFieldMessage = 2 << 10

// FuzzDecodeCreateRequest runs arbitrary bodies and Content-Types through
// the create request's decoding and validation alone, thousands of times
// faster than FuzzCreateConnectionBody: a refusal is a bounded client-error
// problem, and what passes is a valid connection from a body any JSON
// parser reads the same way.
func FuzzDecodeCreateRequest(f *testing.F) {
	for _, seed := range createBodySeeds {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r := httptest.NewRequest(http.MethodPost, connectionsPath, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		var req createRequest
		err := decodeJSON(httptest.NewRecorder(), r, &req)
		var c store.Connection
		if err == nil {
			c, err = req.connection()
		}
		if err != nil {
			var p *problem
			if !errors.As(err, &p) {
				t.Fatalf("refused with %T %v, want a problem", err, err)
			}
			wantProblemShape(t, p)
			return
		}
		wantValid(t, toJSON(c))
		wantPlainKeys(t, body)
	})
}

// FuzzCreateConnectionBody posts arbitrary bodies and Content-Types to
// /v1/aws/connections. The service never fails with a 5xx; a refusal is a
// short problem+json and stores nothing; a created connection is valid and
// was asked for in a body that any JSON parser reads the same way.
// TestCreateConnectionValidation, TestBodyMustBeJSON and
// TestDuplicateKeysRefused have the named cases.
func FuzzCreateConnectionBody(f *testing.F) {
	for _, seed := range createBodySeeds {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		e := newEnv(t, Config{})
		e.withBilling()
		res := e.do(http.MethodPost, connectionsPath, e.rw, body, "Content-Type", contentType)
		if res.status != http.StatusCreated {
			res.wantRefusal(t)
			e.wantConnections(1)
			return
		}
		c := res.connection(t)
		wantValid(t, c)
		wantPlainKeys(t, body)
		if got := e.do(http.MethodGet, connectionsPath+"/"+c.ID, e.ro, ""); !bytes.Equal(got.body, res.body) {
			t.Fatalf("created %s, but GET returns %s", res.body, got.body)
		}
		e.wantConnections(2)
	})
}

// FuzzUpdateConnectionBody sends arbitrary PATCH bodies and Content-Types
// for a billing connection: a refusal changes nothing, and an accepted
// change leaves a valid connection of the same type. TestUpdateConnection
// has the named cases.
func FuzzUpdateConnectionBody(f *testing.F) {
	for _, seed := range [][2]string{
		{"application/json", `{"name":"renamed","regions":["ap-east-1","eu-south-1","ap-east-1"]}`},
		{"application/json", `{"type":"billing","billing_bucket":"other.bucket"}`},
		{"application/json", `{"type":"resource","name":"Bad"}`},
		{"application/json", `{"billing_bucket":""}`},
		{"application/json", `{"role_arn":"arn:aws:iam::999999999999:role/costlink-billing"}`},
		{"application/json", `{"regions":null,"name":null}`},
		{"application/json", `{"name":"a","name":"b"}`},
		{"application/json", `{"name":`},
		{"text/plain", `{"name":"renamed"}`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		e := newEnv(t, Config{})
		billing := e.withBilling()
		path := connectionsPath + "/" + billing.ID
		before := e.do(http.MethodGet, path, e.ro, "")
		res := e.do(http.MethodPatch, path, e.rw, body, "Content-Type", contentType)
		after := e.do(http.MethodGet, path, e.ro, "")
		if res.status != http.StatusOK {
			res.wantRefusal(t)
			if !bytes.Equal(after.body, before.body) {
				t.Fatalf("a refused PATCH (%d) changed the connection from %s to %s", res.status, before.body, after.body)
			}
			return
		}
		c := res.connection(t)
		wantValid(t, c)
		wantPlainKeys(t, body)
		if !bytes.Equal(after.body, res.body) {
			t.Fatalf("PATCH answered %s, but GET returns %s", res.body, after.body)
		}
		if c.Type != billing.Type || c.ID != billing.ID || (c.Version != billing.Version && c.Version != billing.Version+1) {
			t.Fatalf("PATCH of %+v gave %+v", billing, c)
		}
	})
}

// wantRefusal checks that r refuses a request the way the API promises:
// a problem+json body that wantProblemShape accepts, with r's status.
func (r response) wantRefusal(t *testing.T) {
	t.Helper()
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("response %d %s is not a problem: %v", r.status, r.body, err)
	}
	if ct := r.header.Get("Content-Type"); p.Status != r.status || ct != "application/problem+json" {
		t.Fatalf("got %d %s (Content-Type %q), want a problem+json of that status", r.status, r.body, ct)
	}
	wantProblemShape(t, &p)
}

// wantProblemShape checks that p is a client error with a code, a title, a
// detail and field errors of bounded length.
func wantProblemShape(t *testing.T, p *problem) {
	t.Helper()
	if p.Status < 400 || p.Status >= 500 || !strings.HasPrefix(p.Type, "urn:costlink:problem:") || p.Title == "" || p.Detail == "" {
		t.Fatalf("got %+v, want a 4xx problem with a title and a detail", p)
	}
	for _, fe := range p.Errors {
		if fe.Field == "" || fe.Message == "" || len(fe.Message) > maxFieldMessage {
			t.Fatalf("field error %q of %d bytes: want a field and a message of at most %d bytes", fe.Field, len(fe.Message), maxFieldMessage)
		}
	}
	if limit := (len(p.Errors) + 1) * maxFieldMessage; len(p.Detail) > limit {
		t.Fatalf("problem detail of %d bytes, want at most %d", len(p.Detail), limit)
	}
}

// wantValid checks a connection the service accepted against the rules
// both sides share.
func wantValid(t *testing.T, c connectionJSON) {
	t.Helper()
	arn, err := validate.ParseRoleARN(c.RoleARN)
	switch {
	case err != nil:
		t.Fatalf("accepted %+v: %v", c, err)
	case arn.AccountID != c.AccountID:
		t.Fatalf("accepted %+v with account %s, but its role is in %s", c, c.AccountID, arn.AccountID)
	case validate.ConnectionName(c.Name) != nil, validate.ConnectionType(c.Type) != nil, validate.BillingBucket(c.Type, c.BillingBucket) != nil:
		t.Fatalf("accepted an invalid connection %+v", c)
	case len(c.Regions) > validate.KnownRegionCount() || !slices.IsSorted(c.Regions) || len(slices.Compact(slices.Clone(c.Regions))) != len(c.Regions):
		t.Fatalf("accepted regions %q: want at most %d, sorted, without repeats", c.Regions, validate.KnownRegionCount())
	}
	for _, region := range c.Regions {
		if err := validate.Region(region); err != nil {
			t.Fatalf("accepted region %q: %v", region, err)
		}
	}
}

// wantPlainKeys checks that an accepted body names each field exactly as
// the API spells it: encoding/json matches keys without regard to case, so
// a body with "Name" beside "name" reads differently to another parser.
func wantPlainKeys(t *testing.T, body string) {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		t.Fatalf("accepted a body that is not a JSON object: %q: %v", body, err)
	}
	for key := range fields {
		if !slices.Contains(requestFields, key) {
			t.Fatalf("accepted a body with the key %q, which is not one of %q: %q", key, requestFields, body)
		}
	}
}
