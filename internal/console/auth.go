package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

const (
	signInPath = "/ui/signin"
	// csrfField names the form field that carries the session's CSRF token.
	csrfField = "csrf"
)

// cookieName is the session cookie's name. Under TLS the __Host- prefix
// makes browsers refuse the cookie unless it is Secure, for Path=/ and set
// by this host alone, so no sibling subdomain can plant a session.
func (c *console) cookieName() string {
	if c.secure {
		return "__Host-costlink_session"
	}
	return "costlink_session"
}

// sessionHandler serves a page for a signed-in session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, s *Session)

// session runs next for the request's live session, after checking the
// CSRF token of a POST. Without a session a page sends the browser to sign
// in; a POST without the session's token is refused and changes nothing.
func (c *console) session(next sessionHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.currentSession(r)
		if !ok {
			http.Redirect(w, r, signInPath, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue(csrfField), s.CSRFToken) {
			c.renderError(w, r, &s, http.StatusForbidden,
				"This form was not sent from this session's page, so nothing was changed. Reload the page and try again.")
			return
		}
		next(w, r, &s)
	})
}

// sameToken compares a posted token with the session's in constant time.
func sameToken(posted, want string) bool {
	return posted != "" && subtle.ConstantTimeCompare([]byte(posted), []byte(want)) == 1
}

// lastSeenGranularity is how stale a session's LastSeen may be: a request
// saves the session only when it moved by more than this, so that page views
// do not each write to the database (as store.TouchAPIKey spares API keys).
// A session idle for IdleTimeout may thus end up to this much early.
const lastSeenGranularity = time.Minute

// currentSession returns the request's session if it is live, and marks it
// used now (see lastSeenGranularity); an expired session is removed.
func (c *console) currentSession(r *http.Request) (Session, bool) {
	cookie, err := r.Cookie(c.cookieName())
	if err != nil || cookie.Value == "" {
		return Session{}, false
	}
	s, err := c.sessions.Get(r.Context(), cookie.Value)
	if err != nil {
		if !errors.Is(err, ErrNoSession) {
			c.log.LogAttrs(r.Context(), slog.LevelError, "reading a console session failed", slog.String("error", err.Error()))
		}
		return Session{}, false
	}
	now := time.Now()
	if s.expired(now) {
		c.deleteSession(r.Context(), s.ID)
		return Session{}, false
	}
	if now.Sub(s.LastSeen) > lastSeenGranularity {
		s.LastSeen = now
		c.saveSession(r.Context(), s)
	}
	return s, true
}

func (c *console) saveSession(ctx context.Context, s Session) {
	if err := c.sessions.Put(ctx, s); err != nil {
		c.log.LogAttrs(ctx, slog.LevelError, "saving a console session failed", slog.String("error", err.Error()))
	}
}

func (c *console) deleteSession(ctx context.Context, id string) {
	if err := c.sessions.Delete(ctx, id); err != nil {
		c.log.LogAttrs(ctx, slog.LevelError, "deleting a console session failed", slog.String("error", err.Error()))
	}
}

// signInForm is what the sign-in page shows.
type signInForm struct {
	Error     string
	SignedOut bool
}

func (c *console) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.currentSession(r); ok {
		http.Redirect(w, r, connectionsPath, http.StatusSeeOther)
		return
	}
	c.render(w, r, nil, http.StatusOK, "signin", "Sign in", signInForm{SignedOut: r.URL.Query().Has("signed_out")})
}

// signIn checks the key with the API and starts a session holding it. The
// key stays on the server: the browser gets only the session's ID.
func (c *console) signIn(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimSpace(r.PostFormValue("api_key"))
	if key == "" {
		c.render(w, r, nil, http.StatusUnprocessableEntity, "signin", "Sign in", signInForm{Error: "Enter an API key."})
		return
	}
	var org organization
	err := c.api.call(r.Context(), r, key, http.MethodGet, apiOrganization, nil, &org)
	canWrite := slices.Contains(org.Scopes, store.ScopeConnectionsWrite)
	if err != nil {
		c.log.LogAttrs(r.Context(), slog.LevelInfo, "console sign-in refused", slog.Int("status", statusOf(err)))
		c.render(w, r, nil, statusOf(err), "signin", "Sign in", signInForm{Error: fieldErrors(err)[""]})
		return
	}
	if old, err := r.Cookie(c.cookieName()); err == nil {
		c.deleteSession(r.Context(), old.Value) // a new sign-in never reuses an ID
	}
	now := time.Now()
	s := Session{ID: randomToken(), APIKey: key, OrgName: org.Name, CanWrite: canWrite, CSRFToken: randomToken(), SignedIn: now, LastSeen: now}
	c.saveSession(r.Context(), s)
	http.SetCookie(w, &http.Cookie{
		Name: c.cookieName(), Value: s.ID, Path: "/", MaxAge: int(MaxSessionAge.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
	c.log.LogAttrs(r.Context(), slog.LevelInfo, "console sign-in", slog.String("org", org.ID), slog.Bool("can_write", canWrite))
	http.Redirect(w, r, connectionsPath, http.StatusSeeOther)
}

// signOut ends the session on the server and in the browser.
func (c *console) signOut(w http.ResponseWriter, r *http.Request, s *Session) {
	c.deleteSession(r.Context(), s.ID)
	http.SetCookie(w, &http.Cookie{
		Name: c.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, signInPath+"?signed_out", http.StatusSeeOther)
}
