package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// wantConnections checks how many connections acme has.
func (e *env) wantConnections(want int) {
	e.t.Helper()
	if got := len(e.do("GET", "/v1/aws/connections", e.ro, "").wantStatus(e.t, http.StatusOK).list(e.t).Connections); got != want {
		e.t.Errorf("acme has %d connections, want %d", got, want)
	}
}

func TestBodyMustBeJSON(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	body := resourceBody("prod", "123456789012")
	for _, contentType := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "json"} {
		p := e.do("POST", "/v1/aws/connections", e.rw, body, "Content-Type", contentType).
			wantProblem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		if !strings.Contains(p.Detail, "application/json") {
			t.Errorf("Content-Type %q: detail %q does not say what to send", contentType, p.Detail)
		}
	}
	e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"name":"renamed"}`, "Content-Type", "text/plain").
		wantProblem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
	e.wantConnections(1)
	if got := e.do("GET", "/v1/aws/connections/"+billing.ID, e.ro, "").connection(t); got.Name != billing.Name {
		t.Errorf("a refused PATCH renamed the connection to %q", got.Name)
	}

	// Parameters, and the media type in any case, are allowed.
	e.do("POST", "/v1/aws/connections", e.rw, body, "Content-Type", "Application/JSON; charset=utf-8").wantStatus(t, http.StatusCreated)
}

func TestDuplicateKeysRefused(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	arn := "arn:aws:iam::123456789012:role/costlink"
	for body, key := range map[string]string{
		`{"name":"prod","name":"dev","role_arn":"` + arn + `"}`:                          `"name"`,
		`{"name":"prod","role_arn":"` + arn + `","regions":["us-east-1"],"regions":[]}`:  `"regions"`,
		`{"name":"prod","role_arn":"` + arn + `","extra":[{"a":1},{"b":{"c":1,"c":2}}]}`: `"extra[1].b.c"`,
	} {
		p := e.do("POST", "/v1/aws/connections", e.rw, body).wantProblem(t, http.StatusBadRequest, "bad_request")
		if !strings.Contains(p.Detail, "key "+key+" twice") {
			t.Errorf("%s: detail %q does not name the key %s", body, p.Detail, key)
		}
	}
	p := e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"name":"a","name":"b"}`).wantProblem(t, http.StatusBadRequest, "bad_request")
	if !strings.Contains(p.Detail, `"name"`) {
		t.Errorf("PATCH detail %q does not name the key", p.Detail)
	}
	e.wantConnections(1)
	if got := e.do("GET", "/v1/aws/connections/"+billing.ID, e.ro, "").connection(t); got.Version != billing.Version {
		t.Errorf("a refused PATCH changed the connection: %+v", got)
	}
}

// Keys match the API's field names exactly: encoding/json alone would read
// "Name" as name, and fold "ſ" to "s".
func TestInexactKeysRefused(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	arn := "arn:aws:iam::123456789012:role/costlink"
	for body, key := range map[string]string{
		`{"name":"prod","Name":"dev","role_arn":"` + arn + `"}`:            `"Name"`,
		`{"name":"prod","role_arn":"` + arn + `","regionſ":["us-east-1"]}`: `"regionſ"`,
		`{"NAME":"prod","role_arn":"` + arn + `"}`:                         `"NAME"`,
	} {
		p := e.do("POST", "/v1/aws/connections", e.rw, body).wantProblem(t, http.StatusBadRequest, "bad_request")
		if !strings.Contains(p.Detail, "unknown field "+key) {
			t.Errorf("%s: detail %q does not name the field %s", body, p.Detail, key)
		}
	}
	e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"Regions":[]}`).wantProblem(t, http.StatusBadRequest, "bad_request")
	e.wantConnections(1)
}

func TestRefuseDuplicateKeys(t *testing.T) {
	for _, tc := range []struct {
		body string
		dup  bool
		path string
	}{
		{`{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}`, false, ""}, // the same key in different objects
		{`{"a":1,` + "\n" + `"a":1}`, true, "a"},
		{`{"":1,"":2}`, true, ""},
		{`[{"x":[1,{"y":{"z":0,"z":0}}]}]`, true, "[0].x[1].y.z"},
		{`{"a":{"b":1}, "a":{"b":1}}`, true, "a"},
		{`{"a":1,`, false, ""},         // malformed: the decoder explains it
		{`{"a":1} {"a":1}`, false, ""}, // trailing data: the decoder refuses it
	} {
		err := refuseDuplicateKeys([]byte(tc.body))
		if !tc.dup {
			if err != nil {
				t.Errorf("%s: %v, want accepted", tc.body, err)
			}
			continue
		}
		p, ok := err.(*problem)
		if !ok || p.Status != http.StatusBadRequest {
			t.Errorf("%s: %v, want a bad_request problem", tc.body, err)
		} else if want := "key " + validate.QuoteInput(tc.path) + " twice"; !strings.Contains(p.Detail, want) {
			t.Errorf("%s: detail %q, want %q", tc.body, p.Detail, want)
		}
	}

	deep := strings.Repeat("[", maxBodyDepth+1) + strings.Repeat("]", maxBodyDepth+1)
	if p, ok := refuseDuplicateKeys([]byte(deep)).(*problem); !ok || !strings.Contains(p.Detail, "nests deeper") {
		t.Errorf("a body nested %d levels: %v, want refused", maxBodyDepth+1, p)
	}
	if err := refuseDuplicateKeys([]byte(deep[1 : len(deep)-1])); err != nil {
		t.Errorf("a body nested %d levels: %v, want accepted", maxBodyDepth, err)
	}
}

func TestRegionsCappedAtTheRegionsAWSKnows(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	arn := "arn:aws:iam::123456789012:role/costlink"
	many, _ := json.Marshal(strings.Split(strings.Repeat("us-east-1,", 2000)[:len("us-east-1,")*2000-1], ","))
	body := `{"name":"prod","role_arn":"` + arn + `","regions":` + string(many) + `}`

	res := e.do("POST", "/v1/aws/connections", e.rw, body)
	p := res.wantProblem(t, http.StatusUnprocessableEntity, "validation")
	if len(p.Errors) != 1 || p.Errors[0].Field != "regions" ||
		!strings.Contains(p.Errors[0].Message, "2000 regions") || !strings.Contains(p.Detail, "at most the") {
		t.Errorf("2,000 regions: %s", res.body)
	}
	if len(res.body) > 1024 {
		t.Errorf("the problem is %d bytes, want one error, not one per region", len(res.body))
	}
	e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"regions":`+string(many)+`}`).
		wantProblem(t, http.StatusUnprocessableEntity, "validation")
	e.wantConnections(1)
	if got := e.do("GET", "/v1/aws/connections/"+billing.ID, e.ro, "").connection(t); len(got.Regions) != 0 {
		t.Errorf("a refused PATCH stored regions %v", got.Regions)
	}

	// As many as AWS has is allowed.
	atCap, _ := json.Marshal(strings.Split(strings.Repeat("us-east-1,", validate.KnownRegionCount()-1)+"eu-south-1", ","))
	created := e.do("POST", "/v1/aws/connections", e.rw, `{"name":"prod","role_arn":"`+arn+`","regions":`+string(atCap)+`}`).
		wantStatus(t, http.StatusCreated).connection(t)
	if len(created.Regions) != 2 {
		t.Errorf("regions = %v, want the two distinct ones", created.Regions)
	}
}

