// Package validate holds the input rules that the provider and the connection
// service both enforce, so a value the plan accepts is one the API accepts.
//
// Every function returns nil or an error whose message says what is allowed
// and what was wrong, written to be shown to a Terraform user as is.
package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/hashicorp/aws-sdk-go-base/v2/endpoints"
)

// Connection types.
const (
	TypeResource = "resource"
	TypeBilling  = "billing"
)

// ConnectionTypes lists the valid connection types, default first.
var ConnectionTypes = []string{TypeResource, TypeBilling}

// MaxConnectionNameLength is the longest connection name the platform accepts.
const MaxConnectionNameLength = 63

// ConnectionNameRule states the naming rule in one sentence for docs and errors.
const ConnectionNameRule = "lowercase letters (a-z), digits (0-9) and dashes (-) only, starting and ending with a letter or digit, 1 to 63 characters"

// ConnectionName checks a connection name against the platform's rule.
func ConnectionName(name string) error {
	var problems []string
	switch length := utf8.RuneCountInString(name); {
	case name == "":
		return fmt.Errorf("connection name must not be empty: use %s", ConnectionNameRule)
	case length > MaxConnectionNameLength:
		problems = append(problems, fmt.Sprintf("it is %d characters long, the limit is %d", length, MaxConnectionNameLength))
	}
	if strings.Contains(name, ".") {
		problems = append(problems, "it contains a period (.)")
	}
	if strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		problems = append(problems, "it contains a space")
	}
	if strings.IndexFunc(name, unicode.IsUpper) >= 0 {
		problems = append(problems, "it contains upper-case letters")
	}
	if strings.Contains(name, "_") {
		problems = append(problems, "it contains an underscore (_)")
	}
	if other := disallowedOther(name); other != "" {
		problems = append(problems, fmt.Sprintf("it contains %s", other))
	}
	if strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		problems = append(problems, "it starts or ends with a dash")
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("connection name %s is not valid: %s. Use %s", QuoteInput(name), strings.Join(problems, "; "), ConnectionNameRule)
}

// maxNamedCharacters bounds how many disallowed characters an error names,
// so that a name of thousands of different characters gets a short error.
const maxNamedCharacters = 10

