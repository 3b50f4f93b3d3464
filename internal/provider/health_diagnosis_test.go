package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/client"
)

func TestTrustProblemNamesTheCauseAndTheStatement(t *testing.T) {
	org := &client.Organization{PrincipalARN: "arn:aws:iam::123456789012:root", ExternalID: "ext-0123456789"}
	trust := func(effect, principal, condition string) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":%q,"Principal":{"AWS":%q},"Action":"sts:AssumeRole"%s}]}`,
			effect, principal, condition)
	}
	withID := func(id string) string {
		return fmt.Sprintf(`,"Condition":{"StringEquals":{"sts:ExternalId":%q}}`, id)
	}
	allowed := trust("Allow", org.PrincipalARN, withID(org.ExternalID))
	for name, tc := range map[string]struct {
		doc, code, fix string
	}{
		"another principal":     {trust("Allow", "arn:aws:iam::999999999999:root", withID(org.ExternalID)), codeTrustPrincipalMismatch, `Add a statement allowing sts:AssumeRole for arn:aws:iam::123456789012:root with the condition StringEquals sts:ExternalId = "ext-0123456789"`},
		"another external ID":   {trust("Allow", org.PrincipalARN, withID("someone-else")), codeExternalIDMismatch, `sts:ExternalId to "ext-0123456789"`},
		"no external ID":        {trust("Allow", org.PrincipalARN, ""), codeExternalIDConditionMissing, `Add the condition StringEquals sts:ExternalId = "ext-0123456789"`},
		"denied explicitly":     {strings.Replace(allowed, `]}`, `,{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, 1), codeTrustExplicitDeny, "Remove the Deny statement"},
		"not a policy document": {`{"Statement":`, codeTrustPrincipalMismatch, "Replace the trust policy"},
	} {
		d, wrong := trustProblem("arn:aws:iam::222222222222:role/r", tc.doc, org)
		if !wrong || d.Code != tc.code || !strings.Contains(d.Remediation, tc.fix) || !strings.Contains(d.Message, "role/r") {
			t.Errorf("%s: trustProblem = %+v, %v; want code %s and a fix containing %q", name, d, wrong, tc.code, tc.fix)
		}
	}
	if d, wrong := trustProblem("arn:aws:iam::222222222222:role/r", allowed, org); wrong {
		t.Errorf("a correct trust policy was found wrong: %+v", d)
	}
}