// TestOpenAPIRegionCap keeps the document's maxItems the count the service enforces.
func TestOpenAPIRegionCap(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				RegionList struct {
					MaxItems int `yaml:"maxItems"`
				} `yaml:"RegionList"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Components.Schemas.RegionList.MaxItems, validate.KnownRegionCount(); got != want {
		t.Errorf("openapi.yaml RegionList maxItems = %d, want %d, the regions AWS knows", got, want)
	}
}

// TestErrorsCutLongInput: a problem never repeats a long input in full.
func TestErrorsCutLongInput(t *testing.T) {
	e := newEnv(t, Config{})
	billing := e.withBilling()
	long := strings.Repeat("x", 900_000)
	longKey := strings.Repeat("k", 400_000) // twice fits in a body
	for name, res := range map[string]response{
		"ID in the path":  e.do("GET", "/v1/aws/connections/"+long, e.ro, ""),
		"health of an ID": e.do("GET", "/v1/aws/connections/"+long+"/health", e.ro, ""),
		"unknown field":   e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"`+long+`":1}`),
		"duplicate key":   e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"`+longKey+`":1,"`+longKey+`":1}`),
		"content type":    e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{}`, "Content-Type", "text/"+long),
		"name":            e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"name":"`+long+`"}`),
		"role ARN":        e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"role_arn":"`+long+`"}`),
		"bucket":          e.do("PATCH", "/v1/aws/connections/"+billing.ID, e.rw, `{"billing_bucket":"`+long+`"}`),
		"type":            e.do("POST", "/v1/aws/connections", e.rw, `{"name":"a","role_arn":"arn:aws:iam::123456789012:role/a","type":"`+long+`"}`),
		"cursor":          e.do("GET", "/v1/aws/connections?cursor="+long, e.ro, ""),
		"limit":           e.do("GET", "/v1/aws/connections?limit="+long, e.ro, ""),
		"account filter":  e.do("GET", "/v1/aws/connections?account_id="+long, e.ro, ""),
		"method":          e.do(strings.ToUpper(long), "/v1/aws/connections", e.ro, ""),
	} {
		if res.status < 400 || len(res.body) > 1024 || !strings.Contains(string(res.body), " characters)") {
			t.Errorf("%s: %d with %d bytes, want a small problem that says how long the input was", name, res.status, len(res.body))
		}
	}
}

// TestSecurityHeaders: responses carry the external ID, so none may be
// sniffed into another type or kept by a cache.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, Config{PrincipalARN: testPrincipal})
	c := e.withBilling()
	for name, res := range map[string]response{
		"organization": e.do("GET", "/v1/organization", e.ro, ""),
		"policy":       e.do("GET", "/v1/aws/policy?type=resource", e.ro, ""),
		"connection":   e.do("GET", "/v1/aws/connections/"+c.ID, e.ro, ""),
		"created":      e.do("POST", "/v1/aws/connections", e.rw, resourceBody("prod", "123456789012")),
		"problem":      e.do("GET", "/v1/aws/connections/conn_missing", e.ro, ""),
		"unauthorized": e.do("GET", "/v1/organization", "", ""),
		"no route":     e.do("GET", "/nothing", "", ""),
		"healthz":      e.do("GET", "/healthz", "", ""),
	} {
		if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s (%d): X-Content-Type-Options %q, Cache-Control %q", name, res.status,
				res.header.Get("X-Content-Type-Options"), res.header.Get("Cache-Control"))
		}
	}
}
