package iampolicy

import (
	"net/url"
	"strings"
	"testing"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

const (
	permissions = `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Read","Effect":"Allow","Action":["ec2:DescribeInstances","s3:GetBucketTagging"],"Resource":"*"},` +
		`{"Sid":"Export","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::cur","arn:aws:s3:::cur/*"]}]}`
	trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole",` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}}]}`
)

// prettyPermissions is permissions as a person would write it: indented,
// keys and statements reordered, lists shuffled and repeated, one-element
// lists, and other letter case where IAM ignores it.
const prettyPermissions = `{
  "Statement": [
    {
      "Resource": ["arn:aws:s3:::cur/*", "arn:aws:s3:::cur"],
      "Action": ["S3:getobject"],
      "Effect": "allow",
      "Sid": "Export"
    },
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": ["s3:GetBucketTagging", "ec2:DescribeInstances", "EC2:DescribeInstances"],
      "Resource": ["*"]
    }
  ],
  "Version": "2012-10-17"
}`

func TestEquivalent(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", permissions, permissions, true},
		{"statement order", permissions, `{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"Export","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::cur","arn:aws:s3:::cur/*"]},` +
			`{"Sid":"Read","Effect":"Allow","Action":["ec2:DescribeInstances","s3:GetBucketTagging"],"Resource":"*"}]}`, true},
		{"whitespace, key order, statement and list order, case, duplicates", permissions, prettyPermissions, true},
		{"URL-encoded as IAM returns it", permissions, url.QueryEscape(prettyPermissions), true},
		{"URL-encoded with %20 spaces", permissions, strings.ReplaceAll(url.QueryEscape(prettyPermissions), "+", "%20"), true},
		{"action string vs one-element list", trust, strings.Replace(trust, `"sts:AssumeRole"`, `["sts:AssumeRole"]`, 1), true},
		{"action case", trust, strings.Replace(trust, `"sts:AssumeRole"`, `"STS:assumerole"`, 1), true},
		{"Effect case", trust, strings.Replace(trust, `"Allow"`, `"ALLOW"`, 1), true},
		{"account ID vs root ARN principal", trust, strings.Replace(trust, `"arn:aws:iam::123456789012:root"`, `"123456789012"`, 1), true},
		{"principal list order", strings.Replace(trust, `"arn:aws:iam::123456789012:root"`, `["111111111111","222222222222"]`, 1),
			strings.Replace(trust, `"arn:aws:iam::123456789012:root"`, `["arn:aws:iam::222222222222:root","111111111111"]`, 1), true},
		{"condition value string vs list", trust, strings.Replace(trust, `"ext-1"`, `["ext-1"]`, 1), true},
		{"condition boolean vs string", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}}`,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`, true},
		{"statement object vs list", trust, strings.Replace(strings.Replace(trust, `"Statement":[`, `"Statement":`, 1), `}]}`, `}}`, 1), true},
		{"repeated statement", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, true},
		{"absent Version is 2008-10-17", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, true},

		{"different action", permissions, strings.Replace(permissions, "s3:GetBucketTagging", "s3:GetBucketPolicy", 1), false},
		{"extra action", permissions, strings.Replace(permissions, `"s3:GetObject"`, `["s3:GetObject","s3:ListBucket"]`, 1), false},
		{"extra resource", permissions, strings.Replace(permissions, `"arn:aws:s3:::cur/*"]`, `"arn:aws:s3:::cur/*","arn:aws:s3:::other"]`, 1), false},
		{"resource case", permissions, strings.Replace(permissions, "arn:aws:s3:::cur/*", "arn:aws:s3:::CUR/*", 1), false},
		{"Allow vs Deny", permissions, strings.Replace(permissions, `"Allow"`, `"Deny"`, 1), false},
		{"different external ID", trust, strings.Replace(trust, "ext-1", "ext-2", 1), false},
		{"no external ID condition", trust, strings.Replace(trust, `,"Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}`, "", 1), false},
		{"different principal", trust, strings.Replace(trust, "123456789012", "210987654321", 1), false},
		{"different Sid", permissions, strings.Replace(permissions, `"Read"`, `"Metadata"`, 1), false},
		{"extra statement", permissions, strings.TrimSuffix(permissions, "]}") + `,{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}`, false},
		{"absent Version vs 2012-10-17", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, false},
		{"Action vs NotAction", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"s3:GetObject","Resource":"*"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				got, err := Equivalent(pair[0], pair[1])
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("Equivalent(\n%s,\n%s) = %v, want %v", pair[0], pair[1], got, tt.want)
				}
			}
		})
	}
}