// disallowedOther names characters that break the rule but are not one of
// the common mistakes ConnectionName reports on their own.
func disallowedOther(name string) string {
	var bad []string
	seen := map[rune]bool{}
	for _, r := range name {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' ||
			r == '.' || r == '_' || unicode.IsSpace(r) || unicode.IsUpper(r)
		if !ok && !seen[r] {
			seen[r] = true
			bad = append(bad, fmt.Sprintf("%q", r))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	if more := len(bad) - maxNamedCharacters; more > 0 {
		bad = append(bad[:maxNamedCharacters], fmt.Sprintf("and %d more", more))
	}
	return "the character(s) " + strings.Join(bad, ", ")
}

var (
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	// IAM role names are 1-64 of [\w+=,.@-]; paths are /-delimited segments
	// of printable ASCII ("IAM identifiers",
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	rolePathPattern = regexp.MustCompile(`^/(?:[\x21-\x7e]*/)?$`)
	// What follows role/ or user/ in a principal ARN: a path and name.
	principalNamePattern = regexp.MustCompile(`^[\x21-\x7e]+$`)
	bucketPattern        = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	ipLikePattern        = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
)

// knownPartitions are the IDs of the AWS partitions (aws, aws-cn,
// aws-us-gov, the ISO partitions...) in the endpoint data that
// knownRegions come from, sorted. A partition AWS launches later needs a
// newer release, as its regions do.
var knownPartitions = partitionIDs(endpoints.DefaultPartitions())

func partitionIDs(partitions []endpoints.Partition) []string {
	ids := make([]string, len(partitions))
	for i, p := range partitions {
		ids[i] = p.ID()
	}
	slices.Sort(ids)
	return ids
}

// Partition checks that partition is an AWS partition.
func Partition(partition string) error {
	if _, found := slices.BinarySearch(knownPartitions, partition); !found {
		return fmt.Errorf("%s is not an AWS partition: use one of %s", QuoteInput(partition), strings.Join(knownPartitions, ", "))
	}
	return nil
}

// parseIAMARN parses an ARN of IAM, which has no region, in a known
// partition and a valid account. It reports false for anything else.
func parseIAMARN(s string) (arn.ARN, bool) {
	a, err := arn.Parse(s)
	ok := err == nil && Partition(a.Partition) == nil && a.Service == "iam" && a.Region == "" && AccountID(a.AccountID) == nil
	return a, ok
}

// RoleARN is a parsed IAM role ARN.
type RoleARN struct {
	Partition string
	AccountID string
	Path      string // "/" when the role has no path
	Name      string
}

// ParseRoleARN parses and checks an IAM role ARN in any AWS partition.
func ParseRoleARN(roleARN string) (RoleARN, error) {
	if a, ok := parseIAMARN(roleARN); ok {
		if rest, isRole := strings.CutPrefix(a.Resource, "role/"); isRole {
			cut := strings.LastIndex(rest, "/") + 1
			path, name := "/"+rest[:cut], rest[cut:]
			if rolePathPattern.MatchString(path) && roleNamePattern.MatchString(name) {
				return RoleARN{Partition: a.Partition, AccountID: a.AccountID, Path: path, Name: name}, nil
			}
		}
	}
	return RoleARN{}, fmt.Errorf("%s is not an IAM role ARN: expected arn:PARTITION:iam::ACCOUNT_ID:role/NAME "+
		"(PARTITION is one of %s; ACCOUNT_ID is 12 digits; NAME may follow a path such as /costlink/), "+
		"for example arn:aws:iam::123456789012:role/costlink-resource-access", QuoteInput(roleARN), strings.Join(knownPartitions, ", "))
}

// Principal is a parsed IAM principal ARN.
type Principal struct {
	Partition string
	AccountID string
}

// ParsePrincipalARN parses the ARN of the platform's principal: an account
// root, a role or a user.
func ParsePrincipalARN(principalARN string) (Principal, error) {
	if a, ok := parseIAMARN(principalARN); ok && isPrincipalResource(a.Resource) {
		return Principal{Partition: a.Partition, AccountID: a.AccountID}, nil
	}
	return Principal{}, fmt.Errorf("principal %s is not an IAM principal ARN: expected arn:PARTITION:iam::ACCOUNT_ID:root (or :role/NAME, :user/NAME)", QuoteInput(principalARN))
}

// isPrincipalResource reports whether an IAM ARN's resource is an account
// root, a role or a user.
func isPrincipalResource(resource string) bool {
	if resource == "root" {
		return true
	}
	for _, kind := range []string{"role/", "user/"} {
		if name, ok := strings.CutPrefix(resource, kind); ok {
			return principalNamePattern.MatchString(name)
		}
	}
	return false
}

// AccountID checks an AWS account ID.
func AccountID(id string) error {
	if !accountIDPattern.MatchString(id) {
		return fmt.Errorf("%s is not an AWS account ID: it must be exactly 12 digits, for example 123456789012", QuoteInput(id))
	}
	return nil
}

// ConnectionType checks a connection type.
func ConnectionType(t string) error {
	for _, v := range ConnectionTypes {
		if t == v {
			return nil
		}
	}
	return fmt.Errorf("connection type %s is not valid: use %q (a member account's resources) or %q (the management/payer account's billing export)", QuoteInput(t), TypeResource, TypeBilling)
}

// S3 reserves these prefixes and suffixes for names of its own (punycode,
// its internals, documentation examples, access point aliases, Multi-Region
// Access Points, directory and table buckets), so CreateBucket refuses a
// bucket name that has one ("General purpose bucket naming rules",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
// "sthree-" also covers the listed "sthree-configurator".
var (
	reservedBucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedBucketSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// BucketName checks an S3 bucket name (the general-purpose bucket rules).
func BucketName(name string) error {
	if !bucketPattern.MatchString(name) || strings.Contains(name, "..") || ipLikePattern.MatchString(name) {
		return fmt.Errorf("%s is not an S3 bucket name: use 3 to 63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit, not formatted as an IP address", QuoteInput(name))
	}
	for _, prefix := range reservedBucketPrefixes {
		if strings.HasPrefix(name, prefix) {
			return reservedBucketAffix(name, "starts with", prefix)
		}
	}
	for _, suffix := range reservedBucketSuffixes {
		if strings.HasSuffix(name, suffix) {
			return reservedBucketAffix(name, "ends with", suffix)
		}
	}
	return nil
}

func reservedBucketAffix(name, where, affix string) error {
	return fmt.Errorf("%s is not an S3 bucket name: it %s %q, which S3 reserves. A bucket name must not start with %s nor end with %s",
		QuoteInput(name), where, affix, strings.Join(reservedBucketPrefixes, ", "), strings.Join(reservedBucketSuffixes, ", "))
}

// BillingBucket checks the billing_bucket rule for a connection type: required
// for billing connections, refused for resource connections.
func BillingBucket(connectionType, bucket string) error {
	switch {
	case connectionType == TypeBilling && bucket == "":
		return fmt.Errorf("billing_bucket is required for a %q connection: name the S3 bucket that receives the billing export", TypeBilling)
	case connectionType != TypeBilling && bucket != "":
		return fmt.Errorf("billing_bucket is only for %q connections: remove it from this %q connection", TypeBilling, connectionType)
	case bucket != "":
		return BucketName(bucket)
	}
	return nil
}
