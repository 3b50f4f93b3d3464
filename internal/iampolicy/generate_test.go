package iampolicy

import (
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// longBucket is the longest valid bucket name, the worst case for size.
var longBucket = strings.Repeat("b", 63)

// allInputs covers every connection type and partition.
func allInputs() []Input {
	var ins []Input
	for _, partition := range partitions {
		ins = append(ins,
			Input{Type: validate.TypeResource, Partition: partition},
			Input{Type: validate.TypeBilling, BillingBucket: longBucket, Partition: partition},
			Input{Type: validate.TypeBilling, BillingBucket: "cur.export-1", Partition: partition},
		)
	}
	return ins
}

func mustGenerate(t *testing.T, in Input) Policy {
	t.Helper()
	p, err := Generate(in)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", in, err)
	}
	return p
}

// generatedStatements parses the statements back out of p's documents, so
// tests check what IAM would receive.
func generatedStatements(t *testing.T, p Policy) []statement {
	t.Helper()
	var all []statement
	for _, doc := range p.Documents {
		d, err := parse(doc.JSON)
		if err != nil {
			t.Fatalf("%s: %v", doc.Name, err)
		}
		all = append(all, d.Statement...)
	}
	return all
}

// readPrefixes are the only verbs a generated action may start with. Each
// names reads in every AWS service using it. Query, Scan and Select are left
// out: they read data, not metadata. View, Search and Lookup are reads too
// but nothing needs them, so they stay out until something does.
var readPrefixes = []string{"Get", "List", "Describe", "BatchGet"}

// readOnlyProblem explains why action is not provably read-only, or returns
// "" if it is.
func readOnlyProblem(action string) string {
	service, verb, ok := strings.Cut(action, ":")
	switch {
	case action == "*":
		return "grants every action"
	case !ok || service == "" || verb == "" || strings.ContainsAny(service, "*?") || service != strings.ToLower(service):
		return "is not service:Action"
	case verb == "*":
		return "grants every action of " + service
	}
	for _, prefix := range readPrefixes {
		// IAM compares case-insensitively (apigateway:GET is a Get). The
		// character after the prefix must start a new word, so "Getaway"
		// or "Listen" are not reads.
		if len(verb) >= len(prefix) && strings.EqualFold(verb[:len(prefix)], prefix) {
			rest := verb[len(prefix):]
			if rest == "" || rest[0] == '*' || (rest[0] >= 'A' && rest[0] <= 'Z') {
				return ""
			}
		}
	}
	return "does not start with a read verb (" + strings.Join(readPrefixes, ", ") + ")"
}

func TestReadOnlyCheckRejectsWrites(t *testing.T) {
	for _, action := range []string{
		"*", "ec2:*", "*:Get*", "ec2:RunInstances", "s3:PutObject", "iam:CreateRole",
		"ec2:DeleteVolume", "s3:Getaway", "ec2:D*", "ec2:Describe", "sts:AssumeRole",
		"dynamodb:Query", "dynamodb:Scan", "s3:SelectObjectContent", "ec2",
	} {
		wantOK := action == "ec2:Describe"
		if got := readOnlyProblem(action) == ""; got != wantOK {
			t.Errorf("readOnlyProblem(%q) accepts = %v, want %v", action, got, wantOK)
		}
	}
}

func TestGeneratedActionsAreReadOnly(t *testing.T) {
	for _, in := range allInputs() {
		p := mustGenerate(t, in)
		for _, st := range generatedStatements(t, p) {
			if st.Effect != "Allow" || st.NotAction != nil || st.NotResource != nil || st.Condition != nil {
				t.Errorf("%s: statement %s is not a plain Allow of Action on Resource", in.Type, st.Sid)
			}
			for _, action := range st.Action {
				if problem := readOnlyProblem(action); problem != "" {
					t.Errorf("%s: %s %s", in.Type, action, problem)
				}
			}
		}
		// Actions must be exactly what the documents grant.
		var fromDocs []string
		for _, st := range generatedStatements(t, p) {
			fromDocs = append(fromDocs, st.Action...)
		}
		if got, want := p.Actions, sortActions(fromDocs); !slices.Equal(got, want) {
			t.Errorf("%s: Actions = %v, want %v", in.Type, got, want)
		}
	}
}

