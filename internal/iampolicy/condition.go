package iampolicy

import (
	"slices"
	"strings"
)

// externalIDKey is the only condition key a trust policy check can evaluate:
// the value the platform sends is known, the rest of the request context is not.
const externalIDKey = "sts:ExternalId"

// evaluate is the Condition element for r. Every operator and every key must
// hold (AND); several values of one key are alternatives (OR, NOR when the
// operator is negated): "Conditions with multiple context keys or values",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html.
// No condition at all is yes.
func (cs conditions) evaluate(r request) tri {
	out := yes
	for op, byKey := range cs {
		for key, vs := range byKey {
			out = min(out, evaluateCondition(op, key, vs, r))
		}
	}
	return out
}

// evaluateCondition is one operator on one key. A key other than
// sts:ExternalId (condition keys are case-insensitive) or an operator that
// does not apply to strings is maybe.
func evaluateCondition(op, key string, vs values, r request) tri {
	o, ok := parseOperator(op)
	if !ok || !strings.EqualFold(key, externalIDKey) {
		return maybe
	}
	if o.null {
		return o.evaluateNull(vs, r.externalID != nil)
	}
	if r.externalID == nil {
		return o.absent()
	}
	matched := slices.ContainsFunc(vs, func(v string) bool { return o.match(v, *r.externalID) })
	return triOf(matched != o.negated)
}

// operator is a parsed condition operator of the string family or Null
// ("IAM JSON policy elements: Condition operators",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
type operator struct {
	match    func(pattern, value string) bool
	negated  bool
	ifExists bool
	set      string // "forallvalues:", "foranyvalue:" or ""
	null     bool
}

// stringOperators are the string condition operators by lower-case name.
// StringLike's * and ? are the wildcards covers implements; every match but
// the IgnoreCase ones is case-sensitive.
var stringOperators = map[string]operator{
	"stringequals":              {match: equal},
	"stringnotequals":           {match: equal, negated: true},
	"stringequalsignorecase":    {match: strings.EqualFold},
	"stringnotequalsignorecase": {match: strings.EqualFold, negated: true},
	"stringlike":                {match: covers},
	"stringnotlike":             {match: covers, negated: true},
}

func equal(a, b string) bool { return a == b }

// parseOperator reads an operator name with its optional set prefix and
// IfExists suffix.
func parseOperator(name string) (operator, bool) {
	rest := strings.ToLower(name)
	set := ""
	for _, prefix := range []string{"forallvalues:", "foranyvalue:"} {
		if after, ok := strings.CutPrefix(rest, prefix); ok {
			set, rest = prefix, after
		}
	}
	if rest == "null" && set == "" {
		return operator{null: true}, true
	}
	base, ifExists := strings.CutSuffix(rest, "ifexists")
	o, ok := stringOperators[base]
	o.set, o.ifExists = set, ifExists
	return o, ok
}

// absent is the operator's outcome when the request has no such key: false,
// except that a negated operator, an IfExists operator and ForAllValues are
// true.
func (o operator) absent() tri {
	switch {
	case o.ifExists, o.set == "forallvalues:":
		return yes
	case o.set == "foranyvalue:":
		return no
	default:
		return triOf(o.negated)
	}
}

// evaluateNull is the Null operator: "true" holds when the key is absent,
// "false" when it is present.
func (o operator) evaluateNull(vs values, present bool) tri {
	out := no
	for _, v := range vs {
		switch strings.ToLower(v) {
		case "true":
			out = max(out, triOf(!present))
		case "false":
			out = max(out, triOf(present))
		default:
			out = max(out, maybe)
		}
	}
	return out
}
