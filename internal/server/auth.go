package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// authorize enforces a route's access: a valid key (401), the key's rate
// limit (429), then the route's scope (403). The key is recorded in the
// request's info for the handler and the log.
func (s *server) authorize(acc access, w http.ResponseWriter, r *http.Request) error {
	if acc.public {
		return nil
	}
	key, err := s.authenticate(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", "Bearer")
		return err
	}
	info(r).key = key
	if err := s.limiter.allow(key.ID, w); err != nil {
		return err
	}
	if acc.scope != "" && !key.HasScope(acc.scope) {
		return newProblem(forbidden, "this API key lacks the %s scope: create a key with it (costlink-server keys create --scopes %s)",
			acc.scope, strings.Join(store.Scopes, ","))
	}
	return nil
}

// authenticate returns the key named by the Authorization header, read from
// the store on every request so that a revocation applies to the next one.
func (s *server) authenticate(r *http.Request) (store.APIKey, error) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if token = strings.TrimSpace(token); !strings.EqualFold(scheme, "Bearer") || token == "" {
		return store.APIKey{}, newProblem(unauthorized, "send an API key as Authorization: Bearer <key>")
	}
	key, err := s.store.AuthenticateAPIKey(r.Context(), token)
	var (
		revoked *store.KeyRevokedError
		expired *store.KeyExpiredError
	)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.APIKey{}, newProblem(unauthorized, "the API key is not valid: it matches no key of this service")
	case errors.As(err, &revoked):
		return store.APIKey{}, newProblem(keyRevoked, "the API key %s was revoked at %s: ask the service's operator for a new key "+
			"(costlink-server keys create)", revoked.KeyID, revoked.RevokedAt.Format(time.RFC3339))
	case errors.As(err, &expired):
		return store.APIKey{}, newProblem(keyExpired, "the API key %s expired at %s: ask the service's operator for a new key "+
			"(costlink-server keys create)", expired.KeyID, expired.ExpiresAt.Format(time.RFC3339))
	case err != nil:
		return store.APIKey{}, err
	}
	// Last use is a hint for operators, not worth failing a request over.
	if err := s.store.TouchAPIKey(r.Context(), key); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "recording API key use failed", slog.String("key", key.ID), slog.String("error", err.Error()))
	}
	return key, nil
}
