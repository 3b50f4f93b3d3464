package store

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound means the record does not exist in the caller's organization.
	ErrNotFound = errors.New("not found")
	// ErrBillingConnectionRequired refuses a resource connection in an
	// organization that has no billing connection yet.
	ErrBillingConnectionRequired = errors.New("the organization has no billing connection")
)

// IdempotencyKeyReusedError refuses a create whose idempotency key came
// before with a different request.
type IdempotencyKeyReusedError struct {
	ConnectionID string // the connection the key created
}

func (e *IdempotencyKeyReusedError) Error() string {
	return "idempotency key already used for a different request, which created connection " + e.ConnectionID
}

// KeyedConnectionDeletedError refuses a create whose idempotency key created
// a connection that has been deleted since: replaying the create would
// report a record that is gone, and creating another would make the key
// stand for two records.
type KeyedConnectionDeletedError struct {
	ConnectionID string // the deleted connection
}

func (e *KeyedConnectionDeletedError) Error() string {
	return "the connection this idempotency key created, " + e.ConnectionID + ", has been deleted"
}

// ResourceConnectionsExistError refuses to delete an organization's last
// billing connection while it has resource connections: each of them needs
// one (see ErrBillingConnectionRequired).
type ResourceConnectionsExistError struct {
	Connections []ConnectionRef // the first MaxListedResourceConnections, in creation order
	Total       int             // how many resource connections the organization has
}

// MaxListedResourceConnections is how many resource connections a
// ResourceConnectionsExistError names.
const MaxListedResourceConnections = 10

// ConnectionRef names a connection.
type ConnectionRef struct {
	ID   string
	Name string
}

func (e *ResourceConnectionsExistError) Error() string {
	return fmt.Sprintf("the last billing connection cannot be deleted while resource connections remain (%d)", e.Total)
}
