package health

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/costlink/terraform-provider-costlink/internal/iampolicy"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// checkRole reads the role with its own credentials and verifies its trust
// policy. found is false when the role does not exist: nothing else can be
// checked then. moto's AssumeRole succeeds for roles that do not exist, so
// this is also where tests see a missing role.
func checkRole(ctx context.Context, client *iam.Client, role validate.RoleARN, t Target) (details []Detail, found bool) {
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role.Name)})
	switch {
	case errorCode(err) == errNoSuchEntity:
		return []Detail{roleNotFound(t.RoleARN)}, false
	case err != nil:
		// The trust policy cannot be verified, so the role is not healthy;
		// the checks that follow may still say more.
		return []Detail{cannotRead(fmt.Sprintf("read itself (%s)", t.RoleARN), "iam:GetRole", err)}, true
	}
	if d, ok := verifyTrust(aws.ToString(out.Role.AssumeRolePolicyDocument), t); !ok {
		return []Detail{d}, true
	}
	return nil, true
}

// verifyTrust checks the trust policy (URL-encoded, as IAM returns it) and
// returns the detail of what is wrong with it, if anything is.
func verifyTrust(doc string, t Target) (Detail, bool) {
	f, wrong := iampolicy.CheckTrust(doc, t.RoleARN, t.PrincipalARN, t.ExternalID)
	return Detail(f), !wrong
}
