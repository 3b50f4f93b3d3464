package iampolicy

import (
	"errors"
	"fmt"
)

// Trust problem codes, as the health of a connection reports them. They are
// defined here, beside VerifyTrust, because both the service's check and
// the provider's diagnosis of a refused role phrase what VerifyTrust finds.
const (
	CodeTrustPrincipalMismatch     = "trust_principal_mismatch"
	CodeExternalIDConditionMissing = "external_id_condition_missing"
	CodeExternalIDMismatch         = "external_id_mismatch"
	CodeTrustExplicitDeny          = "trust_explicit_deny"
)

// TrustFinding is what is wrong with a role's trust policy for the
// platform, said for the customer: a code, what was found and what to
// change.
type TrustFinding struct {
	Code        string
	Message     string
	Remediation string
}

// TrustStatement is the trust policy statement the platform needs, as
// remediations spell it out.
func TrustStatement(principalARN, externalID string) string {
	return fmt.Sprintf("a statement allowing sts:AssumeRole for %s with the condition StringEquals sts:ExternalId = %q", principalARN, externalID)
}

// CheckTrust verifies the trust policy doc of roleARN (VerifyTrust) and
// phrases what is wrong with it; wrong is false when nothing is.
func CheckTrust(doc, roleARN, principalARN, externalID string) (f TrustFinding, wrong bool) {
	err := VerifyTrust(doc, principalARN, externalID)
	switch {
	case err == nil:
		return TrustFinding{}, false
	case errors.Is(err, ErrTrustDenied):
		return TrustFinding{
			Code:    CodeTrustExplicitDeny,
			Message: fmt.Sprintf("the trust policy of role %s has a Deny statement that applies to %s calling sts:AssumeRole", roleARN, principalARN),
			Remediation: fmt.Sprintf("Remove the Deny statement that matches %s from the role's trust policy, or add a condition so that it no longer "+
				"applies to sts:AssumeRole with the external ID %q.", principalARN, externalID),
		}, true
	case errors.Is(err, ErrPrincipalNotTrusted):
		return TrustFinding{
			Code:        CodeTrustPrincipalMismatch,
			Message:     fmt.Sprintf("the trust policy of role %s does not allow the platform's principal %s to call sts:AssumeRole", roleARN, principalARN),
			Remediation: fmt.Sprintf("Add %s to the role's trust policy.", TrustStatement(principalARN, externalID)),
		}, true
	case errors.Is(err, ErrExternalIDNotRequired):
		return TrustFinding{
			Code: CodeExternalIDConditionMissing,
			Message: fmt.Sprintf("the trust policy of role %s lets %s assume it without the organization's external ID, "+
				"so anyone using the platform could reach the role", roleARN, principalARN),
			Remediation: fmt.Sprintf("Add the condition StringEquals sts:ExternalId = %q to every trust policy statement that allows %s.",
				externalID, principalARN),
		}, true
	case errors.Is(err, ErrExternalIDMismatch):
		return TrustFinding{
			Code:        CodeExternalIDMismatch,
			Message:     fmt.Sprintf("the trust policy of role %s requires an external ID other than the organization's", roleARN),
			Remediation: fmt.Sprintf("Set the trust policy's condition StringEquals sts:ExternalId to %q alone.", externalID),
		}, true
	default:
		// A document that cannot be interpreted cannot be shown to trust
		// the platform, so the role is not trusted.
		return TrustFinding{
			Code:        CodeTrustPrincipalMismatch,
			Message:     fmt.Sprintf("the trust policy of role %s cannot be verified: %v", roleARN, err),
			Remediation: fmt.Sprintf("Replace the role's trust policy with one holding %s.", TrustStatement(principalARN, externalID)),
		}, true
	}
}
