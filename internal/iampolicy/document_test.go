package iampolicy

import (
	"strings"
	"testing"
)

// An empty list is refused wherever IAM takes a list: kept, "NotAction": []
// meant every action to VerifyTrust but vanished from Normalize's rendering,
// so the two disagreed about one document (FuzzVerifyTrust/empty-notaction).
func TestParseRefusesEmptyList(t *testing.T) {
	t.Parallel()
	const allow = `"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"`
	tests := []struct {
		statement, element string
	}{
		{`"Effect":"Deny","Principal":{"AWS":"123456789012"},"NotAction":[]`, "NotAction"},
		{`"Effect":"Allow","Principal":"*","Action":[]`, "Action"},
		{allow + `,"Resource":[]`, "Resource"},
		{allow + `,"NotResource":[]`, "NotResource"},
		{`"Effect":"Allow","Principal":{"AWS":[],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"`, `Principal "AWS"`},
		{`"Effect":"Deny","NotPrincipal":{"AWS":[]},"Action":"sts:AssumeRole"`, `NotPrincipal "AWS"`},
		{allow + `,"Condition":{"StringEquals":{"sts:ExternalId":[]}}`, `Condition "StringEquals" "sts:ExternalId"`},
	}
	for _, tt := range tests {
		doc := `{"Version":"2012-10-17","Statement":[{` + allow + `},{` + tt.statement + `}]}`
		want := "statement 2: " + tt.element + " is an empty list: it must have at least one value"
		if _, err := Normalize(doc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Normalize(%s) = %v, want an error containing %q", doc, err, want)
		}
		err := VerifyTrust(doc, servicePrincipal, externalID)
		if err == nil || trustOutcome(err) != errUnreadable {
			t.Errorf("VerifyTrust(%s) = %v, want the document refused as unreadable", doc, err)
		}
	}
}
