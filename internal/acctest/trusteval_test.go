package acctest

import (
	"net/url"
	"testing"
)

func TestAllowsAssumeRole(t *testing.T) {
	t.Parallel()
	user := basePrincipal
	session := principal{
		account: "210000000001",
		arn:     "arn:aws:sts::210000000001:assumed-role/deployer/ci",
		roleARN: "arn:aws:iam::210000000001:role/tools/deployer",
	}
	withID := func(p principal, id string) trustRequest {
		return trustRequest{caller: p, externalID: id, hasExternalID: true}
	}
	allow := func(principal, rest string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"` + rest + `}]}`
	}
	const externalID = `,"Condition":{"StringEquals":{"sts:ExternalId":"org-1"}}`
	tests := []struct {
		name string
		doc  string
		req  trustRequest
		want bool
	}{
		{"account root ARN", allow(`{"AWS":"arn:aws:iam::123456789012:root"}`, ""), trustRequest{caller: user}, true},
		{"account ID", allow(`{"AWS":"123456789012"}`, ""), trustRequest{caller: user}, true},
		{"another account", allow(`{"AWS":"arn:aws:iam::111122223333:root"}`, ""), trustRequest{caller: user}, false},
		{"user ARN", allow(`{"AWS":"`+baseUserARN+`"}`, ""), trustRequest{caller: user}, true},
		{"role ARN covers its sessions", allow(`{"AWS":"`+session.roleARN+`"}`, ""), trustRequest{caller: session}, true},
		{"another role of the account", allow(`{"AWS":"arn:aws:iam::210000000001:role/other"}`, ""), trustRequest{caller: session}, false},
		{"session's account root", allow(`{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::210000000001:root"]}`, ""), trustRequest{caller: session}, true},
		{"star", allow(`"*"`, ""), trustRequest{caller: session}, true},
		{"AWS star", allow(`{"AWS":"*"}`, ""), trustRequest{caller: session}, true},
		{"service principal", allow(`{"Service":"ec2.amazonaws.com"}`, ""), trustRequest{caller: user}, false},
		{"external ID matches", allow(`{"AWS":"123456789012"}`, externalID), withID(user, "org-1"), true},
		{"external ID differs", allow(`{"AWS":"123456789012"}`, externalID), withID(user, "org-2"), false},
		{"external ID values are case-sensitive", allow(`{"AWS":"123456789012"}`, externalID), withID(user, "ORG-1"), false},
		{"external ID missing", allow(`{"AWS":"123456789012"}`, externalID), trustRequest{caller: user}, false},
		{"external ID empty is not missing but differs", allow(`{"AWS":"123456789012"}`, externalID), withID(user, ""), false},
		{"condition key is case-insensitive", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringEquals":{"STS:EXTERNALID":"org-1"}}`), withID(user, "org-1"), true},
		{"one of a list", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":["org-0","org-1"]}}`), withID(user, "org-1"), true},
		{"none of a list", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":["org-0","org-2"]}}`), withID(user, "org-1"), false},
		{"StringLike glob", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringLike":{"sts:ExternalId":"org-?"}}`), withID(user, "org-7"), true},
		{"StringLike glob misses", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringLike":{"sts:ExternalId":"org-*"}}`), withID(user, "team-7"), false},
		{"unsupported operator: Allow does not apply", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringNotEquals":{"sts:ExternalId":"x"}}`), withID(user, "org-1"), false},
		{"unsupported key: Allow does not apply", allow(`{"AWS":"123456789012"}`, `,"Condition":{"StringEquals":{"aws:PrincipalTag/team":"x"}}`), withID(user, "org-1"), false},
		{"action wildcard", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:Assume*"}}`, trustRequest{caller: user}, true},
		{"action case-insensitive", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["STS:ASSUMEROLE"]}}`, trustRequest{caller: user}, true},
		{"another action", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRoleWithSAML"}}`, trustRequest{caller: user}, false},
		{"NotAction excluding another", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"NotAction":"sts:TagSession"}}`, trustRequest{caller: user}, true},
		{"NotAction excluding AssumeRole", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"NotAction":"sts:Assume*"}}`, trustRequest{caller: user}, false},
		{"explicit Deny wins", `{"Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","Principal":{"AWS":"` + baseUserARN + `"},"Action":"sts:AssumeRole"}]}`, trustRequest{caller: user}, false},
		{"Deny of someone else", `{"Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`, trustRequest{caller: user}, true},
		{"Deny with unsupported condition applies", `{"Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, trustRequest{caller: user}, false},
		{"Deny NotPrincipal spares the named", `{"Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","NotPrincipal":{"AWS":"` + baseUserARN + `"},"Action":"sts:AssumeRole"}]}`, trustRequest{caller: user}, true},
		{"Deny NotPrincipal hits the others", `{"Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","NotPrincipal":{"AWS":"` + baseUserARN + `"},"Action":"sts:AssumeRole"}]}`, trustRequest{caller: session}, false},
		{"no statement", `{"Version":"2012-10-17","Statement":[]}`, trustRequest{caller: user}, false},
		{"URL-encoded as IAM answers", url.QueryEscape(allow(`{"AWS":"123456789012"}`, externalID)), withID(user, "org-1"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := allowsAssumeRole(tt.doc, tt.req)
			if err != nil {
				t.Fatalf("allowsAssumeRole: %v", err)
			}
			if got != tt.want {
				t.Errorf("allowsAssumeRole(%s, caller %s) = %t, want %t", tt.doc, tt.req.caller.arn, got, tt.want)
			}
		})
	}
}

func TestAllowsAssumeRoleInvalidDocument(t *testing.T) {
	t.Parallel()
	if _, err := allowsAssumeRole(`{"Statement":`, trustRequest{caller: basePrincipal}); err == nil {
		t.Error("a truncated document evaluated without error")
	}
}

func TestCredentialScope(t *testing.T) {
	t.Parallel()
	got, ok := credentialScope("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20250101/eu-south-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	if !ok || got[0] != "ASIAEXAMPLE" || got[2] != "eu-south-1" || got[3] != "sts" {
		t.Errorf("credentialScope = %q, %t", got, ok)
	}
	if _, ok := credentialScope("Bearer token"); ok {
		t.Error("a bearer token read as a SigV4 credential scope")
	}
}
