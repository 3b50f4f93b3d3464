// Package awsiam does the provider's IAM work in member accounts with
// aws-sdk-go-v2: it reaches an account with the provider's credentials,
// optionally by assuming a role there, and creates, reads, updates and
// deletes the costlink role and its policies, waiting out IAM's eventual
// consistency within PropagationTimeout.
package awsiam

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

const (
	// DefaultSessionName names the sessions of roles the provider assumes
	// when the configuration does not: it shows in the member account's
	// CloudTrail as who made the change.
	DefaultSessionName = "terraform-provider-costlink"
	// defaultRegion signs requests when no region is configured anywhere:
	// IAM is global, and STS answers in us-east-1 for every account.
	defaultRegion = "us-east-1"
)

// Config is the provider's aws block. Empty fields leave the choice to the
// SDK's standard chain: AWS_* environment variables (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS included), shared config and
// credentials files, SSO, web identity, container and instance roles.
type Config struct {
	Region                 string
	Profile                string
	SharedConfigFiles      []string
	SharedCredentialsFiles []string
	// AssumeRole, when set with a RoleARN, is assumed with the chain's
	// credentials, and its credentials are the provider's from then on.
	AssumeRole *AssumeRole
	// IAMEndpoint and STSEndpoint override every other endpoint setting.
	IAMEndpoint string
	STSEndpoint string
	// UserAgent is appended to the SDK's User-Agent: product tokens such as
	// "terraform-provider-costlink/1.2.0 terraform/1.9.0".
	UserAgent string
}

// AssumeRole is a role to assume, with the external ID its trust policy may
// require and a session name (DefaultSessionName when empty).
type AssumeRole struct {
	RoleARN     string
	ExternalID  string
	SessionName string
}

// Clients holds the provider's AWS configuration and the member accounts
// reached with it. It is safe for concurrent use: the resources of one
// for_each share it.
type Clients struct {
	base     aws.Config
	baseRole *AssumeRole // the provider-level role behind base's credentials
	iamOpts  func(*iam.Options)
	stsOpts  func(*sts.Options)

	mu       sync.Mutex
	accounts map[accountKey]*Account
}

// NewClients resolves the AWS configuration without calling AWS: credentials
// are fetched, and roles assumed, on first use.
func NewClients(ctx context.Context, cfg Config) (*Clients, error) {
	// The default region is the chain's too: its STS client for a web
	// identity is built while the configuration loads.
	opts := []func(*config.LoadOptions) error{config.WithDefaultRegion(defaultRegion)}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if len(cfg.SharedConfigFiles) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(cfg.SharedConfigFiles))
	}
	if len(cfg.SharedCredentialsFiles) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(cfg.SharedCredentialsFiles))
	}
	if apiOpts := userAgentOptions(cfg.UserAgent); len(apiOpts) > 0 {
		opts = append(opts, config.WithAPIOptions(apiOpts))
	}
	chain := &chainSTS{}
	opts = append(opts, chain.loadOptions()...)
	base, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}

	stsOpts := func(o *sts.Options) {
		if cfg.STSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.STSEndpoint)
		}
	}
	chain.options = func(o *sts.Options) {
		if o.BaseEndpoint == nil {
			o.BaseEndpoint = base.BaseEndpoint // AWS_ENDPOINT_URL, resolved after the chain's client was built
		}
		stsOpts(o)
	}
	if chain.webIdentity != nil {
		base.Credentials = webIdentityCredentials{CredentialsProvider: base.Credentials, identity: chain.webIdentity}
	}
	var baseRole *AssumeRole
	if cfg.AssumeRole != nil && cfg.AssumeRole.RoleARN != "" {
		baseRole = new(*cfg.AssumeRole)
		base.Credentials = assumeRoleCredentials(sts.NewFromConfig(base, stsOpts), *baseRole)
	}
	return &Clients{
		base:     base,
		baseRole: baseRole,
		iamOpts: func(o *iam.Options) {
			if cfg.IAMEndpoint != "" {
				o.BaseEndpoint = aws.String(cfg.IAMEndpoint)
			}
		},
		stsOpts:  stsOpts,
		accounts: make(map[accountKey]*Account),
	}, nil
}

// userAgentOptions adds each "name/version" token of ua to the User-Agent.
// Tokens are added as key and value because the SDK replaces a "/" in a
// key.
func userAgentOptions(ua string) []func(*middleware.Stack) error {
	var opts []func(*middleware.Stack) error
	for _, token := range strings.Fields(ua) {
		if name, version, ok := strings.Cut(token, "/"); ok {
			opts = append(opts, awsmiddleware.AddUserAgentKeyValue(name, version))
		} else {
			opts = append(opts, awsmiddleware.AddUserAgentKey(token))
		}
	}
	return opts
}

// assumeRoleCredentials are the cached credentials of role, assumed with
// client's credentials and refreshed before they expire.
func assumeRoleCredentials(client *sts.Client, role AssumeRole) *aws.CredentialsCache {
	return aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, role.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = role.SessionName
		if o.RoleSessionName == "" {
			o.RoleSessionName = DefaultSessionName
		}
		if role.ExternalID != "" {
			o.ExternalID = aws.String(role.ExternalID)
		}
	}))
}
