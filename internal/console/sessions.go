package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
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

// SessionStore keeps sessions. The default keeps them in the memory of one
// process (one replica); NewDatabaseSessions keeps them in the database,
// shared by every replica.
type SessionStore interface {
	// Get returns the session with that ID, or ErrNoSession.
	Get(ctx context.Context, id string) (Session, error)
	// Put saves the session, replacing one with the same ID.
	Put(ctx context.Context, s Session) error
	// Delete removes the session; removing a missing one is not an error.
	Delete(ctx context.Context, id string) error
}

// memorySessions is the in-memory SessionStore. Expired sessions are
// dropped as new ones are saved, so abandoned sign-ins do not pile up.
type memorySessions struct {
	mu        sync.Mutex
	sessions  map[string]Session
	now       func() time.Time
	lastSweep time.Time
}

// NewMemorySessions returns an empty in-memory SessionStore.
func NewMemorySessions() SessionStore {
	return &memorySessions{sessions: map[string]Session{}, now: time.Now}
}

func (m *memorySessions) Get(_ context.Context, id string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return Session{}, ErrNoSession
	}
	return s, nil
}

func (m *memorySessions) Put(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = s
	if now := m.now(); now.Sub(m.lastSweep) > IdleTimeout {
		m.lastSweep = now
		for id, old := range m.sessions {
			if old.expired(now) {
				delete(m.sessions, id)
			}
		}
	}
	return nil
}

func (m *memorySessions) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

// randomToken is 256 bits from crypto/rand, URL-safe: session IDs and CSRF
// tokens, which must not be guessable.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
