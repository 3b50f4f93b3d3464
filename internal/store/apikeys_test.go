package store

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
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
		if err := s.db.queryRow(ctx, `SELECT COUNT(*) FROM api_keys WHERE hash = ?`, token).Scan(&stored); err != nil || stored != 0 {
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
	})
}

// fakeClock makes s read the time from the returned pointer.
func fakeClock(s *Store) *time.Time {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	return &now
}

func TestAPIKeyExpiry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		now := fakeClock(s)
		expires := now.Add(90 * 24 * time.Hour)
		token, key, err := s.CreateAPIKey(ctx, org.ID, Scopes, WithExpiry(expires))
		if err != nil || !key.ExpiresAt.Equal(expires) {
			t.Fatalf("CreateAPIKey = %+v, %v; want expiry %s", key, err, expires)
		}
		*now = expires.Add(-time.Second)
		if got, err := s.AuthenticateAPIKey(ctx, token); err != nil || !got.ExpiresAt.Equal(expires) {
			t.Fatalf("a second before expiry: %+v, %v", got, err)
		}
		*now = expires
		var expired *KeyExpiredError
		if _, err := s.AuthenticateAPIKey(ctx, token); !errors.As(err, &expired) || expired.KeyID != key.ID || !expired.ExpiresAt.Equal(expires) {
			t.Fatalf("at expiry: err = %v, want KeyExpiredError for %s at %s", err, key.ID, expires)
		}

		// A key that would be born expired is refused, and nothing is stored.
		for _, at := range []time.Time{*now, now.Add(-time.Hour)} {
			if _, _, err := s.CreateAPIKey(ctx, org.ID, Scopes, WithExpiry(at)); err == nil || !strings.Contains(err.Error(), "not in the future") {
				t.Errorf("expiry %s: err = %v, want refused", at, err)
			}
		}
		if keys, err := s.ListAPIKeys(ctx, ""); err != nil || len(keys) != 1 {
			t.Errorf("%d keys stored (%v), want 1", len(keys), err)
		}
	})
}

// TestRevokeAPIKey revokes through a second handle, as the keys command
// does beside a running server: the next authentication sees it.
func TestRevokeAPIKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, cli := openTwoHandles(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		token, key, err := s.CreateAPIKey(ctx, org.ID, Scopes)
		if err != nil {
			t.Fatal(err)
		}
		other, _, _ := s.CreateAPIKey(ctx, org.ID, Scopes)
		if _, err := s.AuthenticateAPIKey(ctx, token); err != nil {
			t.Fatal(err)
		}

		revoked, already, err := cli.RevokeAPIKey(ctx, key.ID)
		if err != nil || already || revoked.ID != key.ID || revoked.RevokedAt.IsZero() {
			t.Fatalf("RevokeAPIKey = %+v, %v, %v", revoked, already, err)
		}
		var re *KeyRevokedError
		if _, err := s.AuthenticateAPIKey(ctx, token); !errors.As(err, &re) || re.KeyID != key.ID || !re.RevokedAt.Equal(revoked.RevokedAt) {
			t.Fatalf("after revoke: err = %v, want KeyRevokedError", err)
		}
		if _, err := s.AuthenticateAPIKey(ctx, other); err != nil {
			t.Errorf("revoking one key stopped another: %v", err)
		}

		again, already, err := cli.RevokeAPIKey(ctx, key.ID)
		if err != nil || !already || !again.RevokedAt.Equal(revoked.RevokedAt) {
			t.Errorf("second RevokeAPIKey = %+v, %v, %v; want already revoked at %s", again, already, err, revoked.RevokedAt)
		}
		if _, _, err := cli.RevokeAPIKey(ctx, "key_nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown key: err = %v, want ErrNotFound", err)
		}
	})
}

func TestTouchAPIKeyWritesAtMostOnceAMinute(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org := testOrg(t, s, "acme")
		now := fakeClock(s)
		token, _, err := s.CreateAPIKey(ctx, org.ID, Scopes)
		if err != nil {
			t.Fatal(err)
		}
		use := func() time.Time {
			t.Helper()
			key, err := s.AuthenticateAPIKey(ctx, token)
			if err == nil {
				err = s.TouchAPIKey(ctx, key)
			}
			if err != nil {
				t.Fatal(err)
			}
			key, _ = s.APIKeyByToken(ctx, token)
			return key.LastUsedAt
		}
		first := *now
		if got := use(); !got.Equal(first) {
			t.Fatalf("first use: last used %s, want %s", got, first)
		}
		*now = first.Add(LastUsedGranularity - time.Second)
		if got := use(); !got.Equal(first) {
			t.Errorf("a use within the minute was written: last used %s, want %s", got, first)
		}
		*now = first.Add(LastUsedGranularity)
		if got := use(); !got.Equal(*now) {
			t.Errorf("a use a minute later: last used %s, want %s", got, *now)
		}
	})
}

func TestListAPIKeys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		acme, globex := testOrg(t, s, "acme"), testOrg(t, s, "globex")
		for _, org := range []Organization{globex, acme, acme} {
			if _, _, err := s.CreateAPIKey(ctx, org.ID, []string{ScopeConnectionsRead}); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.ListAPIKeys(ctx, "")
		if err != nil || len(all) != 3 || all[0].OrgName != "acme" || all[2].OrgName != "globex" || all[2].OrgID != globex.ID {
			t.Fatalf("ListAPIKeys(all) = %+v, %v; want 3 keys, acme's first", all, err)
		}
		if got, err := s.ListAPIKeys(ctx, "globex"); err != nil || len(got) != 1 || got[0].ID != all[2].ID {
			t.Errorf("ListAPIKeys(globex) = %+v, %v", got, err)
		}
		if _, err := s.ListAPIKeys(ctx, "initech"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown organization: err = %v, want ErrNotFound", err)
		}
	})
}
