package server

import (
	"net/http"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// handlerFunc serves one operation. A returned error becomes the response: a
// *problem as is, a store error mapped by problemFor, anything else a 500.
type handlerFunc func(s *server, w http.ResponseWriter, r *http.Request) error

// access says who may call a route.
type access struct {
	public bool   // no API key needed
	scope  string // the scope the key must carry; "" for any valid key
}

var (
	public   = access{public: true}
	anyKey   = access{}
	canRead  = access{scope: store.ScopeConnectionsRead}
	canWrite = access{scope: store.ScopeConnectionsWrite}
)

// route is one operation of the API.
type route struct {
	method string
	path   string // a net/http ServeMux path pattern
	access access
	handle handlerFunc
}

// routes is the one list of the API's operations: the mux is built from it
// and a test holds it and openapi.yaml together.
var routes = []route{
	{http.MethodGet, "/healthz", public, (*server).healthz},
	{http.MethodGet, "/v1/openapi.yaml", public, (*server).openAPI},
	{http.MethodGet, "/v1/organization", anyKey, (*server).getOrganization},
	{http.MethodGet, "/v1/aws/policy", canRead, (*server).getPolicy},
	{http.MethodGet, "/v1/aws/connections", canRead, (*server).listConnections},
	{http.MethodPost, "/v1/aws/connections", canWrite, (*server).createConnection},
	{http.MethodGet, "/v1/aws/connections/{id}", canRead, (*server).getConnection},
	{http.MethodPatch, "/v1/aws/connections/{id}", canWrite, (*server).updateConnection},
	{http.MethodDelete, "/v1/aws/connections/{id}", canWrite, (*server).deleteConnection},
	{http.MethodGet, "/v1/aws/connections/{id}/health", canRead, (*server).getHealth},
	{http.MethodPost, "/v1/aws/connections/{id}/health/check", canWrite, (*server).checkHealth},
	{http.MethodPost, "/v1/aws/connections/health/checks", canWrite, (*server).requestHealthChecks},
}

// mux registers every route, plus fallbacks so that an unknown path (404) or
// a known path with another method (405) also get a problem+json answer.
func (s *server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, s.endpoint(rt))
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for path, methods := range allowed {
		mux.Handle(path, s.endpoint(route{access: public, handle: onlyMethods(methods)}))
	}
	mux.Handle("/", s.endpoint(route{access: public, handle: noRoute}))
	return mux
}

// onlyMethods answers a request for a known path with another method.
func onlyMethods(methods []string) handlerFunc {
	allow := strings.Join(methods, ", ")
	return func(_ *server, w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return newProblem(methodNotAllowed, "%s is not supported here: use %s", validate.QuoteInput(r.Method), allow)
	}
}

// noRoute answers a request for a path no route serves.
func noRoute(*server, http.ResponseWriter, *http.Request) error {
	return newProblem(notFound, "there is no such API route: see /v1/openapi.yaml")
}

// endpoint wraps a route's handler with its access checks and error
// handling, and records the calls of a write route in the audit log.
func (s *server) endpoint(rt route) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.authorize(rt.access, w, r)
		if err == nil {
			err = rt.handle(s, w, r)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
	if rt.writes() {
		return s.audited(rt, h)
	}
	return h
}
