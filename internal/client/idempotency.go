package client

import (
	"errors"
	"net/http"
)

// Problem types of a create whose Idempotency-Key was used before.
const (
	ProblemIdempotencyKeyReused   = "urn:costlink:problem:idempotency_key_reused"
	ProblemKeyedConnectionDeleted = "urn:costlink:problem:keyed_connection_deleted"
)

// IsKeyedConnectionDeleted reports whether err is a 410: the connection the
// idempotency key of a create made has been deleted since, so creating it
// again needs another key.
func IsKeyedConnectionDeleted(err error) bool {
	return errors.Is(err, &APIError{Status: http.StatusGone, Type: ProblemKeyedConnectionDeleted})
}

// KeyedConnectionID returns the connection that the idempotency key of a
// refused create made, when err says the key came before with a different
// request (a 422), or "".
func KeyedConnectionID(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnprocessableEntity && apiErr.Type == ProblemIdempotencyKeyReused {
		return apiErr.ExistingID
	}
	return ""
}
