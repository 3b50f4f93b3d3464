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
		return creds, &WebIdentityError{
			Source: c.identity.source(), RoleARN: c.identity.roleARN, TokenFile: c.identity.tokenFile,
			claims: tokenClaims(c.identity.tokenFile), Err: err,
		}
	}
	return creds, err
}

// isWebIdentityFailure says whether err, at any depth, is the chain's
// AssumeRoleWithWebIdentity failing: the provider's own credentials, which
// member roles are assumed with, could not be had.
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

// source says where the chain found the web identity: the SDK reads the
// environment's before a shared config file's.
func (w *webIdentity) source() string {
	if os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == w.tokenFile {
		return "the AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE environment variables"
	}
	return "the role_arn and web_identity_token_file of the shared config file's profile"
}

// WebIdentityError is the provider's own credentials failing: STS did not
// exchange the web identity of the SDK's chain for credentials, whatever
// role was to be assumed with them next.
type WebIdentityError struct {
	// Source says where the chain found the web identity.
	Source    string
	RoleARN   string
	TokenFile string
	// claims describes the token's iss, aud and sub as STS saw them.
	claims string
	// Err is the SDK's error, STS's answer in it.
	Err error
}

// Error names the source, the role and the token file, the claims the
// token showed STS, and what the role's trust policy must allow.
func (e *WebIdentityError) Error() string {
	return fmt.Sprintf("cannot get AWS credentials from the web identity of %s (role %s, token file %s): %s\n\n"+
		"%sCheck that the role's trust policy allows sts:AssumeRoleWithWebIdentity to the IAM OIDC provider of the "+
		"token's issuer (its Federated principal), with conditions that match the token's aud and sub. With HCP "+
		"Terraform's dynamic credentials, aud is aws.workload.identity (or TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE) and sub "+
		"is organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:plan or apply: a role that trusts another "+
		"workspace, project or organization refuses this run.",
		e.Source, e.RoleARN, e.TokenFile, e.Err, e.claims)
}

func (e *WebIdentityError) Unwrap() error { return e.Err }

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
