package console

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// forEachSessionEngine runs test on a new database of each engine.
func forEachSessionEngine(t *testing.T, test func(t *testing.T, dsn string)) {
	for _, e := range pgtest.Engines {
		t.Run(e.Name, func(t *testing.T) { test(t, e.NewDatabase(t)) })
	}
}

// startReplica serves a replica of the service on the database at dsn: its
// own store handle, API and console, with sessions in the database.
func startReplica(t *testing.T, dsn string) *testService {
	t.Helper()
	return startTestServiceWith(t, dsn, Config{}, nil)
}

// sessionID is the session cookie c holds for ts.
func sessionID(t *testing.T, c *http.Client, ts *testService) string {
	t.Helper()
	u, _ := url.Parse(ts.url)
	for _, cookie := range c.Jar.Cookies(u) {
		if cookie.Name == "costlink_session" {
			return cookie.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestDatabaseSessionsSharedByReplicas signs in on one replica and goes on
// on another, as a browser does behind a round-robin load balancer: the
// session, its writes and its flash message cross replicas, and sign-out
// on one ends it on both.
func TestDatabaseSessionsSharedByReplicas(t *testing.T) {
	forEachSessionEngine(t, func(t *testing.T, dsn string) {
		a, b := startReplica(t, dsn), startReplica(t, dsn)
		a.seedBilling(t)
		// Both replicas listen on 127.0.0.1, and cookies ignore ports: the
		// browser sends its cookie to either, as to one balanced host.
		c := browser(t)
		token := a.signIn(t, c, a.writeKey)

		p := get(t, c, b.url+connectionsPath)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("replica B answered %d %q to the session signed in on A, want its page", p.StatusCode, p.Header.Get("Location"))
		}
		if got := csrfToken(t, p.body); got != token {
			t.Fatalf("replica B's page carries CSRF token %q, want the session's %q", got, token)
		}
		p = post(t, c, b.url+connectionsPath, url.Values{csrfField: {token}, "name": {"prod"}, "role_arn": {goodRoleARN}})
		if p.StatusCode != http.StatusSeeOther {
			t.Fatalf("adding a connection on replica B answered %d: %s", p.StatusCode, p.body)
		}
		mustContain(t, get(t, c, a.url+connectionsPath).body, "Added prod (account 222222222222)")

		old := sessionID(t, c, a)
		if p := post(t, c, b.url+"/ui/signout", url.Values{csrfField: {token}}); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out on replica B answered %d", p.StatusCode)
		}
		replay := browser(t)
		u, _ := url.Parse(a.url)
		replay.Jar.SetCookies(u, []*http.Cookie{{Name: "costlink_session", Value: old, Path: "/"}})
		if p := get(t, replay, a.url+connectionsPath); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != signInPath {
			t.Errorf("replica A answered %d %q to the session signed out on B, want a redirect to sign in", p.StatusCode, p.Header.Get("Location"))
		}
		if _, err := a.store.SessionByHash(context.Background(), sessionIDHash(old)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the signed-out session's row: %v, want it deleted", err)
		}
	})
}

// TestDatabaseSessionsHoldNoAPIKey: neither the session's row nor, in
// SQLite, the database's files hold the API key or the session ID.
func TestDatabaseSessionsHoldNoAPIKey(t *testing.T) {
	forEachSessionEngine(t, func(t *testing.T, dsn string) {
		ts := startReplica(t, dsn)
		c := browser(t)
		ts.signIn(t, c, ts.writeKey)
		id := sessionID(t, c, ts)

		rec, err := ts.store.SessionByHash(context.Background(), sessionIDHash(id))
		if err != nil {
			t.Fatal(err)
		}
		columns := [][]byte{rec.SealedKey, []byte(rec.IDHash), []byte(rec.OrgName), []byte(rec.CSRFToken), []byte(rec.Flash)}
		for _, secret := range []string{ts.writeKey, id} {
			for _, column := range columns {
				if bytes.Contains(column, []byte(secret)) {
					t.Errorf("a column of the session's row holds %q: %q", secret, column)
				}
			}
		}
		if _, err := os.Stat(dsn); err != nil {
			return // PostgreSQL: the row is all there is to read
		}
		for _, file := range []string{dsn, dsn + "-wal"} {
			content, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{ts.writeKey, id} {
				if bytes.Contains(content, []byte(secret)) {
					t.Errorf("%s holds %q", filepath.Base(file), secret)
				}
			}
		}
	})
}

// TestDatabaseSessionsRefuseTamperedRows: a row changed in the database, or
// a cookie not issued, is no session.
func TestDatabaseSessionsRefuseTamperedRows(t *testing.T) {
	forEachSessionEngine(t, func(t *testing.T, dsn string) {
		st, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		sessions := NewDatabaseSessions(st)
		ctx := context.Background()
		now := time.Now()
		writer := Session{ID: randomToken(), APIKey: "clk_writer", OrgName: "acme", CanWrite: true, CSRFToken: randomToken(), SignedIn: now, LastSeen: now}
		reader := Session{ID: randomToken(), APIKey: "clk_reader", OrgName: "acme", CSRFToken: randomToken(), SignedIn: now, LastSeen: now}

		for name, tamper := range map[string]func(writerRow, readerRow *store.SessionRecord){
			"a byte of the sealed key flipped": func(w, _ *store.SessionRecord) { w.SealedKey[len(w.SealedKey)-1] ^= 1 },
			"another row's sealed key":         func(w, r *store.SessionRecord) { w.SealedKey = r.SealedKey },
			"a read-only session made writer":  func(_, r *store.SessionRecord) { r.CanWrite = true },
			"the CSRF token replaced":          func(w, r *store.SessionRecord) { w.CSRFToken = r.CSRFToken },
			"another organization's name":      func(w, _ *store.SessionRecord) { w.OrgName = "globex" },
		} {
			t.Run(name, func(t *testing.T) {
				rows := make([]store.SessionRecord, 2)
				for i, s := range []Session{writer, reader} {
					if err := sessions.Put(ctx, s); err != nil {
						t.Fatal(err)
					}
					if got, err := sessions.Get(ctx, s.ID); err != nil || got.APIKey != s.APIKey {
						t.Fatalf("the untouched session opens to %+v, %v", got, err)
					}
					if rows[i], err = st.SessionByHash(ctx, sessionIDHash(s.ID)); err != nil {
						t.Fatal(err)
					}
				}
				tamper(&rows[0], &rows[1])
				for _, row := range rows {
					if err := st.PutSession(ctx, row); err != nil {
						t.Fatal(err)
					}
				}
				opened := 0
				for _, s := range []Session{writer, reader} {
					if _, err := sessions.Get(ctx, s.ID); err == nil {
						opened++
					} else if !errors.Is(err, ErrNoSession) {
						t.Errorf("Get of a tampered row: %v, want ErrNoSession", err)
					}
				}
				if opened != 1 {
					t.Errorf("%d of the two sessions open after one was tampered with, want 1", opened)
				}
			})
		}
		if _, err := sessions.Get(ctx, randomToken()); !errors.Is(err, ErrNoSession) {
			t.Errorf("Get of a guessed ID: %v, want ErrNoSession", err)
		}
	})
}

// TestDatabaseSessionsExpire: a session past its idle timeout is refused and
// its row gone.
func TestDatabaseSessionsExpire(t *testing.T) {
	forEachSessionEngine(t, func(t *testing.T, dsn string) {
		ts := startReplica(t, dsn)
		c := browser(t)
		ts.signIn(t, c, ts.writeKey)
		id := sessionID(t, c, ts)
		ctx := context.Background()
		s, err := ts.sessions.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s.LastSeen = s.LastSeen.Add(-IdleTimeout - time.Minute)
		if err := ts.sessions.Put(ctx, s); err != nil {
			t.Fatal(err)
		}
		if p := get(t, c, ts.url+connectionsPath); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != signInPath {
			t.Errorf("an expired session got %d %q, want a redirect to sign in", p.StatusCode, p.Header.Get("Location"))
		}
		if _, err := ts.store.SessionByHash(ctx, sessionIDHash(id)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the expired session's row: %v, want it deleted", err)
		}
	})
}

// TestPageViewsWriteLastSeenOncePerMinute: a request saves the session's
// LastSeen only when it is more than lastSeenGranularity old, so page views
// do not each write to the database.
func TestPageViewsWriteLastSeenOncePerMinute(t *testing.T) {
	ts := startReplica(t, pgtest.SQLite.NewDatabase(t))
	c := browser(t)
	ts.signIn(t, c, ts.writeKey)
	id := sessionID(t, c, ts)
	ctx := context.Background()

	for _, tc := range []struct {
		age     time.Duration
		written bool
	}{{30 * time.Second, false}, {lastSeenGranularity + time.Second, true}} {
		s, err := ts.sessions.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s.LastSeen = time.Now().Add(-tc.age).Truncate(time.Second)
		if err := ts.sessions.Put(ctx, s); err != nil {
			t.Fatal(err)
		}
		if p := get(t, c, ts.url+connectionsPath); p.StatusCode != http.StatusOK {
			t.Fatalf("the connections page answered %d", p.StatusCode)
		}
		rec, err := ts.store.SessionByHash(ctx, sessionIDHash(id))
		if err != nil {
			t.Fatal(err)
		}
		if written := !rec.LastSeenAt.Equal(s.LastSeen); written != tc.written {
			t.Errorf("LastSeen %s old: a page view wrote it: %v, want %v (stored %s, was %s)",
				tc.age, written, tc.written, rec.LastSeenAt, s.LastSeen)
		}
	}
}
