package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
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

// decodeJSON reads the request body, one JSON object, into dst. The body
// must be labelled application/json (415 otherwise), and unknown fields,
// duplicate keys and trailing data are refused so that a client's typo or a
// body another parser reads differently is not taken silently.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err == nil && len(body) > 0 {
		err = requireJSONContent(r.Header.Get("Content-Type"))
	}
	if err == nil {
		err = refuseDuplicateKeys(body)
	}
	if err == nil {
		err = decodeStrict(body, dst)
	}
	var (
		p       *problem
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &p):
		return p
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
		if name, err := strconv.Unquote(field); err == nil {
			return unknownField(name)
		}
	}
	return newProblem(badRequest, "the request body is not valid JSON: %v", err)
}

func unknownField(name string) *problem {
	return newProblem(badRequest, "the request body has an unknown field %s: see /v1/openapi.yaml", validate.QuoteInput(name))
}

// decodeStrict decodes the one JSON value of body into dst, a pointer to a
// struct, refusing unknown fields and anything after the value.
func decodeStrict(body []byte, dst any) error {
	if err := refuseInexactKeys(body, reflect.TypeOf(dst).Elem()); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return newProblem(badRequest, "the request body must be a single JSON object")
	}
	return nil
}

// refuseInexactKeys refuses an object key that is not exactly the JSON name
// of a field of struct type t. encoding/json matches keys ignoring case, and
// folds "ſ" to "s", so {"name":"a","Name":"b"} would be read as the name "b"
// where another parser reads "a". Bodies that are not objects pass: the
// decoder explains them.
func refuseInexactKeys(body []byte, t reflect.Type) error {
	var object map[string]json.RawMessage
	_ = json.Unmarshal(body, &object) // checks the syntax first, so anything but an object leaves it empty
	names := make(map[string]bool, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names[name] = true
	}
	for _, key := range slices.Sorted(maps.Keys(object)) {
		if !names[key] {
			return unknownField(key)
		}
	}
	return nil
}

// requireJSONContent returns an unsupported_media_type problem unless
// contentType is application/json, parameters such as charset allowed.
func requireJSONContent(contentType string) error {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err == nil && mediaType == "application/json" {
		return nil
	}
	if contentType == "" {
		return newProblem(unsupportedMediaType, "the request body has no Content-Type: send it as application/json")
	}
	return newProblem(unsupportedMediaType, "the request body is %s: send it as application/json", validate.QuoteInput(contentType))
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
