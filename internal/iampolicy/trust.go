package iampolicy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var (
	// externalIDPattern is the character rule of STS AssumeRole's ExternalId
	// (2 to 1224 of them; Go's regexp cannot count past 1000).
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Trust policy problems VerifyTrust reports, for errors.Is.
var (
	ErrPrincipalNotTrusted   = errors.New("the role's trust policy does not allow the platform's principal to assume it")
	ErrExternalIDNotRequired = errors.New("the role's trust policy allows the platform's principal without requiring the organization's external ID")
	ErrExternalIDMismatch    = errors.New("the role's trust policy requires an external ID other than the organization's")
	ErrTrustDenied           = errors.New("the role's trust policy explicitly denies the platform's principal sts:AssumeRole")
)

// TrustPolicy returns the role's trust (assume-role) policy: the service's
// principal may assume the role only with the organization's external ID,
// which is what stops another platform customer from using the role
// (the confused-deputy problem).
func TrustPolicy(principalARN, externalID string) (string, error) {
	if _, err := validate.ParsePrincipalARN(principalARN); err != nil {
		return "", err
	}
	if len(externalID) < 2 || len(externalID) > 1224 || !externalIDPattern.MatchString(externalID) {
		return "", fmt.Errorf("external ID %s is not valid: use 2 to 1224 letters, digits and the characters +=,.@:/-_", validate.QuoteInput(externalID))
	}
	return render(policyDoc{Version: policyVersion, Statement: statements{{
		Effect:    "Allow",
		Principal: &principal{byType: map[string]values{"AWS": {principalARN}}},
		Action:    values{"sts:AssumeRole"},
		Condition: conditions{"StringEquals": {"sts:ExternalId": {externalID}}},
	}}})
}

// anyExternalID stands for the external ID the platform sends when it acts
// for another organization: the longest value STS accepts, made of a
// character no external ID may contain, so that only a condition admitting
// every value matches it (a pattern of wildcards alone, a negated operator).
var anyExternalID = strings.Repeat(" ", 1224)

// VerifyTrust checks a role's trust policy (as IAM's GetRole returns it) by
// evaluating it as AWS does for principalARN calling sts:AssumeRole with
// externalID ("Policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
// and as AWS would for the same principal acting for anyone else. It returns
// an error wrapping
//   - ErrTrustDenied: a Deny statement matches the platform's request (one
//     whose conditions cannot all be evaluated counts as matching);
//   - ErrExternalIDNotRequired: the policy lets the principal in without the
//     external ID, or with any external ID: the confused-deputy risk;
//   - ErrExternalIDMismatch: statements allow the principal, but none with
//     externalID;
//   - ErrPrincipalNotTrusted: no statement allows the principal;
//
// or the parse error of a malformed document or principal ARN. Conditions on
// keys other than sts:ExternalId cannot be evaluated and do not keep an Allow
// from applying: the health check runs after AWS has let the platform in.
func VerifyTrust(doc, principalARN, externalID string) error {
	d, err := parse(doc)
	if err != nil {
		return err
	}
	if err := normalize(&d); err != nil {
		return err
	}
	c, err := newCaller(principalARN)
	if err != nil {
		return err
	}
	ours := request{caller: c, externalID: &externalID}
	switch {
	case d.denies(ours, maybe):
		return fmt.Errorf("%w: remove or narrow the Deny statement that matches %s calling sts:AssumeRole with the external ID %q",
			ErrTrustDenied, principalARN, externalID)
	case d.allows(request{caller: c}) || d.allows(request{caller: c, externalID: &anyExternalID}):
		return fmt.Errorf("%w: require the condition StringEquals sts:ExternalId = %q in every statement that allows %s",
			ErrExternalIDNotRequired, externalID, principalARN)
	case d.allows(ours):
		return nil
	case slices.ContainsFunc(d.Statement, func(st statement) bool { return st.Effect == "Allow" && st.appliesTo(c) }):
		// Only the external-ID condition can have kept that statement out.
		return fmt.Errorf("%w: set the condition StringEquals sts:ExternalId to %q", ErrExternalIDMismatch, externalID)
	default:
		return fmt.Errorf("%w: allow sts:AssumeRole for %s with the condition StringEquals sts:ExternalId = %q",
			ErrPrincipalNotTrusted, principalARN, externalID)
	}
}

// denies reports whether a Deny statement matches r at least at the given
// level: maybe counts a Deny whose conditions cannot be evaluated, yes only
// one that certainly applies.
func (d policyDoc) denies(r request, atLeast tri) bool {
	return slices.ContainsFunc(d.Statement, func(st statement) bool { return st.Effect == "Deny" && st.matches(r) >= atLeast })
}

// allows reports whether AWS would let r in: an Allow statement matches it
// (conditions that cannot be evaluated are assumed to hold) and no Deny
// statement certainly does. Used for requests that must not get in, it errs
// toward reporting them allowed.
func (d policyDoc) allows(r request) bool {
	allowed := slices.ContainsFunc(d.Statement, func(st statement) bool { return st.Effect == "Allow" && st.matches(r) >= maybe })
	return allowed && !d.denies(r, yes)
}
