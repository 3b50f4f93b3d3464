// Package console is the service's web page for people: sign in with an API
// key, see every connection with its health and the reasons it is red, add
// one as the platform's guide does, check or delete one. Pages are rendered
// on the server and work without JavaScript; every read and write is a call
// of the service's own HTTP API, in-process, with the session's key, so the
// page can do exactly what the key may do through the API, no more.
package console

import (
	"log/slog"
	"net/http"
	"strings"
)

// Config configures the console.
type Config struct {
	// API is the service's HTTP API (server.New); the console calls it for
	// everything and serves every path outside /ui/ with it. Required.
	API http.Handler
	// Secure says the console is served over TLS: session cookies are then
	// Secure, and named with the __Host- prefix, which browsers accept only
	// from a secure origin, for the whole host.
	Secure bool
	// PublicURL is where users reach the service, when that is not what the
	// service itself serves: behind a load balancer that terminates TLS,
	// "https://costlink.example.com". An https URL makes the session cookie
	// Secure as Secure does; the Terraform snippet names it as api_url. ""
	// means the request's host, over HTTPS when Secure.
	PublicURL string
	// Logger receives sign-ins and internal errors; nil discards them.
	Logger *slog.Logger
	// Sessions keeps sessions (NewDatabaseSessions, so that every replica
	// knows them). Required.
	Sessions SessionStore
}

// console serves the pages.
type console struct {
	api      api
	secure   bool
	public   string // PublicURL without a trailing slash
	log      *slog.Logger
	sessions SessionStore
}

// Path is where the pages live; / redirects there.
const Path = "/ui/"

// New returns the handler to serve: the pages under /ui/, a redirect from /
// to them, and the API for every other path, unchanged.
func New(cfg Config) http.Handler {
	c := &console{api: api{handler: cfg.API}, secure: cfg.Secure || strings.HasPrefix(cfg.PublicURL, "https://"),
		public: strings.TrimSuffix(cfg.PublicURL, "/"), log: cfg.Logger, sessions: cfg.Sessions}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	pages := http.NewServeMux()
	pages.Handle("GET /ui/{$}", http.RedirectHandler(connectionsPath, http.StatusSeeOther))
	pages.Handle("GET /ui/static/", staticFiles())
	pages.HandleFunc("GET /ui/signin", c.signInPage)
	pages.HandleFunc("POST /ui/signin", c.signIn)
	pages.Handle("POST /ui/signout", c.session(c.signOut))
	pages.Handle("GET "+connectionsPath, c.session(c.connectionsPage))
	pages.Handle("POST "+connectionsPath, c.session(c.addConnection))
	pages.Handle("GET "+addPath, c.session(c.addPage))
	pages.Handle("POST "+connectionsPath+"/{id}/check", c.session(c.checkNow))
	pages.Handle("GET "+connectionsPath+"/{id}/delete", c.session(c.deletePage))
	pages.Handle("POST "+connectionsPath+"/{id}/delete", c.session(c.deleteConnection))
	pages.HandleFunc(Path, c.notFound)

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.RedirectHandler(Path, http.StatusSeeOther))
	// Browsers send Sec-Fetch-Site or Origin: a form posted from another
	// site is refused before any handler, sign-in included, which has no
	// session token yet.
	mux.Handle(Path, securityHeaders(http.NewCrossOriginProtection().Handler(limitForms(pages))))
	mux.Handle("/", cfg.API)
	return mux
}

// contentSecurityPolicy lets a page load only the console's own style sheet
// and script, submit forms only to the console, and be framed by no one.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every console response carries. Pages
// hold the organization's external ID and connections: no cache keeps them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a posted form; the largest, adding a connection, is
// a name, an ARN and a list of regions.
const maxFormBytes = 64 << 10

// limitForms bounds the body a page reads.
func limitForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		next.ServeHTTP(w, r)
	})
}

// serviceURL is the service's URL as users reach it.
func (c *console) serviceURL(r *http.Request) string {
	if c.public != "" {
		return c.public
	}
	scheme := "http"
	if c.secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
