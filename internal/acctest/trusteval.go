package acctest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// This file is the harness's own reading of a role trust policy: the oracle
// the product's diagnosis is tested against, written apart from
// internal/iampolicy so that the two cannot share a mistake. It follows
//   - Policy evaluation logic:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//   - IAM JSON policy elements: Principal:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
//   - How to use an external ID when granting access to your AWS resources
//     to a third party:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html

// errInvalidTrustPolicy is a trust policy the evaluator cannot read; IAM
// never stores one, so meeting it means the lookup went wrong.
var errInvalidTrustPolicy = errors.New("invalid trust policy")

// trustRequest is an sts:AssumeRole call as the trust policy sees it.
type trustRequest struct {
	caller     principal
	externalID string
	// hasExternalID is false when the call carries no ExternalId, which no
	// sts:ExternalId condition accepts.
	hasExternalID bool
}

// trustPolicy is a trust policy document; Statement may be one statement
// or a list of them.
type trustPolicy struct {
	Statement oneOrMany[trustStatement]
}

type trustStatement struct {
	Effect       string
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Action       oneOrMany[string]
	NotAction    oneOrMany[string]
	Condition    map[string]map[string]json.RawMessage
}

// oneOrMany is a policy element that holds one value or a list of them.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var one T
	if err := json.Unmarshal(b, &one); err == nil {
		*o = oneOrMany[T]{one}
		return nil
	}
	var many []T
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*o = many
	return nil
}

// match says whether a statement's part holds for the request: yes, no, or
// unknown for what the evaluator does not support.
type match int

const (
	matchNo match = iota
	matchYes
	matchUnknown
)

// allowsAssumeRole evaluates document for req as AWS does for one
// resource-based policy: an explicit Deny that applies wins, otherwise an
// Allow that applies allows, otherwise the request is implicitly denied.
// What the evaluator does not support counts against the caller: an Allow
// it cannot fully evaluate does not apply, a Deny it cannot fully evaluate
// does (in doubt, deny).
func allowsAssumeRole(document string, req trustRequest) (bool, error) {
	return evaluateTrust(document, func(s trustStatement) match { return s.applies(req) })
}

// decodePolicyDocument undoes the URL encoding IAM applies to policy
// documents in its answers.
func decodePolicyDocument(doc string) (string, error) {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc, nil
	}
	decoded, err := url.QueryUnescape(doc)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errInvalidTrustPolicy, err)
	}
	return decoded, nil
}

// applies combines the statement's principal, action and condition parts.
func (s trustStatement) applies(req trustRequest) match {
	return allOf(s.principalMatch(req.caller), s.actionMatch("sts:AssumeRole"), s.conditionMatch(req))
}

// allOf combines the parts of a statement: no if any is no, else unknown
// if any is unknown, else yes.
func allOf(parts ...match) match {
	result := matchYes
	for _, m := range parts {
		if m == matchNo {
			return matchNo
		}
		if m == matchUnknown {
			result = matchUnknown
		}
	}
	return result
}

func (s trustStatement) principalMatch(caller principal) match {
	switch {
	case s.Principal != nil && s.NotPrincipal == nil:
		return principalElementMatch(s.Principal, caller)
	case s.NotPrincipal != nil && s.Principal == nil && s.Effect == "Deny":
		return principalElementMatch(s.NotPrincipal, caller).negate()
	default:
		// A trust policy statement needs exactly one of them; Allow with
		// NotPrincipal is outside what the evaluator supports.
		return matchUnknown
	}
}

// principalElementMatch matches "*" or {"AWS": ...}; other principal types
// (Service, Federated, CanonicalUser) never name an IAM caller.
func principalElementMatch(element json.RawMessage, caller principal) match {
	var star string
	if json.Unmarshal(element, &star) == nil {
		if star == "*" {
			return matchYes
		}
		return matchUnknown
	}
	var byType map[string]oneOrMany[string]
	if err := json.Unmarshal(element, &byType); err != nil {
		return matchUnknown
	}
	for _, p := range byType["AWS"] {
		if awsPrincipalNames(p, caller) {
			return matchYes
		}
	}
	return matchNo
}

// awsPrincipalNames says whether an AWS principal value names the caller:
// "*"; an account, as its ID or its root ARN, which stands for every
// principal of that account; the caller's role (covering its sessions);
// the caller's own user or session ARN.
func awsPrincipalNames(p string, caller principal) bool {
	switch {
	case p == "*":
		return true
	case p == caller.account, p == "arn:aws:iam::"+caller.account+":root":
		return true
	case caller.roleARN != "" && p == caller.roleARN:
		return true
	default:
		return p == caller.arn
	}
}

// actionMatch matches action against Action or NotAction, with wildcards
// and regardless of case, as IAM matches action names.
func (s trustStatement) actionMatch(action string) match {
	switch {
	case s.Action != nil && s.NotAction == nil:
		return boolMatch(anyGlob(s.Action, action, true))
	case s.NotAction != nil && s.Action == nil:
		return boolMatch(!anyGlob(s.NotAction, action, true))
	default:
		return matchUnknown
	}
}

// conditionMatch supports StringEquals and StringLike on sts:ExternalId:
// keys are case-insensitive, values case-sensitive, and a list of values
// holds when any one of them does. Any other operator or key is unknown.
func (s trustStatement) conditionMatch(req trustRequest) match {
	result := matchYes
	for operator, keys := range s.Condition {
		for key, raw := range keys {
			var values oneOrMany[string]
			if !strings.EqualFold(key, "sts:ExternalId") || json.Unmarshal(raw, &values) != nil ||
				(operator != "StringEquals" && operator != "StringLike") {
				result = matchUnknown
				continue
			}
			if !req.hasExternalID || !anyValueMatches(operator, values, req.externalID) {
				return matchNo
			}
		}
	}
	return result
}

func anyValueMatches(operator string, values []string, got string) bool {
	if operator == "StringLike" {
		return anyGlob(values, got, false)
	}
	for _, v := range values {
		if v == got {
			return true
		}
	}
	return false
}

// anyGlob says whether any pattern, with * (any run) and ? (one
// character), matches s.
func anyGlob(patterns []string, s string, foldCase bool) bool {
	for _, p := range patterns {
		expr := strings.NewReplacer(`\*`, `.*`, `\?`, `.`).Replace(regexp.QuoteMeta(p))
		if foldCase {
			expr = "(?i)" + expr
		}
		if regexp.MustCompile("^" + expr + "$").MatchString(s) {
			return true
		}
	}
	return false
}

// negate is the match of NotPrincipal: unknown stays unknown.
func (m match) negate() match {
	switch m {
	case matchYes:
		return matchNo
	case matchNo:
		return matchYes
	default:
		return matchUnknown
	}
}

func boolMatch(b bool) match {
	if b {
		return matchYes
	}
	return matchNo
}
