package iampolicy

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const (
	servicePrincipal = "arn:aws:iam::123456789012:root"
	externalID       = "costlink-org-4f1c"
)

func TestTrustPolicyShape(t *testing.T) {
	doc, err := TrustPolicy(servicePrincipal, externalID)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole",` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"costlink-org-4f1c"}}}]}`
	if doc != want {
		t.Errorf("TrustPolicy =\n%s\nwant\n%s", doc, want)
	}
	var generic map[string]any
	if err := json.Unmarshal([]byte(doc), &generic); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	wantGeneric := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": servicePrincipal},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}},
		}},
	}
	if !reflect.DeepEqual(generic, wantGeneric) {
		t.Errorf("TrustPolicy decodes to %v, want %v", generic, wantGeneric)
	}
}

func TestTrustPolicyRejectsBadInput(t *testing.T) {
	for _, in := range [][2]string{
		{"123456789012", externalID},
		{"arn:aws:iam::123456789012:group/admins", externalID},
		{"arn:aws:sts::123456789012:assumed-role/r/s", externalID},
		{servicePrincipal, ""},
		{servicePrincipal, "x"},
		{servicePrincipal, "has space"},
		{servicePrincipal, `quote"`},
		{servicePrincipal, strings.Repeat("a", 1225)},
	} {
		if doc, err := TrustPolicy(in[0], in[1]); err == nil {
			t.Errorf("TrustPolicy(%q, %q) = %s, want an error", in[0], in[1], doc)
		}
	}
}

