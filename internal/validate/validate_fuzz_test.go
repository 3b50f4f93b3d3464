package validate

import (
	"regexp"
	"strings"
	"testing"
)

// connectionNameRule is ConnectionNameRule written as a pattern: an
// oracle that shares no code with ConnectionName.
var connectionNameRule = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// FuzzConnectionNameRule holds ConnectionName to the rule it documents: it
// accepts exactly the names the rule allows, and a refusal states the rule.
// TestConnectionName has the named cases.
func FuzzConnectionNameRule(f *testing.F) {
	for _, seed := range []string{"prod-payments", "a", strings.Repeat("a", 63), strings.Repeat("a", 64), "",
		"Prod Payments.EU", "-prod", "prod-", "prod/pay$", "\u212a", "x\xffy", "é", "a\u00a0b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ConnectionName(name)
		if want := connectionNameRule.MatchString(name); want != (err == nil) {
			t.Fatalf("ConnectionName(%q) = %v, but the rule says valid=%v", name, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), ConnectionNameRule) {
			t.Fatalf("ConnectionName(%q) = %q, which does not state the rule", name, err)
		}
	})
}

// FuzzParseRoleARN checks that a parsed role ARN renders back to its input,
// parses again to the same value, and is a principal ParsePrincipalARN
// accepts for the same partition and account. TestParseRoleARN has the
// named cases.
func FuzzParseRoleARN(f *testing.F) {
	for _, seed := range []string{
		"arn:aws:iam::123456789012:role/costlink",
		"arn:aws:iam::123456789012:role/costlink/costlink-resource-access",
		"arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h",
		"arn:aws-us-gov:iam::123456789012:role/x//y/z",
		"arn:aws:iam::123456789012:role/",
		"arn:aws:iam::123456789012:user/not-a-role",
		"arn:aws:iam::123456789012:role/" + strings.Repeat("n", 65),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		got, err := ParseRoleARN(arn)
		if err != nil {
			if !strings.Contains(err.Error(), "arn:PARTITION:iam::ACCOUNT_ID:role/NAME") {
				t.Fatalf("ParseRoleARN(%q) = %q, which does not say what is expected", arn, err)
			}
			return
		}
		if !strings.HasPrefix(got.Path, "/") || !strings.HasSuffix(got.Path, "/") || got.Name == "" || len(got.Name) > 64 {
			t.Fatalf("ParseRoleARN(%q) = %+v: path must be /.../ and the name 1 to 64 characters", arn, got)
		}
		if err := AccountID(got.AccountID); err != nil {
			t.Fatalf("ParseRoleARN(%q) account: %v", arn, err)
		}
		rendered := "arn:" + got.Partition + ":iam::" + got.AccountID + ":role" + got.Path + got.Name
		if rendered != arn {
			t.Fatalf("ParseRoleARN(%q) = %+v, which renders as %q", arn, got, rendered)
		}
		if again, err := ParseRoleARN(rendered); err != nil || again != got {
			t.Fatalf("ParseRoleARN(%q) = %+v, %v; want %+v", rendered, again, err, got)
		}
		p, err := ParsePrincipalARN(arn)
		if err != nil || p.Partition != got.Partition || p.AccountID != got.AccountID {
			t.Fatalf("role %q as a principal = %+v, %v; want partition %s, account %s", arn, p, err, got.Partition, got.AccountID)
		}
	})
}

// FuzzBucketName holds BucketName and BillingBucket to the rule their error
// states (3 to 63 lowercase letters, digits, dots and dashes, starting and
// ending with a letter or digit, not an IP address), S3's ban on two
// adjacent periods and its reserved prefixes and suffixes.
// TestBillingBucket and TestBucketNameReserved have the named cases.
func FuzzBucketName(f *testing.F) {
	for _, seed := range []string{"my-cur-bucket", "my.cur.bucket", "ab", "abc", "My_Bucket", "192.168.1.1",
		"1.2.3.4.5", "a..b", "-ab", "ab-", strings.Repeat("b", 63), strings.Repeat("b", 64), ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := BucketName(name)
		if want := bucketRuleAllows(name); want != (err == nil) {
			t.Fatalf("BucketName(%q) = %v, but the rule says valid=%v", name, err, want)
		}
		billing := BillingBucket(TypeBilling, name)
		if wantOK := name != "" && err == nil; wantOK != (billing == nil) {
			t.Fatalf("BillingBucket(billing, %q) = %v; BucketName = %v", name, billing, err)
		}
		if resource := BillingBucket(TypeResource, name); (name == "") != (resource == nil) {
			t.Fatalf("BillingBucket(resource, %q) = %v: a resource connection takes no bucket", name, resource)
		}
	})
}

// bucketRuleAllows is the bucket rule written out character by character.
func bucketRuleAllows(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") {
		return false
	}
	alnum := func(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }
	for i := 0; i < len(name); i++ {
		if c := name[i]; !alnum(c) && c != '.' && c != '-' {
			return false
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return false
	}
	for _, prefix := range []string{"xn--", "sthree-", "sthree-configurator", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, prefix) {
			return false
		}
	}
	for _, suffix := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, suffix) {
			return false
		}
	}
	return !looksLikeIPv4(name)
}

// looksLikeIPv4 reports four dot-separated runs of digits, which S3 refuses
// whether or not each is a valid octet.
func looksLikeIPv4(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
