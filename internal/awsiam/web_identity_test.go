package awsiam

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

const webIdentityRoleARN = "arn:aws:iam::123456789012:role/tfc-run"

// webIdentityToken writes an HCP Terraform run's token for workspace to a
// file of dir, as the run's token file, and returns its path and the token.
func webIdentityToken(t *testing.T, dir, workspace string) (string, string) {
	t.Helper()
	token := acctest.IdentityToken{
		Issuer: "https://app.terraform.io", Audience: "aws.workload.identity",
		Subject: "organization:acme:project:Default Project:workspace:" + workspace + ":run_phase:apply",
		Expires: time.Now().Add(time.Hour),
	}.JWT()
	file := filepath.Join(dir, "tfc-aws-token")
	if err := os.WriteFile(file, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, token
}

// isolatedConfig is a Config whose shared files are empty, in an
// environment without AWS settings, so that only what a test sets up
// supplies credentials and endpoints.
func isolatedConfig(t *testing.T) Config {
	t.Helper()
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM"} {
		t.Setenv(name, "")
		os.Unsetenv(name) // the SDK tells unset from empty for some of them
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return Config{SharedConfigFiles: []string{empty}, SharedCredentialsFiles: []string{empty}}
}

// sharedWebIdentityConfig writes a shared config file as HCP Terraform
// writes its tfc-aws-shared-config: the default profile assumes the run
// role with the run's token.
func sharedWebIdentityConfig(t *testing.T, dir, tokenFile string) string {
	t.Helper()
	file := filepath.Join(dir, "tfc-aws-shared-config")
	content := "[default]\nrole_arn = " + webIdentityRoleARN + "\nweb_identity_token_file = " + tokenFile + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// chainCredentials is an STS answer with credentials, for action.
func chainCredentials(action string) reply {
	return okReply(action, `<Credentials><AccessKeyId>ASIACHAIN</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>`+
		`<SessionToken>session</SessionToken><Expiration>2100-01-01T00:00:00Z</Expiration></Credentials>`+
		`<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/tfc-run/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>`)
}

// TestCredentialChainUsesTheConfiguredSTS: the STS calls of the SDK's
// credential chain, a web identity's and a profile role's, go to the STS
// endpoint the provider is configured with (its endpoints block, or
// AWS_ENDPOINT_URL), as every other call does; the SDK alone sends them to
// AWS's STS. Not parallel: it sets the environment.
func TestCredentialChainUsesTheConfiguredSTS(t *testing.T) {
	f, endpoint := newFakeAWS(t, map[string][]reply{
		"AssumeRoleWithWebIdentity": {chainCredentials("AssumeRoleWithWebIdentity")},
		"AssumeRole":                {chainCredentials("AssumeRole")},
		"GetCallerIdentity":         {okReply("GetCallerIdentity", "<Account>123456789012</Account>")},
	})
	dir := t.TempDir()
	tokenFile, _ := webIdentityToken(t, dir, "prod")
	tests := []struct {
		name   string
		action string // the chain's STS action
		setup  func(t *testing.T, cfg *Config)
	}{
		{"web identity from the environment, endpoints block", "AssumeRoleWithWebIdentity", func(t *testing.T, cfg *Config) {
			t.Setenv("AWS_ROLE_ARN", webIdentityRoleARN)
			t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
			cfg.STSEndpoint, cfg.IAMEndpoint = endpoint, endpoint
		}},
		{"web identity from the environment, AWS_ENDPOINT_URL", "AssumeRoleWithWebIdentity", func(t *testing.T, _ *Config) {
			t.Setenv("AWS_ROLE_ARN", webIdentityRoleARN)
			t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
			t.Setenv("AWS_ENDPOINT_URL", endpoint)
		}},
		{"web identity from a shared config file, endpoints block", "AssumeRoleWithWebIdentity", func(t *testing.T, cfg *Config) {
			cfg.SharedConfigFiles = []string{sharedWebIdentityConfig(t, dir, tokenFile)}
			cfg.STSEndpoint, cfg.IAMEndpoint = endpoint, endpoint
		}},
		{"a profile's role_arn, endpoints block", "AssumeRole", func(t *testing.T, cfg *Config) {
			config := filepath.Join(dir, "role-profile")
			content := "[profile deploy]\nrole_arn = " + webIdentityRoleARN + "\nsource_profile = base\n" +
				"[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = secret\n"
			if err := os.WriteFile(config, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg.SharedConfigFiles, cfg.Profile = []string{config}, "deploy"
			cfg.STSEndpoint, cfg.IAMEndpoint = endpoint, endpoint
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := isolatedConfig(t)
			tt.setup(t, &cfg)
			before := f.callsOf(tt.action)
			clients, err := NewClients(context.Background(), cfg)
			if err != nil {
				t.Fatalf("NewClients: %v", err)
			}
			acct, err := clients.Account(context.Background(), nil)
			if err != nil {
				t.Fatalf("Account: %v", err)
			}
			if id, err := acct.CallerAccountID(context.Background()); err != nil || id != "123456789012" {
				t.Errorf("CallerAccountID = %q, %v; want the fake's account", id, err)
			}
			if n := f.callsOf(tt.action) - before; n != 1 {
				t.Errorf("%s reached the configured STS %d times, want once", tt.action, n)
			}
		})
	}
}

// TestWebIdentityRefusalSaysWhatToCheck: when STS refuses the web identity
// (a run of another workspace than the role trusts), the error names where
// the web identity came from, the role, the token file and the token's
// claims, and what the trust policy must allow; never the token itself,
// nor the hints of the member role it was to assume next.
func TestWebIdentityRefusalSaysWhatToCheck(t *testing.T) {
	_, endpoint := newFakeAWS(t, map[string][]reply{
		"AssumeRoleWithWebIdentity": {errorReply(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")},
	})
	dir := t.TempDir()
	tokenFile, token := webIdentityToken(t, dir, "staging")
	tests := []struct {
		name   string
		source string
		setup  func(t *testing.T, cfg *Config)
	}{
		{"environment", "the AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE environment variables", func(t *testing.T, _ *Config) {
			t.Setenv("AWS_ROLE_ARN", webIdentityRoleARN)
			t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
		}},
		{"shared config file", "the role_arn and web_identity_token_file of the shared config file's profile", func(t *testing.T, cfg *Config) {
			cfg.SharedConfigFiles = []string{sharedWebIdentityConfig(t, dir, tokenFile)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := isolatedConfig(t)
			cfg.STSEndpoint, cfg.IAMEndpoint = endpoint, endpoint
			tt.setup(t, &cfg)
			clients, err := NewClients(context.Background(), cfg)
			if err != nil {
				t.Fatalf("NewClients: %v", err)
			}
			// The provider's own account, and a member account reached with
			// the web identity's credentials.
			for _, target := range []*AssumeRole{nil, {RoleARN: "arn:aws:iam::210000000001:role/OrganizationAccountAccessRole"}} {
				_, err := clients.Account(context.Background(), target)
				if err == nil {
					t.Fatal("Account succeeded, want the web identity's refusal")
				}
				var refused *WebIdentityError
				if !errors.As(err, &refused) {
					t.Errorf("error is not a *WebIdentityError: %v", err)
				}
				msg := err.Error()
				for _, want := range []string{tt.source, webIdentityRoleARN, tokenFile, "AccessDenied",
					`sub "organization:acme:project:Default Project:workspace:staging:run_phase:apply"`,
					"trust policy allows sts:AssumeRoleWithWebIdentity", "organization:ORG:project:PROJECT:workspace:WORKSPACE"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error does not say %q:\n%s", want, msg)
					}
				}
				if strings.Contains(msg, token) {
					t.Errorf("error shows the token itself:\n%s", msg)
				}
				// The member role was never tried: its hints would mislead.
				if strings.Contains(msg, "cannot assume role") || strings.Contains(msg, "external ID") {
					t.Errorf("error gives the member role's hints for the web identity's refusal:\n%s", msg)
				}
			}
		})
	}
}
