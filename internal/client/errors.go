package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Problem types (the "type" member of a problem+json response) that callers
// tell apart beyond the HTTP status.
const (
	ProblemValidation                = "urn:costlink:problem:validation"
	ProblemConflict                  = "urn:costlink:problem:conflict"
	ProblemBillingConnectionRequired = "urn:costlink:problem:billing_connection_required"
)

// APIError is a response of the API outside 2xx, decoded from its
// application/problem+json body (RFC 9457) where it has one.
type APIError struct {
	Status int    `json:"status"` // the HTTP status of the response
	Type   string `json:"type"`   // a Problem* constant or another urn:costlink:problem: URN
	Title  string `json:"title"`
	Detail string `json:"detail"` // says what to do, written for people

	// Errors lists the invalid fields of a validation error, by their JSON
	// names (e.g. "name", "regions[1]").
	Errors []FieldError `json:"errors"`

	// ExistingID is the ID of the connection a conflict is with.
	ExistingID string `json:"existing_id"`
}

// FieldError is one invalid field of a validation error.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Sentinel errors for errors.Is. An *APIError matches one when the statuses
// are equal and, where both name a problem type, the types are too; so a 409
// conflict with an existing connection is ErrConflict, but a 409 that asks for
// a billing connection first is ErrBillingConnectionRequired.
var (
	ErrUnauthorized              = &APIError{Status: http.StatusUnauthorized}
	ErrForbidden                 = &APIError{Status: http.StatusForbidden}
	ErrNotFound                  = &APIError{Status: http.StatusNotFound}
	ErrConflict                  = &APIError{Status: http.StatusConflict, Type: ProblemConflict}
	ErrBillingConnectionRequired = &APIError{Status: http.StatusConflict, Type: ProblemBillingConnectionRequired}
	ErrPreconditionFailed        = &APIError{Status: http.StatusPreconditionFailed}
	ErrValidation                = &APIError{Status: http.StatusUnprocessableEntity, Type: ProblemValidation}
)

// Is implements the matching of the sentinel errors described above.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Status == e.Status && (t.Type == "" || e.Type == "" || t.Type == e.Type)
}

// IsUnauthorized reports whether err is a 401: no valid API key.
func IsUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }

// IsForbidden reports whether err is a 403: the API key lacks a scope.
func IsForbidden(err error) bool { return errors.Is(err, ErrForbidden) }

// IsNotFound reports whether err is a 404, which the API also answers for
// another organization's IDs.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err is a 409 conflict with an existing
// connection; ConflictingID tells which.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsPreconditionFailed reports whether err is a 412: the If-Match ETag is no
// longer current, someone else changed the record.
func IsPreconditionFailed(err error) bool { return errors.Is(err, ErrPreconditionFailed) }

// IsValidation reports whether err is a 422 validation error; its Errors
// name the fields.
func IsValidation(err error) bool { return errors.Is(err, ErrValidation) }

// ConflictingID returns the ID of the existing connection that err, a 409
// conflict, names, or "" when err names none.
func ConflictingID(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
		return apiErr.ExistingID
	}
	return ""
}

// Error says what went wrong and, where the status implies it, what to do,
// followed by the service's detail and the invalid fields one per line.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.summary())
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString("; " + hint)
	}
	if e.ExistingID != "" {
		fmt.Fprintf(&b, " (existing connection: %s)", e.ExistingID)
	}
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "\n- %s: %s", f.Field, f.Message)
	}
	return b.String()
}

func (e *APIError) summary() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "the API key was not accepted (401)"
	case e.Status == http.StatusForbidden:
		return "the API key is not allowed to do this (403)"
	case e.Status == http.StatusTooManyRequests:
		return "the costlink API rate limit was exceeded (429)"
	case e.Status >= 500:
		return fmt.Sprintf("the costlink API failed (%d %s)", e.Status, http.StatusText(e.Status))
	}
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s (%d)", title, e.Status)
}

func (e *APIError) hint() string {
	switch e.Status {
	case http.StatusUnauthorized:
		if strings.Contains(e.Detail, EnvAPIKey) {
			return "" // the detail says where to look already
		}
		return "check " + EnvAPIKey + " or the provider's api_key"
	case http.StatusForbidden:
		if strings.Contains(e.Detail, "connections:") {
			return "" // the detail names the scope already
		}
		return "reading needs an API key with the connections:read scope, changes need connections:write"
	case http.StatusTooManyRequests:
		return "try again later, or lower terraform's -parallelism"
	}
	return ""
}

// UnreachableError is a request that never reached the service: no
// connection could be made to its address (refused, unknown host, no route,
// dial timeout). Waiting rarely fixes that; the URL or the network must.
type UnreachableError struct {
	URL      string // the request's URL
	Attempts int
	Err      error // the last attempt's network error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot connect to the costlink API at %s (%d attempt(s)): %v", e.URL, e.Attempts, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err is an *UnreachableError.
func IsUnreachable(err error) bool {
	var unreachable *UnreachableError
	return errors.As(err, &unreachable)
}

// dialError returns the network error of a connection that could not be
// made, without the *url.Error around it that repeats the URL, or nil when
// err is anything else (a connection cut after it was made, say).
func dialError(err error) error {
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		return nil
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// readAPIError turns a response outside 2xx into an *APIError and closes its
// body. A body that is not problem+json (say, a proxy's HTML page) becomes
// the detail, shortened.
func readAPIError(resp *http.Response) *APIError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))

	var problem APIError
	if isJSON(resp.Header.Get("Content-Type")) && json.Unmarshal(body, &problem) == nil {
		problem.Status = resp.StatusCode // the status line wins over the body's copy
		return &problem
	}
	return &APIError{Status: resp.StatusCode, Detail: shorten(string(body), 300)}
}

func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"))
}

// shorten collapses whitespace and cuts s to at most n runes.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
