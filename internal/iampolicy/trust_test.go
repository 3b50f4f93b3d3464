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
		{"no condition", without(`,"Condition":{"StringEquals":{"sts:ExternalId":"costlink-org-4f1c"}}`, ""), ErrExternalIDNotRequired},
		{"other external ID", without(externalID, "someone-else"), ErrExternalIDMismatch},
		{"any of several external IDs", without(`"`+externalID+`"`, `["`+externalID+`","someone-else"]`), ErrExternalIDMismatch},
		{"same external ID twice", without(`"`+externalID+`"`, `["`+externalID+`","`+externalID+`"]`), nil},
		{"external ID in another case", without(externalID, strings.ToUpper(externalID)), ErrExternalIDMismatch},
		{"one statement right, another with another ID", withStatement(ours,
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"someone-else"}}}`),
			ErrExternalIDMismatch},
		{"another ID and no condition", withStatement(without(externalID, "someone-else"),
			`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`),
			ErrExternalIDNotRequired},
		{"StringLike instead of StringEquals", without("StringEquals", "StringLike"), ErrExternalIDNotRequired},
		{"anyone without condition", withStatement(ours, `{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), ErrExternalIDNotRequired},
		{"other principal", without("123456789012", "210987654321"), ErrPrincipalNotTrusted},
		{"denied", without(`"Allow"`, `"Deny"`), ErrPrincipalNotTrusted},
		{"other action", without(`"sts:AssumeRole"`, `"sts:TagSession"`), ErrPrincipalNotTrusted},
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
		errors.Is(err, ErrPrincipalNotTrusted) || errors.Is(err, ErrExternalIDNotRequired) || errors.Is(err, ErrExternalIDMismatch) {
		t.Errorf("VerifyTrust of a malformed document = %v, want a parse error", err)
	}
}

// withStatement appends a statement to a policy document.
func withStatement(doc, stmt string) string {
	return strings.TrimSuffix(doc, "]}") + "," + stmt + "]}"
}
