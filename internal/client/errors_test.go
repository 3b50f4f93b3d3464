package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// errorFrom returns the error of a GetConnection answered by respond.
func errorFrom(t *testing.T, respond http.HandlerFunc) error {
	t.Helper()
	c := newTestClient(t, respond)
	_, err := c.GetConnection(context.Background(), "conn_1")
	if err == nil {
		t.Fatal("want an error")
	}
	return err
}

func TestConflictNamesTheExistingConnection(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusConflict, "conflict", "a connection named prod already exists",
			map[string]any{"existing_id": "conn_abc"})
	})

	if !IsConflict(err) || !errors.Is(err, ErrConflict) {
		t.Errorf("IsConflict(%v) = false", err)
	}
	if errors.Is(err, ErrBillingConnectionRequired) {
		t.Errorf("a name conflict matched ErrBillingConnectionRequired")
	}
	if got := ConflictingID(err); got != "conn_abc" {
		t.Errorf("ConflictingID = %q, want conn_abc", got)
	}
	if want := "Conflict (409): a connection named prod already exists (existing connection: conn_abc)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestBillingConnectionRequired(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusConflict, "billing_connection_required",
			"connect the organization's management (payer) account with a billing connection first", nil)
	})

	if !errors.Is(err, ErrBillingConnectionRequired) {
		t.Errorf("errors.Is(%v, ErrBillingConnectionRequired) = false", err)
	}
	if IsConflict(err) || ConflictingID(err) != "" {
		t.Errorf("a missing billing connection counted as a conflict with an existing one")
	}
	if !strings.Contains(err.Error(), "payer") {
		t.Errorf("Error() = %q, want the service's detail", err)
	}
}

func TestValidationErrorListsFields(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusUnprocessableEntity, "validation", "the connection is invalid",
			map[string]any{"errors": []map[string]string{
				{"field": "name", "message": "use lowercase letters, digits and dashes"},
				{"field": "regions[1]", "message": "unknown region mars-1"},
			}})
	})

	if !IsValidation(err) {
		t.Errorf("IsValidation(%v) = false", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Errors) != 2 || apiErr.Errors[1] != (FieldError{"regions[1]", "unknown region mars-1"}) {
		t.Fatalf("field errors not decoded: %#v", apiErr)
	}
	want := "Unprocessable Entity (422): the connection is invalid\n" +
		"- name: use lowercase letters, digits and dashes\n" +
		"- regions[1]: unknown region mars-1"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestIdempotencyKeyReusedIsNotAValidationError(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusUnprocessableEntity, "idempotency_key_reused", "different body", nil)
	})
	if IsValidation(err) {
		t.Errorf("IsValidation(%v) = true", err)
	}
}

func TestStatusHelpers(t *testing.T) {
	tests := []struct {
		status int
		is     func(error) bool
		want   []string // parts of Error()
	}{
		{http.StatusNotFound, IsNotFound, []string{"Not Found (404)", "no connection conn_1"}},
		{http.StatusPreconditionFailed, IsPreconditionFailed, []string{"(412)"}},
		{http.StatusUnauthorized, IsUnauthorized, []string{
			"the API key was not accepted (401)", "check COSTLINK_API_KEY or the provider's api_key"}},
		{http.StatusForbidden, IsForbidden, []string{
			"not allowed", "(403)", "connections:read", "connections:write"}},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
				writeProblem(t, w, tt.status, "some_code", "no connection conn_1", nil)
			})
			if !tt.is(err) {
				t.Errorf("the helper for %d does not match %v", tt.status, err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Error() = %q, want it to contain %q", err, want)
				}
			}
		})
	}
	if IsNotFound(errors.New("plain")) || IsNotFound(nil) {
		t.Errorf("IsNotFound matched an error that is not an *APIError")
	}
}

func TestForbiddenKeepsTheServicesScope(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusForbidden, "forbidden", "this API key lacks the connections:write scope", nil)
	})
	want := "the API key is not allowed to do this (403): this API key lacks the connections:write scope"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

// Measured in issue 9: the service's 401 detail says where to look, and the
// hint said it again.
func TestUnauthorizedHintOnce(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(t, w, http.StatusUnauthorized, "unauthorized", "the API key is not valid: check COSTLINK_API_KEY", nil)
	})
	if got := strings.Count(err.Error(), EnvAPIKey); got != 1 {
		t.Errorf("Error() = %q names %s %d times, want once", err, EnvAPIKey, got)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	err := errorFrom(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html>\n  <body>no   such page</body>\n</html>"))
	})

	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || !IsNotFound(err) {
		t.Fatalf("error = %#v, want a 404 *APIError", err)
	}
	if want := "Not Found (404): <html> <body>no such page</body> </html>"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestShortenCutsLongBodies(t *testing.T) {
	if got := shorten(strings.Repeat("é", 400), 300); len([]rune(got)) != 301 || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten kept %d runes: %q", len([]rune(got)), got)
	}
}
