package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// policyVersion is the policy language version every rendered document uses.
const policyVersion = "2012-10-17"

// policyDoc is an IAM policy document. Field order is the canonical key order
// of rendered JSON.
type policyDoc struct {
	Version   string     `json:"Version,omitempty"`
	ID        string     `json:"Id,omitempty"`
	Statement statements `json:"Statement"`
}

// statement is one policy statement, fields in canonical key order.
type statement struct {
	Sid          string     `json:"Sid,omitempty"`
	Effect       string     `json:"Effect"`
	Principal    *principal `json:"Principal,omitempty"`
	NotPrincipal *principal `json:"NotPrincipal,omitempty"`
	Action       values     `json:"Action,omitempty"`
	NotAction    values     `json:"NotAction,omitempty"`
	Resource     values     `json:"Resource,omitempty"`
	NotResource  values     `json:"NotResource,omitempty"`
	Condition    conditions `json:"Condition,omitempty"`
}

// conditions maps operator to condition key to values.
type conditions map[string]map[string]values

// statements is a Statement element: IAM accepts one statement object or a
// list; it renders as a list.
type statements []statement

func (s *statements) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		var one statement
		if err := decodeStrict(data, &one); err != nil {
			return err
		}
		*s = statements{one}
		return nil
	}
	var list []statement
	if err := decodeStrict(data, &list); err != nil {
		return err
	}
	*s = list
	return nil
}

// values is a policy element that IAM accepts as one value or a list of them
// (Action, Resource, principal and condition values). It renders one value as
// a string and several as a list, the form IAM's own examples use.
type values []string

func (v *values) UnmarshalJSON(data []byte) error {
	// UseNumber keeps numbers as written: an unquoted account ID must not
	// turn into a float.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return err
	}
	list, ok := x.([]any)
	if !ok {
		list = []any{x}
	}
	out := make(values, 0, len(list))
	for _, item := range list {
		// Condition values may be JSON booleans or numbers; IAM compares
		// them as their text, so true and "true" are the same value.
		switch item := item.(type) {
		case string:
			out = append(out, item)
		case json.Number:
			out = append(out, item.String())
		case bool:
			out = append(out, strconv.FormatBool(item))
		default:
			return fmt.Errorf("policy value %s is not a string, number or boolean", validate.QuoteInput(string(data)))
		}
	}
	*v = out
	return nil
}

func (v values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return marshal(v[0])
	}
	return marshal([]string(v))
}

// principal is a Principal element: "*" (anyone) or principals by type
// ("AWS", "Service", "Federated", "CanonicalUser").
type principal struct {
	anyone bool
	byType map[string]values
}

func (p *principal) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		if s != "*" {
			return fmt.Errorf("principal %s: a string principal must be \"*\"", validate.QuoteInput(s))
		}
		*p = principal{anyone: true}
		return nil
	}
	var m map[string]values
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("principal must be \"*\" or an object of principal type to values: %w", err)
	}
	*p = principal{byType: m}
	return nil
}

func (p principal) MarshalJSON() ([]byte, error) {
	if p.anyone {
		return []byte(`"*"`), nil
	}
	return marshal(p.byType)
}

// parse reads a policy document as a user, the service or IAM wrote it,
// including the URL-encoded form IAM's GetRole and GetRolePolicy return.
// Unknown elements are errors so that a misspelt key is never silently
// ignored by a comparison.
func parse(doc string) (policyDoc, error) {
	text := strings.TrimSpace(doc)
	// JSON cannot start with "%", so a leading one means URL encoding. IAM's
	// API reference suggests form decoders such as Java's URLDecoder, hence
	// QueryUnescape: '+' decodes to a space, a literal '+' arrives as %2B.
	if strings.HasPrefix(text, "%") {
		decoded, err := url.QueryUnescape(text)
		if err != nil {
			return policyDoc{}, fmt.Errorf("policy document looks URL-encoded but does not decode: %w", err)
		}
		text = strings.TrimSpace(decoded)
	}
	var d policyDoc
	if err := decodeStrict([]byte(text), &d); err != nil {
		return policyDoc{}, fmt.Errorf("policy document is not valid policy JSON: %w", err)
	}
	if len(d.Statement) == 0 {
		return policyDoc{}, errors.New("policy document has no Statement")
	}
	for i, st := range d.Statement {
		if element := st.emptyList(); element != "" {
			return policyDoc{}, fmt.Errorf("policy document statement %d: %s is an empty list: it must have at least one value", i+1, element)
		}
	}
	return d, nil
}

// emptyList names the first element of st written as an empty list, or
// returns "". IAM's grammar gives a list "one or more values" ("Grammar of
// the IAM JSON policy language",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html;
// the elements: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html),
// and IAM refuses a statement without actions as MalformedPolicyDocument.
// Kept, "NotAction": [] would mean every action to the evaluator but vanish
// from the rendering (omitempty), so Equivalent and VerifyTrust would
// disagree about the same document.
func (st statement) emptyList() string {
	for _, e := range []struct {
		name string
		vs   values
	}{{"Action", st.Action}, {"NotAction", st.NotAction}, {"Resource", st.Resource}, {"NotResource", st.NotResource}} {
		if e.vs != nil && len(e.vs) == 0 {
			return e.name
		}
	}
	for _, e := range []struct {
		name string
		p    *principal
	}{{"Principal", st.Principal}, {"NotPrincipal", st.NotPrincipal}} {
		if e.p == nil {
			continue
		}
		for _, typ := range slices.Sorted(maps.Keys(e.p.byType)) {
			if len(e.p.byType[typ]) == 0 {
				return e.name + " " + validate.QuoteInput(typ)
			}
		}
	}
	for _, op := range slices.Sorted(maps.Keys(st.Condition)) {
		for _, key := range slices.Sorted(maps.Keys(st.Condition[op])) {
			if len(st.Condition[op][key]) == 0 {
				return "Condition " + validate.QuoteInput(op) + " " + validate.QuoteInput(key)
			}
		}
	}
	return ""
}

// decodeStrict decodes exactly one JSON value, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}

// render is the compact canonical JSON of v: no whitespace and no HTML
// escaping, so its length is what IAM counts.
func render(v any) (string, error) {
	b, err := marshal(v)
	return string(b), err
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// size is the length of v's rendering as IAM counts it (see iamLength).
func size(v any) (int, error) {
	s, err := render(v)
	return iamLength(s), err
}

// iamLength is the length of a policy document as IAM counts it against its
// size limits: characters other than whitespace.
func iamLength(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}
