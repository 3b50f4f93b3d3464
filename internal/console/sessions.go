package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"
)

// Session lengths: a session ends after IdleTimeout without a request, and
// at the latest MaxSessionAge after sign-in, whatever its use.
const (
	IdleTimeout   = 30 * time.Minute
	MaxSessionAge = 12 * time.Hour
)

// Session is a signed-in browser, held by the server: the browser holds
// only its random ID, never the API key.
type Session struct {
	ID        string // 256 random bits, the cookie's value
	APIKey    string // the key every API call of the session sends
	OrgName   string
	CanWrite  bool   // the key carries connections:write
	CSRFToken string // every form of the session carries it
	Flash     string // a one-time message for the next page
	SignedIn  time.Time
	LastSeen  time.Time
}

// expiresAt is when the session ends unless it is used again.
func (s Session) expiresAt() time.Time {
	idle, absolute := s.LastSeen.Add(IdleTimeout), s.SignedIn.Add(MaxSessionAge)
	if absolute.Before(idle) {
		return absolute
	}
	return idle
}

// expired reports whether the session has ended by now.
func (s Session) expired(now time.Time) bool {
	return now.After(s.expiresAt())
}

// ErrNoSession is a session ID that names no live session.
var ErrNoSession = errors.New("no such session")

// SessionStore keeps sessions: NewDatabaseSessions keeps them in the
// database, shared by every replica; tests may keep them elsewhere.
type SessionStore interface {
	// Get returns the session with that ID, or ErrNoSession.
	Get(ctx context.Context, id string) (Session, error)
	// Put saves the session, replacing one with the same ID.
	Put(ctx context.Context, s Session) error
	// Delete removes the session; removing a missing one is not an error.
	Delete(ctx context.Context, id string) error
}

// randomToken is 256 bits from crypto/rand, URL-safe: session IDs and CSRF
// tokens, which must not be guessable.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
