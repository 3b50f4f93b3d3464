package store

import (
	"context"
	"errors"
	"regexp"
	"testing"
)

func TestAPIKeys(t *testing.T) {
	s, _ := openTestStore(t)
	ctx := context.Background()
	org := testOrg(t, s, "acme")
	token, key, err := s.CreateAPIKey(ctx, org.ID, []string{ScopeConnectionsWrite, ScopeConnectionsRead, ScopeConnectionsRead})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^clk_[0-9a-f]{40}$`).MatchString(token) {
		t.Errorf("token %q does not look like clk_ + 40 hex", token)
	}
	got, err := s.APIKeyByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != key.ID || got.OrgID != org.ID || !got.HasScope(ScopeConnectionsRead) || !got.HasScope(ScopeConnectionsWrite) || len(got.Scopes) != 2 {
		t.Errorf("APIKeyByToken = %+v, want %+v", got, key)
	}
	var stored int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE hash = ?`, token).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the raw token is stored (%d rows, %v)", stored, err)
	}
	if _, err := s.APIKeyByToken(ctx, token+"0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: err = %v, want ErrNotFound", err)
	}
	for _, bad := range [][]string{nil, {"connections:admin"}, {ScopeConnectionsRead, ""}} {
		if _, _, err := s.CreateAPIKey(ctx, org.ID, bad); err == nil {
			t.Errorf("CreateAPIKey accepted scopes %q", bad)
		}
	}
}
