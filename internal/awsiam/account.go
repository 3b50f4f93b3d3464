package awsiam

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Account is one AWS account's IAM, reached with the provider's credentials
// or with a role assumed in that account.
type Account struct {
	iam   *iam.Client
	sts   *sts.Client
	creds aws.CredentialsProvider

	// timeout bounds the waits for propagation; tests shorten it.
	timeout time.Duration

	mu        sync.Mutex
	accountID string
}

// accountKey identifies the credentials of an Account: the zero key is the
// provider's own.
type accountKey struct {
	roleARN    string
	externalID string
}

// Account returns the account reached with the provider's credentials when
// target is nil or has no RoleARN, and otherwise the account of target's
// role, assumed with the provider's credentials. Accounts are kept per role
// and external ID for the life of c, so the resources of a for_each over one
// account assume its role once and share the refreshed credentials. Account
// fetches the credentials, so that a role that cannot be assumed fails here
// with an error saying what to check.
func (c *Clients) Account(ctx context.Context, target *AssumeRole) (*Account, error) {
	if target != nil && target.RoleARN == "" {
		target = nil
	}
	var key accountKey
	if target != nil {
		key = accountKey{roleARN: target.RoleARN, externalID: target.ExternalID}
	}
	acct := c.account(key, target)
	if _, err := acct.creds.Retrieve(ctx); err != nil {
		// The provider's own credentials failed before any role was tried:
		// the role's hints (exists, trust, external ID) would mislead.
		var refused *WebIdentityError
		if errors.As(err, &refused) {
			return nil, refused
		}
		role := target
		if role == nil {
			role = c.baseRole
		}
		if role == nil {
			return nil, fmt.Errorf("no usable AWS credentials for the provider: %w", err)
		}
		return nil, assumeRoleError(role, err)
	}
	return acct, nil
}

// account returns the cached Account of key, making it on first use. The
// credentials are not fetched here: the cache coalesces concurrent fetches
// and retries a failed one on the next use.
func (c *Clients) account(key accountKey, target *AssumeRole) *Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	if acct, ok := c.accounts[key]; ok {
		return acct
	}
	cfg := c.base.Copy()
	if target != nil {
		cfg.Credentials = assumeRoleCredentials(sts.NewFromConfig(c.base, c.stsOpts), *target)
	}
	acct := &Account{
		iam:     iam.NewFromConfig(cfg, c.iamOpts),
		sts:     sts.NewFromConfig(cfg, c.stsOpts),
		creds:   cfg.Credentials,
		timeout: PropagationTimeout,
	}
	c.accounts[key] = acct
	return acct
}

// assumeRoleError says which role could not be assumed, why, and what
// decides it.
func assumeRoleError(role *AssumeRole, err error) error {
	externalID := "that the external ID given is the one its trust policy requires"
	if role.ExternalID == "" {
		externalID = "that its trust policy does not require an external ID (none was given)"
	}
	return fmt.Errorf("cannot assume role %s: %w\n\nCheck that the role exists, that its trust policy allows "+
		"the provider's credentials to assume it, that those credentials are allowed sts:AssumeRole on it, "+
		"and %s.", role.RoleARN, err, externalID)
}

// CallerAccountID is the ID of the account, as STS reports it for the
// account's credentials; it is asked once.
func (a *Account) CallerAccountID(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.accountID == "" {
		out, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", fmt.Errorf("reading the caller identity: %w", err)
		}
		a.accountID = aws.ToString(out.Account)
	}
	return a.accountID, nil
}
