package validate

import (
	"strings"
	"testing"
)

func TestConnectionName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		wantErr string // substring; empty means valid
	}{
		{"simple", "prod-payments", ""},
		{"digits", "123456789012", ""},
		{"single character", "a", ""},
		{"max length", strings.Repeat("a", 63), ""},
		{"empty", "", "must not be empty"},
		{"too long", strings.Repeat("a", 64), "64 characters long, the limit is 63"},
		{"period", "prod.payments", "contains a period"},
		{"space", "prod payments", "contains a space"},
		{"upper case", "Prod-Payments", "contains upper-case letters"},
		{"underscore", "prod_payments", "contains an underscore"},
		{"leading dash", "-prod", "starts or ends with a dash"},
		{"trailing dash", "prod-", "starts or ends with a dash"},
		{"other characters", "prod/pay$", `the character(s) '/', '$'`},
		{"several problems", "Prod Payments.EU", "contains a period (.); it contains a space; it contains upper-case letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ConnectionName(tt.input)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ConnectionName(%q) = %v, want nil", tt.input, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ConnectionName(%q) = nil, want error containing %q", tt.input, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), ConnectionNameRule) {
				t.Fatalf("ConnectionName(%q) = %q, want it to contain %q and the rule", tt.input, err, tt.wantErr)
			}
		})
	}
}

// The length a refusal states is in characters, as the quoted input's is,
// not in bytes.
func TestConnectionNameCountsCharacters(t *testing.T) {
	t.Parallel()
	err := ConnectionName(strings.Repeat("é", 64))
	if err == nil || !strings.Contains(err.Error(), "it is 64 characters long") {
		t.Fatalf("ConnectionName(64 é's) = %v, want it to say 64 characters", err)
	}
}

func TestParseRoleARN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		want  RoleARN
		ok    bool
	}{
		{"arn:aws:iam::123456789012:role/costlink", RoleARN{"aws", "123456789012", "/", "costlink"}, true},
		{"arn:aws:iam::123456789012:role/costlink/costlink-resource-access", RoleARN{"aws", "123456789012", "/costlink/", "costlink-resource-access"}, true},
		{"arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h", RoleARN{"aws-cn", "123456789012", "/", "a+b=c,d.e@f-g_h"}, true},
		{"arn:aws-us-gov:iam::123456789012:role/x/y/z", RoleARN{"aws-us-gov", "123456789012", "/x/y/", "z"}, true},
		// Every partition of the SDK's endpoint data, as for regions.
		{"arn:aws-iso:iam::123456789012:role/c", RoleARN{"aws-iso", "123456789012", "/", "c"}, true},
		{"arn:aws-iso-b:iam::123456789012:role/c", RoleARN{"aws-iso-b", "123456789012", "/", "c"}, true},
		{"arn:aws-iso-e:iam::123456789012:role/c", RoleARN{"aws-iso-e", "123456789012", "/", "c"}, true},
		{"arn:aws-iso-f:iam::123456789012:role/c", RoleARN{"aws-iso-f", "123456789012", "/", "c"}, true},
		{"arn:aws-eusc:iam::123456789012:role/c", RoleARN{"aws-eusc", "123456789012", "/", "c"}, true},
		{"arn:aws-iso-z:iam::123456789012:role/c", RoleARN{}, false},
		{"arn:AWS:iam::123456789012:role/c", RoleARN{}, false},
		{"arn::iam::123456789012:role/c", RoleARN{}, false},
		{"arn:aws:iam:us-east-1:123456789012:role/c", RoleARN{}, false},
		{"arn:aws:sts::123456789012:role/c", RoleARN{}, false},
		{"arn:aws:iam::123456789012:role/c d", RoleARN{}, false},
		{"arn:aws:iam::123456789012:role/" + strings.Repeat("n", 65), RoleARN{}, false},
		{"arn:aws:iam::123456789012", RoleARN{}, false},
		{" arn:aws:iam::123456789012:role/c", RoleARN{}, false},
		{"arn:aws:iam::12345678901:role/short-account", RoleARN{}, false},
		{"arn:aws:iam::123456789012:user/not-a-role", RoleARN{}, false},
		{"arn:aws:s3:::bucket", RoleARN{}, false},
		{"arn:azure:iam::123456789012:role/x", RoleARN{}, false},
		{"arn:aws:iam::123456789012:role/", RoleARN{}, false},
		{"not-an-arn", RoleARN{}, false},
	}
	for _, tt := range tests {
		got, err := ParseRoleARN(tt.input)
		if tt.ok != (err == nil) {
			t.Errorf("ParseRoleARN(%q) error = %v, want ok=%v", tt.input, err, tt.ok)
			continue
		}
		if !tt.ok {
			if !strings.Contains(err.Error(), "arn:PARTITION:iam::ACCOUNT_ID:role/NAME") {
				t.Errorf("ParseRoleARN(%q) error %q does not say what is expected", tt.input, err)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("ParseRoleARN(%q) = %+v, want %+v", tt.input, got, tt.want)
		}
	}
}