// dataActions are reads the prefix rule lets through although they reach
// data, credentials or secrets rather than metadata. No generated action or
// wildcard may cover one, except s3:GetObject on the billing export itself.
var dataActions = []string{
	"athena:GetQueryResults",
	"codeartifact:GetAuthorizationToken",
	"dynamodb:BatchGetItem",
	"dynamodb:GetItem",
	"ec2:DescribeVpnConnections", // returns tunnel pre-shared keys
	"ec2:GetConsoleOutput",
	"ec2:GetLaunchTemplateData",
	"ec2:GetPasswordData",
	"ecr:BatchGetImage",
	"ecr:GetAuthorizationToken",
	"ecr:GetDownloadUrlForLayer",
	"glue:GetConnection",
	"glue:GetConnections",
	"kinesis:GetRecords",
	"kinesis:GetShardIterator",
	"lambda:GetFunction", // returns a code download URL
	"logs:GetLogEvents",
	"redshift-serverless:GetCredentials",
	"redshift:GetClusterCredentials",
	"redshift:GetClusterCredentialsWithIAM",
	"s3:GetObject",
	"s3:GetObjectVersion",
	"s3:ListBucket",
	"secretsmanager:GetSecretValue",
	"ssm:GetParameter",
	"ssm:GetParameters",
	"ssm:GetParametersByPath",
	"sso:GetRoleCredentials",
	"sts:GetFederationToken",
	"sts:GetSessionToken",
}

func TestGeneratedActionsReachNoData(t *testing.T) {
	for _, in := range allInputs() {
		p := mustGenerate(t, in)
		bucketARN := "arn:" + in.Partition + ":s3:::" + in.BillingBucket
		for _, st := range generatedStatements(t, p) {
			onlyBillingExport := in.Type == validate.TypeBilling &&
				!slices.ContainsFunc(st.Resource, func(r string) bool { return r != bucketARN && r != bucketARN+"/*" })
			for _, action := range st.Action {
				for _, data := range dataActions {
					exempt := onlyBillingExport && (data == "s3:GetObject" || data == "s3:ListBucket")
					if covers(strings.ToLower(action), strings.ToLower(data)) && !exempt {
						t.Errorf("%s: %s in %s on %v grants %s", in.Type, action, st.Sid, st.Resource, data)
					}
				}
			}
		}
	}
}

