package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// maxIdempotencyKeyLength is the longest Idempotency-Key accepted.
const maxIdempotencyKeyLength = 255

// idempotency returns how the store should record a create for replay, or
// nil when the request has no Idempotency-Key.
func idempotency(r *http.Request, c store.Connection) (*store.Idempotency, error) {
	key := r.Header.Get("Idempotency-Key")
	switch {
	case key == "":
		return nil, nil
	case len(key) > maxIdempotencyKeyLength:
		return nil, newProblem(badRequest, "the Idempotency-Key header is %d characters long; the limit is %d", len(key), maxIdempotencyKeyLength)
	}
	return &store.Idempotency{Key: key, RequestHash: requestHash(c)}, nil
}

// requestHash identifies what a create asks for after validation, so that
// requests differing only in JSON layout, region order or defaults are equal.
func requestHash(c store.Connection) string {
	b, err := json.Marshal([]any{c.Name, c.Type, c.RoleARN, c.BillingBucket, c.Regions})
	if err != nil {
		panic(err) // strings always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
