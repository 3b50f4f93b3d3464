package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// maxBodyBytes bounds request bodies; a connection is a few hundred bytes.
const maxBodyBytes = 1 << 20

// writeJSON writes v as the response body. The Content-Type is
// application/json unless the caller has set one.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own response types get here, and they always marshal
	}
	writeBody(w, status, append(body, '\n'))
}

// writeBody writes an already encoded JSON body.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away; nothing left to tell it
}

// decodeJSON reads the request body, one JSON object, into dst. Unknown
// fields and trailing data are refused so a client's typo is not ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		return newProblem(badRequest, "the request body must be a single JSON object")
	}
	var (
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		var fe fieldErrors
		fe.add(typeErr.Field, fmt.Errorf("must be %s, not a JSON %s", jsonTypeName(typeErr.Type), typeErr.Value))
		return fe.problem()
	case errors.As(err, &typeErr):
		return newProblem(badRequest, "the request body must be a JSON object, not a JSON %s", typeErr.Value)
	case errors.As(err, &tooBig):
		return newProblem(badRequest, "the request body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return newProblem(badRequest, "the request body is empty: send a JSON object")
	}
	// encoding/json has no error type for unknown fields, only this message.
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return newProblem(badRequest, "the request body has an unknown field %s: see /v1/openapi.yaml", field)
	}
	return newProblem(badRequest, "the request body is not valid JSON: %v", err)
}

// jsonTypeName names a request field's Go type the way a JSON user knows it.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "an array"
	case reflect.String:
		return "a string"
	}
	return t.String()
}
