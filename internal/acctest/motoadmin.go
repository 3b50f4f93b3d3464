package acctest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// harnessRoleName is the role the harness "assumes" on raw moto to act in
// an account: moto issues credentials for any role, existing or not, and
// those credentials belong to the role's account.
const harnessRoleName = "costlink-acctest-harness"

// errRoleNotFound is a role moto does not hold.
var errRoleNotFound = errors.New("role not found")

// motoAdmin acts in any moto account straight on moto_server, behind the
// layer's back: how the harness sets accounts up and how the layer reads
// the roles it evaluates.
type motoAdmin struct {
	base aws.Config

	mu       sync.Mutex
	accounts map[string]aws.Config
}

func newMotoAdmin(motoEndpoint string) *motoAdmin {
	return &motoAdmin{
		base: aws.Config{
			Region:       MotoRegion,
			Credentials:  credentials.NewStaticCredentialsProvider(MotoAccessKey, MotoAccessKey, ""),
			BaseEndpoint: aws.String(motoEndpoint),
		},
		accounts: map[string]aws.Config{},
	}
}

// config is the SDK configuration of accountID on raw moto, its
// credentials cached per account.
func (a *motoAdmin) config(accountID string) aws.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cfg, ok := a.accounts[accountID]; ok {
		return cfg
	}
	cfg := a.base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(
		sts.NewFromConfig(a.base), "arn:aws:iam::"+accountID+":role/"+harnessRoleName))
	a.accounts[accountID] = cfg
	return cfg
}

func (a *motoAdmin) iam(accountID string) *iam.Client {
	return iam.NewFromConfig(a.config(accountID))
}

// storedRole is what the layer needs of a role.
type storedRole struct {
	arn         string
	trustPolicy string
}

// role reads a role from moto; errRoleNotFound when there is none.
func (a *motoAdmin) role(ctx context.Context, accountID, name string) (storedRole, error) {
	out, err := a.iam(accountID).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchEntity":
		return storedRole{}, fmt.Errorf("%w: %s in account %s", errRoleNotFound, name, accountID)
	case err != nil:
		return storedRole{}, fmt.Errorf("reading role %s of account %s from moto: %w", name, accountID, err)
	}
	return storedRole{arn: aws.ToString(out.Role.Arn), trustPolicy: aws.ToString(out.Role.AssumeRolePolicyDocument)}, nil
}
