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
	return &store.Idempotency{
		Key:         key,
		RequestHash: requestHash(c),
		Render: func(c store.Connection) (store.Response, error) {
			return store.Response{Status: http.StatusCreated, Body: renderConnection(c)}, nil
		},
	}, nil
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

// writeReplay sends the stored response of an earlier request with the same
// key, with the headers a fresh response would carry.
func writeReplay(w http.ResponseWriter, resp store.Response) error {
	var ref struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	if err := json.Unmarshal(resp.Body, &ref); err != nil {
		return err
	}
	w.Header().Set("Idempotent-Replayed", "true")
	writeConnectionBody(w, resp.Status, ref.ID, ref.Version, resp.Body)
	return nil
}
