package health_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

const (
	principalARN = "arn:aws:iam::123456789012:root"
	externalID   = "costlink-org-0123456789abcdef0123456789abcdef"
)

// resourcePolicy is the generated policy of resource connections.
func resourcePolicy(t *testing.T) iampolicy.Policy {
	t.Helper()
	p, err := iampolicy.Generate(iampolicy.Input{Type: validate.TypeResource})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trustPolicy is the trust policy the platform asks for.
func trustPolicy(t *testing.T, principal, id string) string {
	t.Helper()
	doc, err := iampolicy.TrustPolicy(principal, id)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// withoutStatement returns doc without its first statement, and the
// actions that statement granted.
func withoutStatement(t *testing.T, doc string) (string, []string) {
	t.Helper()
	var d struct {
		Version   string
		Statement []json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	var first struct{ Action json.RawMessage }
	if err := json.Unmarshal(d.Statement[0], &first); err != nil {
		t.Fatal(err)
	}
	// Action is one string or a list of them.
	var actions []string
	if err := json.Unmarshal(first.Action, &actions); err != nil {
		actions = []string{""}
		if err := json.Unmarshal(first.Action, &actions[0]); err != nil {
			t.Fatal(err)
		}
	}
	d.Statement = d.Statement[1:]
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), actions
}

// assertDetails fails unless res holds details of exactly the codes, in
// order, each with a remediation.
func assertDetails(t *testing.T, res health.Result, codes ...string) {
	t.Helper()
	var got []string
	for _, d := range res.Details {
		got = append(got, d.Code)
		if d.Message == "" || d.Remediation == "" {
			t.Errorf("detail %s has no message or remediation: %+v", d.Code, d)
		}
	}
	if !slices.Equal(got, codes) {
		t.Fatalf("details = %v, want codes %v: %+v", got, codes, res.Details)
	}
	if res.Healthy != (len(codes) == 0) {
		t.Errorf("Healthy = %v with details %v", res.Healthy, got)
	}
}

// assertMessage fails unless the message of the only detail names each of
// what and none of the absent.
func assertMessage(t *testing.T, res health.Result, what, absent []string) {
	t.Helper()
	if len(res.Details) != 1 {
		t.Fatalf("want one detail, got %+v", res.Details)
	}
	msg := res.Details[0].Message
	for _, w := range what {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not name %q", msg, w)
		}
	}
	for _, a := range absent {
		if strings.Contains(msg, a) {
			t.Errorf("message %q names %q", msg, a)
		}
	}
}
