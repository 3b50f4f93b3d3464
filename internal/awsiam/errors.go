package awsiam

import (
	"errors"
	"fmt"
)

// NotFoundError is returned by finders when the entity does not exist, so
// that a resource's Read can remove it from state instead of failing.
type NotFoundError struct {
	// Kind names the entity: "role", "inline policy" and so on.
	Kind string
	// Name identifies it, including its role where that matters.
	Name string
	// Err is what AWS answered.
	Err error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Kind, e.Name)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// IsNotFound reports whether err is, or wraps, a *NotFoundError.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// IsAlreadyExists reports whether err says the entity exists already: what
// IAM answers the retry of a create whose first response was lost.
func IsAlreadyExists(err error) bool {
	return hasErrorCode(err, "EntityAlreadyExists")
}

// readError is the error of reading an entity: a *NotFoundError when IAM
// says it does not exist.
func readError(err error, kind, name string) error {
	if isNoSuchEntity(err) {
		return &NotFoundError{Kind: kind, Name: name, Err: err}
	}
	return fmt.Errorf("reading %s %q: %w", kind, name, err)
}