func TestVerifyTrust(t *testing.T) {
	ours, err := TrustPolicy(servicePrincipal, externalID)
	if err != nil {
		t.Fatal(err)
	}
	without := func(old, replacement string) string { return strings.Replace(ours, old, replacement, 1) }
	// allow builds a one-statement trust policy allowing sts:AssumeRole for
	// the principal element p with the condition element cond ("" for none).
	allow := func(p, cond string) string {
		return policyOf(`{"Effect":"Allow","Principal":` + p + `,"Action":"sts:AssumeRole"` + withCondition(cond) + `}`)
	}
	const ourCondition = `{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}`
	denyStatement := func(p, cond string) string {
		return `{"Effect":"Deny","Principal":` + p + `,"Action":"sts:AssumeRole"` + withCondition(cond) + `}`
	}
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"generated", ours, nil},
		{"as IAM returns it", url.QueryEscape(ours), nil},
		{"account ID principal, action list, other statements", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
			{"Effect":"Allow","Principal":{"AWS":["999999999999","123456789012"]},"Action":["sts:AssumeRole","sts:TagSession"],
			 "Condition":{"StringEquals":{"sts:externalid":"costlink-org-4f1c"},"Bool":{"aws:SecureTransport":"true"}}}]}`, nil},
		{"wildcard action", without(`"sts:AssumeRole"`, `"sts:Assume*"`), nil},
		{"NotAction leaving AssumeRole in", without(`"Action":"sts:AssumeRole"`, `"NotAction":"iam:*"`), nil},

		// Principal element: "*", the ARN itself, or its account.
		{"anyone with the condition", allow(`"*"`, ourCondition), nil},
		{"AWS wildcard with the condition", allow(`{"AWS":"*"}`, ourCondition), nil},
		{"other principal", without("123456789012", "210987654321"), ErrPrincipalNotTrusted},
		{"service principal only", allow(`{"Service":"ec2.amazonaws.com"}`, ourCondition), ErrPrincipalNotTrusted},
		{"other action", without(`"sts:AssumeRole"`, `"sts:TagSession"`), ErrPrincipalNotTrusted},
		{"NotAction excluding AssumeRole", without(`"Action":"sts:AssumeRole"`, `"NotAction":"sts:Assume*"`), ErrPrincipalNotTrusted},

		// sts:ExternalId condition: any listed value may match.
		{"no condition", without(`,"Condition":{"StringEquals":{"sts:ExternalId":"costlink-org-4f1c"}}`, ""), ErrExternalIDNotRequired},
		{"other external ID", without(externalID, "someone-else"), ErrExternalIDMismatch},
		{"ours among several external IDs", without(`"`+externalID+`"`, `["someone-else","`+externalID+`"]`), nil},
		{"several external IDs, none ours", without(`"`+externalID+`"`, `["someone-else","another"]`), ErrExternalIDMismatch},
		{"same external ID twice", without(`"`+externalID+`"`, `["`+externalID+`","`+externalID+`"]`), nil},
		{"external ID in another case", without(externalID, strings.ToUpper(externalID)), ErrExternalIDMismatch},
		{"StringEqualsIgnoreCase in another case", allow(`{"AWS":"123456789012"}`,
			`{"StringEqualsIgnoreCase":{"sts:ExternalId":"`+strings.ToUpper(externalID)+`"}}`), nil},
		{"StringLike without wildcards", without("StringEquals", "StringLike"), nil},
		{"StringLike with * and ?", allow(`{"AWS":"123456789012"}`, `{"StringLike":{"sts:ExternalId":["other-*","costlink-org-4?1*"]}}`), nil},
		{"StringLike not matching", allow(`{"AWS":"123456789012"}`, `{"StringLike":{"sts:ExternalId":"costlink-org-5*"}}`), ErrExternalIDMismatch},
		{"StringLike admitting any ID", allow(`{"AWS":"123456789012"}`, `{"StringLike":{"sts:ExternalId":"*"}}`), ErrExternalIDNotRequired},
		{"StringNotEquals another ID", allow(`{"AWS":"123456789012"}`, `{"StringNotEquals":{"sts:ExternalId":"someone-else"}}`), ErrExternalIDNotRequired},
		{"StringEqualsIfExists", without("StringEquals", "StringEqualsIfExists"), ErrExternalIDNotRequired},
		{"ForAnyValue:StringEquals", without("StringEquals", "ForAnyValue:StringEquals"), nil},
		{"ForAllValues:StringEquals", without("StringEquals", "ForAllValues:StringEquals"), ErrExternalIDNotRequired},
		{"Null false alone", allow(`{"AWS":"123456789012"}`, `{"Null":{"sts:ExternalId":"false"}}`), ErrExternalIDNotRequired},
		{"condition on another key only", allow(`{"AWS":"123456789012"}`, `{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}`), ErrExternalIDNotRequired},
		{"numeric operator on the external ID", allow(`{"AWS":"123456789012"}`, `{"NumericEquals":{"sts:ExternalId":"1"}}`), ErrExternalIDNotRequired},
		{"one statement right, another with another ID", withStatement(ours,
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"someone-else"}}}`),
			nil},
		{"another ID and no condition", withStatement(without(externalID, "someone-else"),
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`),
			ErrExternalIDNotRequired},
		{"anyone without condition", withStatement(ours, `{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), ErrExternalIDNotRequired},
		{"no condition, but others denied", withStatement(allow(`{"AWS":"123456789012"}`, ""),
			denyStatement(`"*"`, `{"StringNotEquals":{"sts:ExternalId":"`+externalID+`"}}`)), nil},
		{"no condition, a missing ID denied only", withStatement(allow(`{"AWS":"123456789012"}`, ""),
			denyStatement(`"*"`, `{"Null":{"sts:ExternalId":"true"}}`)), ErrExternalIDNotRequired},

		// Explicit Deny wins over any Allow.
		{"denied", without(`"Allow"`, `"Deny"`), ErrTrustDenied},
		{"denied to anyone", withStatement(ours, denyStatement(`"*"`, "")), ErrTrustDenied},
		{"denied to the account", withStatement(ours, denyStatement(`{"AWS":"arn:aws:iam::123456789012:root"}`, "")), ErrTrustDenied},
		{"denied with our external ID", withStatement(ours, denyStatement(`{"AWS":"123456789012"}`, ourCondition)), ErrTrustDenied},
		{"deny on a condition that cannot be evaluated", withStatement(ours,
			denyStatement(`"*"`, `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`)), ErrTrustDenied},
		{"deny for other external IDs", withStatement(ours,
			denyStatement(`"*"`, `{"StringNotEquals":{"sts:ExternalId":"`+externalID+`"}}`)), nil},
		{"deny to another principal", withStatement(ours, denyStatement(`{"AWS":"210987654321"}`, "")), nil},
		{"deny of another action", withStatement(ours,
			`{"Effect":"Deny","Principal":"*","Action":"sts:TagSession"}`), nil},
		{"deny to everyone but the account", withStatement(ours,
			`{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`), nil},
		{"deny with NotPrincipal anyone", withStatement(ours,
			`{"Effect":"Deny","NotPrincipal":"*","Action":"sts:AssumeRole"}`), nil},
		{"allow with NotPrincipal another account", policyOf(`{"Effect":"Allow","NotPrincipal":{"AWS":"210987654321"},` +
			`"Action":"sts:AssumeRole","Condition":` + ourCondition + `}`), nil},
		{"allow with NotPrincipal the account", policyOf(`{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},` +
			`"Action":"sts:AssumeRole","Condition":` + ourCondition + `}`), ErrPrincipalNotTrusted},
		{"deny to everyone but another account", withStatement(ours,
			`{"Effect":"Deny","NotPrincipal":{"AWS":"210987654321"},"Action":"sts:AssumeRole"}`), ErrTrustDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyTrust(tt.doc, servicePrincipal, externalID)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("VerifyTrust = %v, want %v", err, tt.want)
			}
		})
	}
	if err := VerifyTrust("not json", servicePrincipal, externalID); err == nil ||
		errors.Is(err, ErrPrincipalNotTrusted) || errors.Is(err, ErrExternalIDNotRequired) || errors.Is(err, ErrExternalIDMismatch) ||
		errors.Is(err, ErrTrustDenied) {
		t.Errorf("VerifyTrust of a malformed document = %v, want a parse error", err)
	}
}