func TestParsePrincipalARN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		want  Principal
		ok    bool
	}{
		{"arn:aws:iam::123456789012:root", Principal{"aws", "123456789012"}, true},
		{"arn:aws-cn:iam::123456789012:role/costlink/platform", Principal{"aws-cn", "123456789012"}, true},
		{"arn:aws-us-gov:iam::123456789012:user/ops", Principal{"aws-us-gov", "123456789012"}, true},
		{"arn:aws-iso-b:iam::123456789012:root", Principal{"aws-iso-b", "123456789012"}, true},
		{"arn:aws:iam::123456789012:group/ops", Principal{}, false},
		{"arn:aws:iam::123456789012:role/", Principal{}, false},
		{"arn:aws:iam::123456789012:rootx", Principal{}, false},
		{"arn:aws:sts::123456789012:assumed-role/r/s", Principal{}, false},
		{"arn:aws:iam::1234567890123:root", Principal{}, false},
		{"arn:other:iam::123456789012:root", Principal{}, false},
		{"123456789012", Principal{}, false},
	}
	for _, tt := range tests {
		got, err := ParsePrincipalARN(tt.input)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParsePrincipalARN(%q) = %+v, %v; want %+v, ok=%v", tt.input, got, err, tt.want, tt.ok)
		}
	}
}

func TestPartition(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"} {
		if err := Partition(p); err != nil {
			t.Errorf("Partition(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"", "AWS", "azure", "aws-", "aws-iso-z"} {
		err := Partition(p)
		if err == nil || !strings.Contains(err.Error(), "use one of aws, aws-cn,") {
			t.Errorf("Partition(%q) = %v, want an error listing the partitions", p, err)
		}
	}
}

func TestAccountID(t *testing.T) {
	t.Parallel()
	if err := AccountID("123456789012"); err != nil {
		t.Errorf("AccountID: %v", err)
	}
	for _, bad := range []string{"", "12345678901", "1234567890123", "12345678901a"} {
		if err := AccountID(bad); err == nil {
			t.Errorf("AccountID(%q) = nil, want error", bad)
		}
	}
}

func TestConnectionType(t *testing.T) {
	t.Parallel()
	for _, ok := range ConnectionTypes {
		if err := ConnectionType(ok); err != nil {
			t.Errorf("ConnectionType(%q) = %v", ok, err)
		}
	}
	if err := ConnectionType("Resource"); err == nil {
		t.Error("ConnectionType(Resource) = nil, want error")
	}
}

func TestBillingBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, bucket, wantErr string
	}{
		{TypeBilling, "my-cur-bucket", ""},
		{TypeBilling, "my.cur.bucket", ""},
		{TypeResource, "", ""},
		{TypeBilling, "", "billing_bucket is required"},
		{TypeResource, "my-cur-bucket", "billing_bucket is only for"},
		{TypeBilling, "My_Bucket", "is not an S3 bucket name"},
		{TypeBilling, "ab", "is not an S3 bucket name"},
		{TypeBilling, "192.168.1.1", "is not an S3 bucket name"},
		{TypeBilling, "a..b", "is not an S3 bucket name"},
	}
	for _, tt := range tests {
		err := BillingBucket(tt.typ, tt.bucket)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("BillingBucket(%q, %q) = %v, want nil", tt.typ, tt.bucket, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("BillingBucket(%q, %q) = %v, want error containing %q", tt.typ, tt.bucket, err, tt.wantErr)
		}
	}
}

// S3 refuses names with a reserved prefix or suffix, so the plan must too.
func TestBucketNameReserved(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"xn--abc", "sthree-logs", "sthree-configurator-logs", "amzn-s3-demo-bucket",
		"cur-s3alias", "cur--ol-s3", "cur.mrap", "cur--usw2-az1--x-s3", "cur--table-s3"} {
		err := BucketName(name)
		if err == nil {
			t.Errorf("BucketName(%q) = nil, want an error", name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "is not an S3 bucket name") || !strings.Contains(msg, "which S3 reserves") {
			t.Errorf("BucketName(%q) = %q, want it to say which prefix or suffix S3 reserves", name, msg)
		}
	}
	// The affixes only count at their end of the name.
	for _, name := range []string{"my-xn--bucket", "sthree", "amzn-s3-demo", "s3alias-cur", "cur-mrap", "cur-x-s3", "cur-table-s3"} {
		if err := BucketName(name); err != nil {
			t.Errorf("BucketName(%q) = %v, want nil", name, err)
		}
	}
}
