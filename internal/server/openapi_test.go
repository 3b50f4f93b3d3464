package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestOpenAPIMatchesRoutes holds the routes table and openapi.yaml together:
// a route the document lacks, or an operation the router lacks, fails.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var documented, routed []string
	for path, item := range doc.Paths {
		for method := range item {
			if slices.Contains([]string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}, method) {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	for _, rt := range routes {
		routed = append(routed, rt.method+" "+rt.path)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	for _, op := range routed {
		if !slices.Contains(documented, op) {
			t.Errorf("route %s is missing from openapi.yaml", op)
		}
	}
	for _, op := range documented {
		if !slices.Contains(routed, op) {
			t.Errorf("openapi.yaml documents %s, which no route serves", op)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, Config{})
	res := e.do("GET", "/v1/openapi.yaml", "", "").wantStatus(t, http.StatusOK)
	if string(res.body) != string(openAPIDocument) || res.header.Get("Content-Type") != "application/yaml" {
		t.Errorf("GET /v1/openapi.yaml = %s, %d bytes", res.header.Get("Content-Type"), len(res.body))
	}
}
