package awsiam

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// chainSTS gives the STS calls of the SDK's credential chain (a web
// identity, a profile's role_arn) the endpoint of the provider's own STS
// calls. The chain builds its STS client while the configuration loads,
// before AWS_ENDPOINT_URL and the endpoints block apply: left alone, a web
// identity set up against an emulator would be exchanged with AWS's STS.
type chainSTS struct {
	// options are the provider's STS options, set once the configuration
	// has loaded, before any credentials are retrieved.
	options func(*sts.Options)
	// webIdentity is the web identity the chain uses, if it uses one.
	webIdentity *webIdentity
}

// loadOptions hook chainSTS into the chain's web identity and assume role
// providers. The SDK applies the web identity options once before it has a
// client (Client is nil then) and once after.
func (c *chainSTS) loadOptions() []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
			tokenFile, _ := o.TokenRetriever.(stscreds.IdentityTokenFile)
			c.webIdentity = &webIdentity{roleARN: o.RoleARN, tokenFile: string(tokenFile)}
			if client, ok := o.Client.(*sts.Client); ok {
				o.Client = chainSTSClient{client: client, chain: c}
			}
		}),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			if client, ok := o.Client.(*sts.Client); ok {
				o.Client = chainSTSClient{client: client, chain: c}
			}
		}),
	}
}

// chainSTSClient is the chain's STS client, calling with the provider's
// STS options.
type chainSTSClient struct {
	client *sts.Client
	chain  *chainSTS
}

func (c chainSTSClient) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return c.client.AssumeRole(ctx, in, append(optFns, c.chain.options)...)
}

func (c chainSTSClient) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return c.client.AssumeRoleWithWebIdentity(ctx, in, append(optFns, c.chain.options)...)
}

// webIdentity is a role the chain assumes with an OIDC token from a file:
// how CI systems, EKS service accounts and HCP Terraform's dynamic
// credentials hand AWS credentials to Terraform.
type webIdentity struct {
	roleARN   string
	tokenFile string
}

// webIdentityCredentials are the chain's credentials, with a refused web
// identity explained: the SDK's error names neither the role nor the token.
type webIdentityCredentials struct {
	aws.CredentialsProvider
	identity *webIdentity
}

func (c webIdentityCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := c.CredentialsProvider.Retrieve(ctx)
	if err != nil && isWebIdentityFailure(err) {
		return creds, c.identity.error(err)
	}
	return creds, err
}

// isWebIdentityFailure says whether err, at any depth, is STS refusing
// AssumeRoleWithWebIdentity: the provider's own credentials, or those a
// member role is assumed with, could not be had from the web identity.
func isWebIdentityFailure(err error) bool {
	for err != nil {
		var op *smithy.OperationError
		if !errors.As(err, &op) {
			return false
		}
		if op.Operation() == "AssumeRoleWithWebIdentity" {
			return true
		}
		err = op.Err
	}
	return false
}

// error says where the web identity came from, which claims its token
// showed STS, and what the role's trust policy must allow.
func (w *webIdentity) error(err error) error {
	source := "the role_arn and web_identity_token_file of the shared config file's profile"
	if os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == w.tokenFile {
		source = "the AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE environment variables"
	}
	return fmt.Errorf("cannot get AWS credentials from the web identity of %s (role %s, token file %s): %w\n\n"+
		"%sCheck that the role's trust policy allows sts:AssumeRoleWithWebIdentity to the IAM OIDC provider of the "+
		"token's issuer (its Federated principal), with conditions that match the token's aud and sub. With HCP "+
		"Terraform's dynamic credentials, aud is aws.workload.identity (or TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE) and sub "+
		"is organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:plan or apply: a role that trusts another "+
		"workspace, project or organization refuses this run.",
		source, w.roleARN, w.tokenFile, err, tokenClaims(w.tokenFile))
}

// tokenClaims describes the issuer, audience and subject of the JWT in
// file, for an error message; "" when the file does not hold one. The
// token itself is a credential and never shown.
func tokenClaims(file string) string {
	token, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.TrimSpace(string(token)), ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Issuer   string          `json:"iss"`
		Audience json.RawMessage `json:"aud"`
		Subject  string          `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return fmt.Sprintf("The token's claims: iss %q, aud %s, sub %q.\n\n", claims.Issuer, claims.Audience, claims.Subject)
}
