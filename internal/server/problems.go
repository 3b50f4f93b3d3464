package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// problemKind is one of the API's error codes (see the contract).
type problemKind struct {
	code   string
	status int
	title  string
}

var (
	badRequest                = problemKind{"bad_request", http.StatusBadRequest, "Bad request"}
	unauthorized              = problemKind{"unauthorized", http.StatusUnauthorized, "Unauthorized"}
	keyRevoked                = problemKind{"key_revoked", http.StatusUnauthorized, "API key revoked"} // valid once: ask for a new key
	keyExpired                = problemKind{"key_expired", http.StatusUnauthorized, "API key expired"}
	forbidden                 = problemKind{"forbidden", http.StatusForbidden, "Forbidden"}
	notFound                  = problemKind{"not_found", http.StatusNotFound, "Not found"}
	methodNotAllowed          = problemKind{"method_not_allowed", http.StatusMethodNotAllowed, "Method not allowed"}
	unsupportedMediaType      = problemKind{"unsupported_media_type", http.StatusUnsupportedMediaType, "Unsupported media type"}
	conflict                  = problemKind{"conflict", http.StatusConflict, "Connection already exists"}
	billingConnectionRequired = problemKind{"billing_connection_required", http.StatusConflict, "Billing connection required"}
	resourceConnectionsExist  = problemKind{"resource_connections_exist", http.StatusConflict, "Resource connections exist"}
	preconditionFailed        = problemKind{"precondition_failed", http.StatusPreconditionFailed, "Precondition failed"}
	validationFailed          = problemKind{"validation", http.StatusUnprocessableEntity, "Invalid request"}
	idempotencyKeyReused      = problemKind{"idempotency_key_reused", http.StatusUnprocessableEntity, "Idempotency key reused"}
	keyedConnectionDeleted    = problemKind{"keyed_connection_deleted", http.StatusGone, "Connection deleted"}
	rateLimited               = problemKind{"rate_limited", http.StatusTooManyRequests, "Too many requests"}
	internalError             = problemKind{"internal", http.StatusInternalServerError, "Internal server error"}
	serviceMisconfigured      = problemKind{"service_misconfigured", http.StatusServiceUnavailable, "Service not configured"}
	checkQueued               = problemKind{"check_queued", http.StatusServiceUnavailable, "Health check queued"}
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type       string       `json:"type"`
	Title      string       `json:"title"`
	Status     int          `json:"status"`
	Detail     string       `json:"detail"`
	Errors     []fieldError `json:"errors,omitempty"`
	ExistingID string       `json:"existing_id,omitempty"`
}

// fieldError is one invalid request field, named as in the JSON body.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *problem) Error() string { return p.Title + ": " + p.Detail }

func newProblem(k problemKind, format string, args ...any) *problem {
	return &problem{Type: "urn:costlink:problem:" + k.code, Title: k.title, Status: k.status, Detail: fmt.Sprintf(format, args...)}
}

// fieldErrors collects validation failures.
type fieldErrors []fieldError

// add records err (when not nil) against field.
func (fe *fieldErrors) add(field string, err error) {
	if err != nil {
		*fe = append(*fe, fieldError{Field: field, Message: err.Error()})
	}
}

// problem returns a validation problem listing the errors, or nil when there are none.
func (fe fieldErrors) problem() error {
	if len(fe) == 0 {
		return nil
	}
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Field + ": " + e.Message
	}
	p := newProblem(validationFailed, "%s", strings.Join(msgs, "; "))
	p.Errors = fe
	return p
}

// writeError answers with the problem err stands for.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemFor(r, err)
	w.Header().Set("Content-Type", "application/problem+json")
	writeJSON(w, p.Status, p)
}

// problemFor maps an error to its problem; unexpected errors are logged and
// hidden behind a generic 500.
func (s *server) problemFor(r *http.Request, err error) *problem {
	var (
		p       *problem
		ce      *store.ConflictError
		rce     *store.ResourceConnectionsExistError
		reused  *store.IdempotencyKeyReusedError
		deleted *store.KeyedConnectionDeletedError
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &ce):
		p = newProblem(conflict, "%s: import it (ID %s) or choose another", conflictDetail[ce.Field], ce.ExistingID)
		p.ExistingID = ce.ExistingID
		return p
	case errors.Is(err, store.ErrNotFound) && r.PathValue("id") != "":
		return newProblem(notFound, "no connection with ID %s exists in this organization", validate.QuoteInput(r.PathValue("id")))
	case errors.Is(err, store.ErrNotFound):
		return newProblem(notFound, "the requested record does not exist")
	case errors.Is(err, store.ErrBillingConnectionRequired):
		return newProblem(billingConnectionRequired,
			"connect the organization's management (payer) account with a billing connection first, then add resource connections")
	case errors.As(err, &rce):
		return newProblem(resourceConnectionsExist, "resource connections need a billing connection, so delete %s", dependentsDetail(rce))
	case errors.As(err, &reused):
		p = newProblem(idempotencyKeyReused, "this Idempotency-Key was already used for a different request, which created "+
			"connection %s: send a new key for a new request, or change that connection with PATCH", reused.ConnectionID)
		p.ExistingID = reused.ConnectionID
		return p
	case errors.As(err, &deleted):
		p = newProblem(keyedConnectionDeleted, "the connection this Idempotency-Key created, %s, has been deleted since: "+
			"to create the connection again, send the request with a new key", deleted.ConnectionID)
		p.ExistingID = deleted.ConnectionID
		return p
	}
	level := slog.LevelError
	if errors.Is(err, context.Canceled) {
		level = slog.LevelInfo // the client went away
	}
	s.log.LogAttrs(r.Context(), level, "request failed", slog.String("method", r.Method),
		slog.String("route", routeLabel(r.Pattern)), slog.String("error", err.Error()))
	return newProblem(internalError, "the service failed to handle the request; try again later")
}

// conflictDetail explains each store conflict field.
var conflictDetail = map[string]string{
	store.ConflictName:        "another connection in this organization already has this name",
	store.ConflictAccountType: "this AWS account already has a connection of this type in this organization",
}

// dependentsDetail names the resource connections to delete before the
// billing connection: "the organization's 12 resource connections before its
// billing connection: prod (conn_1), dev (conn_2) and 10 more".
func dependentsDetail(e *store.ResourceConnectionsExistError) string {
	names := make([]string, len(e.Connections))
	for i, c := range e.Connections {
		names[i] = fmt.Sprintf("%s (%s)", c.Name, c.ID)
	}
	what := "resource connection"
	if e.Total != 1 {
		what = fmt.Sprintf("%d resource connections", e.Total)
	}
	listed := strings.Join(names, ", ")
	if more := e.Total - len(names); more > 0 {
		listed += fmt.Sprintf(" and %d more", more)
	}
	return fmt.Sprintf("the organization's %s before its billing connection: %s", what, listed)
}
