package iampolicy

import (
	"errors"
	"testing"
)

var (
	// trustOutcomes are the verdicts of VerifyTrust on a document it can read.
	trustOutcomes = []error{ErrTrustDenied, ErrExternalIDNotRequired, ErrExternalIDMismatch, ErrPrincipalNotTrusted}
	// errUnreadable stands for any other error: a malformed document or principal.
	errUnreadable = errors.New("unreadable document or principal")
)

// trustOutcome names VerifyTrust's verdict: nil, one of trustOutcomes, or
// errUnreadable.
func trustOutcome(err error) error {
	if err == nil {
		return nil
	}
	for _, outcome := range trustOutcomes {
		if errors.Is(err, outcome) {
			return outcome
		}
	}
	return errUnreadable
}

// denyAll is a statement that denies everyone every action.
var denyAll = statement{Effect: "Deny", Principal: &principal{anyone: true}, Action: values{"*"}}

// FuzzVerifyTrust evaluates arbitrary trust policies: VerifyTrust and
// CheckTrust never panic and agree, a document reaches the verdict of its
// normal form and of a reordered copy, and once a Deny-all statement is
// added nothing is allowed. TestVerifyTrust has the named cases.
func FuzzVerifyTrust(f *testing.F) {
	f.Add(trust, servicePrincipal, "ext-1")
	f.Add(trust, "arn:aws:iam::123456789012:role/path/platform", "ext-2")
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*",`+
		`"Condition":{"StringLike":{"sts:ExternalId":"ext-*"}}},{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"NotAction":["iam:*"]}]}`,
		"arn:aws:iam::123456789012:user/u", "ext-1")
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Null":{"sts:ExternalId":"false"},`+
		`"ForAnyValue:StringNotEqualsIgnoreCaseIfExists":{"STS:EXTERNALID":["a","b"]}}}}`, servicePrincipal, "b")
	f.Fuzz(func(t *testing.T, doc, principalARN, externalID string) {
		verdict := trustOutcome(VerifyTrust(doc, principalARN, externalID))
		finding, wrong := CheckTrust(doc, "arn:aws:iam::210987654321:role/costlink", principalARN, externalID)
		if wrong != (verdict != nil) || (wrong && finding.Code == "") {
			t.Fatalf("CheckTrust = %+v, %v but VerifyTrust's verdict is %v", finding, wrong, verdict)
		}
		d, err := parse(doc)
		if err != nil {
			return
		}
		canonical, err := Normalize(doc)
		if err == nil {
			if got := trustOutcome(VerifyTrust(canonical, principalARN, externalID)); got != verdict {
				t.Fatalf("verdict %v for %q, but %v for its normal form %s", verdict, doc, got, canonical)
			}
		}
		if other := mustRender(t, reordered(d)); trustOutcome(VerifyTrust(other, principalARN, externalID)) != verdict {
			t.Fatalf("verdict %v for %q, but not for its reordered copy %s", verdict, doc, other)
		}
		d.Statement = append(d.Statement, denyAll)
		denied := mustRender(t, d)
		got := trustOutcome(VerifyTrust(denied, principalARN, externalID))
		if verdict != errUnreadable && got != ErrTrustDenied {
			t.Fatalf("with a Deny-all statement, %s gives %v, want %v", denied, got, ErrTrustDenied)
		}
		if got == nil {
			t.Fatalf("with a Deny-all statement, %s allows %s", denied, principalARN)
		}
	})
}

// FuzzTrustPolicy checks that the trust policy the platform asks for lets
// the principal in with the organization's external ID and with no other.
func FuzzTrustPolicy(f *testing.F) {
	f.Add(servicePrincipal, externalID, "costlink-org-0000")
	f.Add("arn:aws-cn:iam::123456789012:role/p/platform", "a:b/c@d", "A:B/C@D")
	f.Add("arn:aws:iam::123456789012:user/platform", "ab", "ab ")
	f.Fuzz(func(t *testing.T, principalARN, externalID, other string) {
		doc, err := TrustPolicy(principalARN, externalID)
		if err != nil {
			return
		}
		if err := VerifyTrust(doc, principalARN, externalID); err != nil {
			t.Fatalf("TrustPolicy(%q, %q) = %s, which VerifyTrust refuses: %v", principalARN, externalID, doc, err)
		}
		if other == externalID {
			return
		}
		if err := VerifyTrust(doc, principalARN, other); !errors.Is(err, ErrExternalIDMismatch) {
			t.Fatalf("TrustPolicy(%q, %q) verified with external ID %q: %v, want %v", principalARN, externalID, other, err, ErrExternalIDMismatch)
		}
	})
}
