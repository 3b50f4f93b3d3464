package awsiam

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ListRoles follows IAM's Marker across pages and decodes each trust policy.
func TestListRolesFollowsPages(t *testing.T) {
	t.Parallel()
	role := func(name string) string {
		return `<member><RoleName>` + name + `</RoleName><Path>/costlink/</Path><Arn>arn:aws:iam::123456789012:role/costlink/` + name +
			`</Arn><AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument></member>`
	}
	acct, f := fakeAccount(t, map[string][]reply{
		"ListRoles": {
			okReply("ListRoles", `<Roles>`+role("a")+role("b")+`</Roles><IsTruncated>true</IsTruncated><Marker>page-2</Marker>`),
			okReply("ListRoles", `<Roles>`+role("c")+`</Roles><IsTruncated>false</IsTruncated>`),
		},
	})

	roles, err := acct.ListRoles(context.Background(), "/costlink/")
	if err != nil {
		t.Fatalf("ListRoles: %v", err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, aws.ToString(r.RoleName))
		if got := aws.ToString(r.AssumeRolePolicyDocument); got != `{"Version":"2012-10-17"}` {
			t.Errorf("trust policy of %s = %s, want it decoded", aws.ToString(r.RoleName), got)
		}
	}
	if !slices.Equal(names, []string{"a", "b", "c"}) || f.callsOf("ListRoles") != 2 {
		t.Errorf("listed %v in %d requests, want a, b and c in 2", names, f.callsOf("ListRoles"))
	}
}
