package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// maxBodyDepth bounds how deeply a request body may nest; the API's bodies
// nest two levels, and the scan below recurses once per level.
const maxBodyDepth = 32

// errTooDeep stops the scan of a body nested deeper than maxBodyDepth.
var errTooDeep = errors.New("nested too deeply")

// duplicateKeyError stops the scan at the first key seen twice in one object.
type duplicateKeyError struct{ path string }

func (e *duplicateKeyError) Error() string { return "duplicate key " + e.path }

// refuseDuplicateKeys returns a bad_request problem when an object in body,
// at any depth, has a key twice, naming its path ("regions", "a.b",
// "items[2].name"): encoding/json would keep the last silently, so a body
// that another parser reads differently would be accepted. Malformed JSON
// passes: the decoder explains it.
func refuseDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers are skipped, not parsed
	err := scanValue(dec, "", 0)
	var dup *duplicateKeyError
	switch {
	case errors.As(err, &dup):
		return newProblem(badRequest, "the request body has the key %s twice: send each key once", validate.QuoteInput(dup.path))
	case errors.Is(err, errTooDeep):
		return newProblem(badRequest, "the request body nests deeper than %d levels", maxBodyDepth)
	}
	return nil
}

// scanValue reads one JSON value, found at path, from dec.
func scanValue(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	if depth == maxBodyDepth {
		return errTooDeep
	}
	seen := map[string]bool{} // an object's keys so far
	for i := 0; dec.More(); i++ {
		elemPath := path + "[" + strconv.Itoa(i) + "]"
		if tok == json.Delim('{') {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := key.(string) // object keys are always strings
			elemPath = name
			if path != "" {
				elemPath = path + "." + name
			}
			if seen[name] {
				return &duplicateKeyError{path: elemPath}
			}
			seen[name] = true
		}
		if err := scanValue(dec, elemPath, depth+1); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing } or ]
	return err
}
