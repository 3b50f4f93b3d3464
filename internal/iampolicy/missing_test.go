package iampolicy

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestCovers(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"ec2:describeinstances", "ec2:describeinstances", true},
		{"ec2:describe*", "ec2:describeinstances", true},
		{"ec2:*", "ec2:describeinstances", true},
		{"*", "ec2:describeinstances", true},
		{"ec2:describe?nstances", "ec2:describeinstances", true},
		{"ec2:describe*s", "ec2:describeinstances", true},
		{"ec2:describe*", "ec2:runinstances", false},
		{"ec2:describevolumes", "ec2:describeinstances", false},
		{"ec2:describeinstances", "ec2:describeinstance", false},
		{"ec2:describeinstance", "ec2:describeinstances", false},
		// A wanted wildcard needs a pattern at least as broad.
		{"ce:get*", "ce:get*", true},
		{"ce:*", "ce:get*", true},
		{"ce:g*", "ce:get*", true},
		{"ce:getcost*", "ce:get*", false},
		{"ce:getcostandusage", "ce:get*", false},
		{"ce:get?", "ce:get*", false},
		{"arn:aws:s3:::cur*", "arn:aws:s3:::cur/*", true},
		{"arn:aws:s3:::cur/*", "arn:aws:s3:::cur", false},
		{"arn:aws:s3:::*/*", "arn:aws:s3:::cur/*", true},
	}
	for _, tt := range tests {
		if got := covers(tt.pattern, tt.s); got != tt.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestMissingActions(t *testing.T) {
	want := Policy{Documents: []Document{{Name: "costlink-billing-1", JSON: `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Read","Effect":"Allow","Action":["ce:Get*","cloudwatch:GetMetricData","ec2:DescribeInstances","ec2:DescribeVolumes"],"Resource":"*"},` +
		`{"Sid":"Export","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::cur","arn:aws:s3:::cur/*"]}]}`}}}

	tests := []struct {
		name string
		have []string
		want []string
	}{
		{"same documents", []string{want.Documents[0].JSON}, nil},
		{"nothing", nil, []string{"ce:Get*", "cloudwatch:GetMetricData", "ec2:DescribeInstances", "ec2:DescribeVolumes", "s3:GetObject", "s3:ListBucket"}},
		{"wildcards and other case, split over documents", []string{
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["EC2:Describe*","ce:*","cloudwatch:Get*"],"Resource":"*"}}`,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
		}, nil},
		{"URL-encoded as IAM returns it", []string{url.QueryEscape(want.Documents[0].JSON)}, nil},
		{"narrower wildcard and explicit actions", []string{
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ce:GetCostAndUsage","cloudwatch:*","ec2:DescribeInstances"],"Resource":"*"},` +
				`{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::cur","arn:aws:s3:::cur/*"]}]}`,
		}, []string{"ce:Get*", "ec2:DescribeVolumes"}},
		{"another bucket, object ARNs only", []string{
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ce:Get*","cloudwatch:GetMetricData","ec2:Describe*"],"Resource":"*"},` +
				`{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::other","arn:aws:s3:::cur/*"]}]}`,
		}, []string{"s3:GetObject", "s3:ListBucket"}},
		{"conditional, denied, NotAction", []string{
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},` +
				`{"Effect":"Deny","Action":"ec2:*","Resource":"*"},{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},` +
				`{"Effect":"Allow","Action":["ce:Get*","cloudwatch:GetMetricData","ec2:DescribeInstances","s3:*"],"Resource":"*"}]}`,
		}, []string{"ec2:DescribeVolumes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MissingActions(want, tt.have)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MissingActions = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := MissingActions(want, []string{`{"Statement":`}); err == nil {
		t.Error("MissingActions accepted a malformed document")
	}
}

// TestMissingActionsWithDenials: a wanted Deny statement takes permissions
// away, so a role that lacks it lacks no action (the document comparison
// reports it as outdated instead), and a role that has it is complete.
func TestMissingActionsWithDenials(t *testing.T) {
	allow := `{"Sid":"Read","Effect":"Allow","Action":["ec2:DescribeInstances","s3:ListBucket"],"Resource":"*"}`
	deny := `{"Sid":"DenyObjectListing","Effect":"Deny","Action":"s3:ListBucket*","NotResource":["arn:aws:s3:::cur","arn:aws:s3:::cur/*"]}`
	want := Policy{Documents: []Document{{Name: "costlink-billing-1", JSON: `{"Version":"2012-10-17","Statement":[` + allow + `,` + deny + `]}`}}}
	for name, tt := range map[string]struct {
		have []string
		want []string
	}{
		"with the Deny":    {[]string{want.Documents[0].JSON}, nil},
		"without the Deny": {[]string{`{"Version":"2012-10-17","Statement":[` + allow + `]}`}, nil},
		"only the Deny":    {[]string{`{"Version":"2012-10-17","Statement":[` + deny + `]}`}, []string{"ec2:DescribeInstances", "s3:ListBucket"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := MissingActions(want, tt.have)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MissingActions = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMissingActionsOfGeneratedPolicy(t *testing.T) {
	p := mustGenerate(t, Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket"})
	if got, err := MissingActions(p, docsJSON(p)); err != nil || got != nil {
		t.Errorf("MissingActions of its own documents = %v, %v", got, err)
	}
	// The generated documents hold Deny statements; none of their actions
	// is one the role lacks.
	if !strings.Contains(docsJSON(p)[0], `"Effect":"Deny"`) {
		t.Fatal("the generated policy has no Deny statement")
	}
	got, err := MissingActions(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p.Actions) {
		t.Errorf("MissingActions with no documents = %v, want every action %v", got, p.Actions)
	}
}
