package store

import "errors"

var (
	// ErrNotFound means the record does not exist in the caller's organization.
	ErrNotFound = errors.New("not found")
	// ErrBillingConnectionRequired refuses a resource connection in an
	// organization that has no billing connection yet.
	ErrBillingConnectionRequired = errors.New("the organization has no billing connection")
	// ErrIdempotencyKeyReused means an idempotency key was sent again with a
	// different request.
	ErrIdempotencyKeyReused = errors.New("idempotency key already used for a different request")
)
