package console

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// databaseSessions keeps sessions in the service's database, so that every
// replica behind a load balancer knows every signed-in browser.
//
// A session holds the API key its pages send to the API, and the database
// must never hold an API key in a usable form (it holds only key hashes).
// So the row is named by SHA-256 of the session ID, and the key is sealed
// with AES-256-GCM under a key derived from the session ID by HKDF-SHA256.
// The ID, 256 random bits, lives only in the browser's cookie: the database
// alone (a backup, a copy, its administrator) yields no API key and cannot
// find which row a cookie names, and only the browser holding the cookie
// can unlock its own session. The sealing also covers the row's name and
// what the session may do, so a row copied under another name or edited to
// grant writes fails to open.
type databaseSessions struct {
	store *store.Store
}

// NewDatabaseSessions returns a SessionStore in st's database, shared by
// every replica on that database.
func NewDatabaseSessions(st *store.Store) SessionStore {
	return &databaseSessions{store: st}
}

// sessionKeyInfo is HKDF's info string: it ties the derived key to this one
// use of the session ID. Changing it makes every stored session unreadable.
const sessionKeyInfo = "costlink console session: API key sealing v1"

func (d *databaseSessions) Get(ctx context.Context, id string) (Session, error) {
	rec, err := d.store.SessionByHash(ctx, sessionIDHash(id))
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	s := Session{
		ID: id, OrgName: rec.OrgName, CanWrite: rec.CanWrite, CSRFToken: rec.CSRFToken, Flash: rec.Flash,
		SignedIn: rec.SignedInAt, LastSeen: rec.LastSeenAt,
	}
	aead, err := sessionCipher(id)
	if err != nil {
		return Session{}, err
	}
	key, err := aead.Open(nil, nil, rec.SealedKey, sealedData(s))
	if err != nil {
		return Session{}, ErrNoSession // sealed under another ID, or changed since
	}
	s.APIKey = string(key)
	return s, nil
}

func (d *databaseSessions) Put(ctx context.Context, s Session) error {
	aead, err := sessionCipher(s.ID)
	if err != nil {
		return err
	}
	return d.store.PutSession(ctx, store.SessionRecord{
		IDHash:     sessionIDHash(s.ID),
		SealedKey:  aead.Seal(nil, nil, []byte(s.APIKey), sealedData(s)),
		OrgName:    s.OrgName,
		CanWrite:   s.CanWrite,
		CSRFToken:  s.CSRFToken,
		Flash:      s.Flash,
		SignedInAt: s.SignedIn,
		LastSeenAt: s.LastSeen,
		ExpiresAt:  s.expiresAt(),
	})
}

func (d *databaseSessions) Delete(ctx context.Context, id string) error {
	return d.store.DeleteSession(ctx, sessionIDHash(id))
}

// sessionIDHash names a session's row. The ID is 256 random bits, so a
// plain hash cannot be reversed or guessed.
func sessionIDHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// sessionCipher is the AEAD that seals the API key of session id, with a
// random nonce before each sealed key (a session is saved a few times an
// hour, far below GCM's bound on random nonces under one key).
func sessionCipher(id string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(id), nil, sessionKeyInfo, 32) // 32 bytes: AES-256
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// sealedData is what the sealed key is bound to besides its ID: the
// session's grants, as the database stores them (whole seconds), so that
// editing them in the row breaks the seal.
func sealedData(s Session) []byte {
	// Quoted strings cannot run into each other: one encoding per session.
	return fmt.Appendf(nil, "%q %q %t %q %d", sessionIDHash(s.ID), s.OrgName, s.CanWrite, s.CSRFToken, s.SignedIn.Unix())
}