func TestBillingIncludesResource(t *testing.T) {
	resource := mustGenerate(t, Input{Type: validate.TypeResource})
	billing := mustGenerate(t, Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket"})
	missing, err := MissingActions(resource, docsJSON(billing))
	if err != nil {
		t.Fatal(err)
	}
	if missing != nil {
		t.Errorf("billing policy lacks resource actions %v", missing)
	}
	for _, want := range []string{"ce:Get*", "s3:GetObject", "savingsplans:Describe*"} {
		if !slices.Contains(billing.Actions, want) || slices.Contains(resource.Actions, want) {
			t.Errorf("%s should be in billing actions only", want)
		}
	}
}

func TestGeneratedDocumentsFitIAMLimits(t *testing.T) {
	for _, in := range allInputs() {
		p := mustGenerate(t, in)
		total := 0
		for i, doc := range p.Documents {
			n := iamLength(doc.JSON)
			total += n
			if n > RoleInlinePolicyLimit {
				t.Errorf("%s: %s is %d characters, over %d", in.Type, doc.Name, n, RoleInlinePolicyLimit)
			}
			if want := "costlink-" + in.Type + "-" + string(rune('1'+i)); doc.Name != want {
				t.Errorf("document %d is named %q, want %q", i, doc.Name, want)
			}
			if strings.ContainsFunc(doc.JSON, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) {
				t.Errorf("%s: %s is not compact", in.Type, doc.Name)
			}
			if !strings.HasPrefix(doc.JSON, `{"Version":"2012-10-17","Statement":[{"Sid":`) {
				t.Errorf("%s: %s is not in canonical key order: %.60s", in.Type, doc.Name, doc.JSON)
			}
		}
		// IAM limits the sum of a role's inline policies, not each one.
		if total > RoleInlinePolicyLimit {
			t.Errorf("%s: documents total %d characters, over %d", in.Type, total, RoleInlinePolicyLimit)
		}
		t.Logf("%s/%s: %d documents, %d characters", in.Partition, in.Type, len(p.Documents), total)
	}
}

func TestGenerateUsesPartitionAndBucket(t *testing.T) {
	p := mustGenerate(t, Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket", Partition: "aws-cn"})
	if want := []string{"arn:aws-cn:iam::aws:policy/job-function/ViewOnlyAccess"}; !slices.Equal(p.ManagedPolicyARNs, want) {
		t.Errorf("ManagedPolicyARNs = %v, want %v", p.ManagedPolicyARNs, want)
	}
	all := strings.Join(docsJSON(p), "")
	for _, want := range []string{`"arn:aws-cn:s3:::cur-bucket"`, `"arn:aws-cn:s3:::cur-bucket/*"`, `"arn:aws-cn:iam::*:role/*"`} {
		if !strings.Contains(all, want) {
			t.Errorf("documents lack %s", want)
		}
	}
	if strings.Contains(all, "arn:aws:") || strings.Contains(all, partitionVar) || strings.Contains(all, bucketVar) {
		t.Errorf("documents keep another partition or a placeholder: %s", all)
	}
}

func TestGenerateVersion(t *testing.T) {
	base := Input{Type: validate.TypeBilling, BillingBucket: "cur-bucket"}
	v := mustGenerate(t, base).Version
	if len(v) != 16 || strings.Trim(v, "0123456789abcdef") != "" {
		t.Errorf("Version %q is not 16 hex characters", v)
	}
	if again := mustGenerate(t, base).Version; again != v {
		t.Errorf("same input, versions %s and %s", v, again)
	}
	explicit := base
	explicit.Partition = DefaultPartition
	if got := mustGenerate(t, explicit).Version; got != v {
		t.Errorf("default and explicit aws partition give versions %s and %s", v, got)
	}
	for name, in := range map[string]Input{
		"type":      {Type: validate.TypeResource},
		"bucket":    {Type: validate.TypeBilling, BillingBucket: "other-bucket"},
		"partition": {Type: validate.TypeBilling, BillingBucket: "cur-bucket", Partition: "aws-us-gov"},
	} {
		if got := mustGenerate(t, in).Version; got == v {
			t.Errorf("changing the %s keeps version %s", name, v)
		}
	}

	saved := slices.Clone(resourceGrants)
	t.Cleanup(func() { resourceGrants = saved })
	resourceGrants = append(resourceGrants, grant{sid: "Extra", actions: []string{"ec2:DescribeKeyPairs"}})
	if got := mustGenerate(t, base).Version; got == v {
		t.Errorf("adding an action keeps version %s", v)
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	for _, in := range []Input{
		{Type: "payer"},
		{Type: validate.TypeResource, BillingBucket: "cur-bucket"},
		{Type: validate.TypeBilling},
		{Type: validate.TypeBilling, BillingBucket: "Bad_Bucket"},
		{Type: validate.TypeResource, Partition: "aws-iso"},
	} {
		if _, err := Generate(in); err == nil {
			t.Errorf("Generate(%+v) succeeded, want an error", in)
		}
	}
}

func docsJSON(p Policy) []string {
	var out []string
	for _, d := range p.Documents {
		out = append(out, d.JSON)
	}
	return out
}
