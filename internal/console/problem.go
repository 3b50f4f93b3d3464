package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Problem is an API error answer (application/problem+json, RFC 9457) as
// the console shows it: the detail beside the form, and each field error
// beside its field.
type Problem struct {
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []ProblemField `json:"errors"`
}

// ProblemField is one invalid field of a request, named as in its JSON body.
type ProblemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return p.Detail }

// fieldErrors maps each of fields the API named to its messages, joined,
// for the form to show beside that field; "" holds the rest: errors of
// other fields, or the detail when no field is named.
func fieldErrors(err error, fields ...string) map[string]string {
	var p *Problem
	if !errors.As(err, &p) {
		return map[string]string{"": "The service could not do this: " + err.Error()}
	}
	out := map[string]string{}
	add := func(key, message string) {
		if out[key] != "" {
			out[key] += "; "
		}
		out[key] += message
	}
	for _, fe := range p.Errors {
		field, _, _ := strings.Cut(fe.Field, "[") // regions[1] is shown at regions
		if slices.Contains(fields, field) {
			add(field, fe.Message)
		} else {
			add("", fe.Field+": "+fe.Message)
		}
	}
	if len(out) == 0 {
		out[""] = p.Detail
	}
	return out
}

// statusOf is the HTTP status a page answers with after err: the API's
// own for a problem, 500 for anything else.
func statusOf(err error) int {
	var p *Problem
	if errors.As(err, &p) && p.Status >= 400 {
		return p.Status
	}
	return http.StatusInternalServerError
}