// TestEquivalentGoesBeyondAWSPolicyEquivalence names where Equivalent and
// awspolicy.PoliciesAreEquivalent, which it builds on, disagree, and why we
// go with IAM: IAM returns documents URL-encoded (GetRole, GetRolePolicy),
// reads an absent Version as 2008-10-17, matches action names without
// regard to case, and treats a policy's lists and statements as sets
// ("IAM JSON policy elements",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
// Without Normalize, each of these would show a diff in every plan.
func TestEquivalentGoesBeyondAWSPolicyEquivalence(t *testing.T) {
	t.Parallel()
	const getObject = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	for name, other := range map[string]string{
		"URL-encoded":        url.QueryEscape(getObject),
		"absent Version":     strings.Replace(getObject, `"Version":"2012-10-17",`, "", 1),
		"action case":        strings.Replace(getObject, "s3:GetObject", "S3:getobject", 1),
		"repeated value":     strings.Replace(getObject, `"s3:GetObject"`, `["s3:GetObject","s3:GetObject"]`, 1),
		"repeated statement": strings.Replace(getObject, `}]}`, `},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, 1),
	} {
		want := getObject
		if name == "absent Version" {
			want = strings.Replace(getObject, "2012-10-17", legacyVersion, 1)
		}
		if same, _ := awspolicy.PoliciesAreEquivalent(want, other); same {
			t.Errorf("%s: awspolicy now resolves this itself: drop it from Normalize", name)
		}
		if same, err := Equivalent(want, other); err != nil || !same {
			t.Errorf("%s: Equivalent(%s, %s) = %v, %v; want true", name, want, other, same, err)
		}
	}
	// awspolicy reads what it knows and ignores the rest; a misspelt key
	// would then compare equal to a document without it. We refuse it.
	misspelt := strings.Replace(getObject, `"Resource"`, `"Resources"`, 1)
	if same, err := awspolicy.PoliciesAreEquivalent(misspelt, strings.Replace(getObject, `,"Resource":"*"`, "", 1)); err != nil || !same {
		t.Errorf("awspolicy now notices a misspelt key (%v, %v): the strict parse may be redundant", same, err)
	}
	if _, err := Equivalent(getObject, misspelt); err == nil {
		t.Errorf("Equivalent accepted the misspelt key in %s", misspelt)
	}
}

func TestEquivalentRejectsMalformed(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":         `{"Version":`,
		"no statements":    `{"Version":"2012-10-17","Statement":[]}`,
		"misspelt key":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"s3:GetObject","Resource":"*"}]}`,
		"bad Effect":       `{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}]}`,
		"string principal": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"123456789012","Action":"sts:AssumeRole"}]}`,
		"object action":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":{"a":1},"Resource":"*"}]}`,
		"trailing data":    permissions + `{}`,
		"bad URL encoding": `%7B%ZZ`,
	} {
		if _, err := Equivalent(permissions, doc); err == nil {
			t.Errorf("%s: Equivalent accepted %s", name, doc)
		}
	}
}

func TestNormalize(t *testing.T) {
	got, err := Normalize(prettyPermissions)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Export","Effect":"Allow","Action":"s3:getobject","Resource":["arn:aws:s3:::cur","arn:aws:s3:::cur/*"]},` +
		`{"Sid":"Read","Effect":"Allow","Action":["ec2:describeinstances","s3:getbuckettagging"],"Resource":"*"}]}`
	if got != want {
		t.Errorf("Normalize =\n%s\nwant\n%s", got, want)
	}
	if again, err := Normalize(got); err != nil || again != got {
		t.Errorf("Normalize is not idempotent: %s, %v", again, err)
	}

	gotTrust, err := Normalize(trust)
	if err != nil {
		t.Fatal(err)
	}
	wantTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},` +
		`"Action":"sts:assumerole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}}]}`
	if gotTrust != wantTrust {
		t.Errorf("Normalize =\n%s\nwant\n%s", gotTrust, wantTrust)
	}
}

func TestGeneratedDocumentsAreStable(t *testing.T) {
	// What the provider writes and IAM echoes back (URL-encoded) must be
	// equivalent, or every plan would show a diff.
	for _, in := range allInputs() {
		for _, doc := range mustGenerate(t, in).Documents {
			same, err := Equivalent(doc.JSON, url.QueryEscape(doc.JSON))
			if err != nil || !same {
				t.Errorf("%s: not equivalent to its URL-encoded form: %v", doc.Name, err)
			}
		}
	}
}
