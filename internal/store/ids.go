package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// randomHex returns n random bytes from crypto/rand as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error; it crashes the program instead
	return hex.EncodeToString(b)
}

func newOrganizationID() string { return "org_" + randomHex(10) }
func newConnectionID() string   { return "conn_" + randomHex(10) }
func newAPIKeyID() string       { return "key_" + randomHex(10) }

// newExternalID is the sts:ExternalId a customer's role requires: 48 hex
// characters, more than the 32 the contract promises and unguessable.
func newExternalID() string { return randomHex(24) }

// newAPIKeyToken is the secret a client sends: "clk_" and 40 hex characters.
func newAPIKeyToken() string { return "clk_" + randomHex(20) }

// hashToken is how a key is stored and looked up: only its SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
