package server

import (
	"errors"
	"net/http"
	"strings"

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

// authenticate returns the key named by the Authorization header.
func (s *server) authenticate(r *http.Request) (store.APIKey, error) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if token = strings.TrimSpace(token); !strings.EqualFold(scheme, "Bearer") || token == "" {
		return store.APIKey{}, newProblem(unauthorized, "send an API key as Authorization: Bearer <key>")
	}
	key, err := s.store.APIKeyByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		return store.APIKey{}, newProblem(unauthorized, "the API key is not valid: check COSTLINK_API_KEY")
	}
	return key, err
}
