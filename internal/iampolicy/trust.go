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
		return "", fmt.Errorf("external ID %q is not valid: use 2 to 1224 letters, digits and the characters +=,.@:/-_", externalID)
	}
	return render(policyDoc{Version: policyVersion, Statement: statements{{
		Effect:    "Allow",
		Principal: &principal{byType: map[string]values{"AWS": {principalARN}}},
		Action:    values{"sts:AssumeRole"},
		Condition: conditions{"StringEquals": {"sts:ExternalId": {externalID}}},
	}}})
}

// VerifyTrust checks a role's trust policy (as IAM's GetRole returns it)
// the way the health check needs: some statement must allow principalARN
// to call sts:AssumeRole, and every statement that does must require exactly
// externalID. It returns an error wrapping ErrPrincipalNotTrusted,
// ErrExternalIDNotRequired (a statement has no StringEquals sts:ExternalId
// condition) or ErrExternalIDMismatch (the condition admits another value),
// or the parse error of a malformed document. A statement without the
// condition outweighs one with another value: it lets anyone holding the
// principal in.
func VerifyTrust(doc, principalARN, externalID string) error {
	d, err := parse(doc)
	if err != nil {
		return err
	}
	if err := normalize(&d); err != nil {
		return err
	}
	trusted := false
	var mismatch error
	for _, st := range d.Statement {
		if st.Effect != "Allow" || !st.Principal.includesAWS(awsPrincipal(principalARN)) || !st.allowsAction("sts:assumerole") {
			continue
		}
		trusted = true
		ids, ok := st.externalIDCondition()
		switch {
		case !ok:
			return fmt.Errorf("%w: add the condition StringEquals sts:ExternalId = %q", ErrExternalIDNotRequired, externalID)
		case !slices.Equal(ids, values{externalID}) && mismatch == nil:
			mismatch = fmt.Errorf("%w: set the condition StringEquals sts:ExternalId to %q alone", ErrExternalIDMismatch, externalID)
		}
	}
	if !trusted {
		return fmt.Errorf("%w: allow sts:AssumeRole for %s", ErrPrincipalNotTrusted, principalARN)
	}
	return mismatch
}

// includesAWS reports whether p names the normalized AWS principal id,
// directly or through a wildcard.
func (p *principal) includesAWS(id string) bool {
	if p == nil {
		return false
	}
	aws := p.byType["AWS"]
	return p.anyone || slices.Contains(aws, id) || slices.Contains(aws, "*")
}

// allowsAction reports whether the statement's Action or NotAction covers
// the lower-case action.
func (st statement) allowsAction(action string) bool {
	if st.NotAction != nil {
		return !anyCovers(st.NotAction, action)
	}
	return anyCovers(st.Action, action)
}

// externalIDCondition returns the values the statement's StringEquals
// sts:ExternalId condition admits, and whether it has one. Condition keys
// are case-insensitive in IAM; the values are not.
func (st statement) externalIDCondition() (values, bool) {
	for key, vs := range st.Condition["StringEquals"] {
		if strings.EqualFold(key, "sts:ExternalId") {
			return vs, true
		}
	}
	return nil, false
}