// policyOf is a 2012-10-17 policy of the statements.
func policyOf(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// withCondition is the Condition element cond as the tail of a statement.
func withCondition(cond string) string {
	if cond == "" {
		return ""
	}
	return `,"Condition":` + cond
}

// withStatement appends a statement to a policy document.
func withStatement(doc, stmt string) string {
	return strings.TrimSuffix(doc, "]}") + "," + stmt + "]}"
}

// TestVerifyTrustPrincipals covers a platform principal that is a role or a
// user rather than an account root: an account principal delegates to every
// principal of the account, a principal ARN names only itself.
func TestVerifyTrustPrincipals(t *testing.T) {
	const (
		role = "arn:aws:iam::123456789012:role/platform/costlink-platform"
		user = "arn:aws:iam::123456789012:user/costlink"
	)
	trusting := func(p string) string {
		return policyOf(`{"Effect":"Allow","Principal":{"AWS":"` + p + `"},"Action":"sts:AssumeRole",` +
			`"Condition":{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}}`)
	}
	denyAllBut := func(doc string, exempt ...string) string {
		return withStatement(doc, `{"Effect":"Deny","NotPrincipal":{"AWS":["`+strings.Join(exempt, `","`)+`"]},"Action":"sts:AssumeRole"}`)
	}
	const session = "arn:aws:sts::123456789012:assumed-role/costlink-platform/health"
	tests := []struct {
		name, principal, doc string
		want                 error
	}{
		{"role trusted by account ID", role, trusting("123456789012"), nil},
		{"role trusted by account root", role, trusting(servicePrincipal), nil},
		{"role trusted by its ARN", role, trusting(role), nil},
		{"user trusted by account ID", user, trusting("123456789012"), nil},
		{"role not trusted by another role", role, trusting("arn:aws:iam::123456789012:role/other"), ErrPrincipalNotTrusted},
		{"role not trusted by another account", role, trusting("210987654321"), ErrPrincipalNotTrusted},
		{"root not trusted by a role of its account", servicePrincipal, trusting(role), ErrPrincipalNotTrusted},
		{"role exempt from a deny by account, role and session", role, denyAllBut(trusting(role), servicePrincipal, role, session), nil},
		{"role denied when the deny exempts only the role", role, denyAllBut(trusting(role), role), ErrTrustDenied},
		{"role denied when the deny exempts no session", role, denyAllBut(trusting(role), servicePrincipal, role), ErrTrustDenied},
		{"user exempt from a deny by account and user", user, denyAllBut(trusting(user), "123456789012", user), nil},
		{"root exempt from a deny by account", servicePrincipal, denyAllBut(trusting(servicePrincipal), "123456789012"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyTrust(tt.doc, tt.principal, externalID)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("VerifyTrust = %v, want %v", err, tt.want)
			}
		})
	}
	if err := VerifyTrust(trusting(role), "arn:aws:iam::123456789012:group/admins", externalID); err == nil || errors.Is(err, ErrPrincipalNotTrusted) {
		t.Errorf("VerifyTrust with a group as the principal = %v, want a principal error", err)
	}
}
