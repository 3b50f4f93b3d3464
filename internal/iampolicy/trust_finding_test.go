package iampolicy

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckTrustNamesTheCauseAndTheStatement(t *testing.T) {
	const principal, externalID = "arn:aws:iam::123456789012:root", "ext-0123456789"
	trust := func(effect, principal, condition string) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":%q,"Principal":{"AWS":%q},"Action":"sts:AssumeRole"%s}]}`,
			effect, principal, condition)
	}
	withID := func(id string) string {
		return fmt.Sprintf(`,"Condition":{"StringEquals":{"sts:ExternalId":%q}}`, id)
	}
	allowed := trust("Allow", principal, withID(externalID))
	for name, tc := range map[string]struct {
		doc, code, fix string
	}{
		"another principal":     {trust("Allow", "arn:aws:iam::999999999999:root", withID(externalID)), CodeTrustPrincipalMismatch, `Add a statement allowing sts:AssumeRole for arn:aws:iam::123456789012:root with the condition StringEquals sts:ExternalId = "ext-0123456789"`},
		"another external ID":   {trust("Allow", principal, withID("someone-else")), CodeExternalIDMismatch, `sts:ExternalId to "ext-0123456789"`},
		"no external ID":        {trust("Allow", principal, ""), CodeExternalIDConditionMissing, `Add the condition StringEquals sts:ExternalId = "ext-0123456789"`},
		"denied explicitly":     {strings.Replace(allowed, `]}`, `,{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, 1), CodeTrustExplicitDeny, "Remove the Deny statement"},
		"not a policy document": {`{"Statement":`, CodeTrustPrincipalMismatch, "Replace the role's trust policy"},
	} {
		f, wrong := CheckTrust(tc.doc, "arn:aws:iam::222222222222:role/r", principal, externalID)
		if !wrong || f.Code != tc.code || !strings.Contains(f.Remediation, tc.fix) || !strings.Contains(f.Message, "role/r") {
			t.Errorf("%s: CheckTrust = %+v, %v; want code %s and a fix containing %q", name, f, wrong, tc.code, tc.fix)
		}
	}
	if f, wrong := CheckTrust(allowed, "arn:aws:iam::222222222222:role/r", principal, externalID); wrong {
		t.Errorf("a correct trust policy was found wrong: %+v", f)
	}
}
