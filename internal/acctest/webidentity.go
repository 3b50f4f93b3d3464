package acctest

// sts:AssumeRoleWithWebIdentity in the AWS-faithful layer: moto hands out
// credentials for any token and any role; AWS validates the token against
// an IAM OIDC provider of the role's account and evaluates the role's trust
// policy with the token's claims. The layer does both, per
//   - AssumeRoleWithWebIdentity:
//     https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
//   - Create an OpenID Connect (OIDC) identity provider in IAM:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
//   - Available keys for AWS OIDC federation (iss/aud/sub condition keys,
//     named by the issuer without https://):
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
//
// What it does not check: the token's signature against the JWKS of the
// issuer (AWS fetches it from ISSUER/.well-known/openid-configuration and
// refuses an unsigned or forged token; the tests mint unsigned ones), the
// provider's thumbprints, nbf and iat, and the azp claim that the aud key
// reads in place of aud when a token has one.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// webIdentityAction is the STS action the layer evaluates for web
// identities: the one STS action AWS takes unsigned, the token being the
// caller's credential.
const webIdentityAction = "AssumeRoleWithWebIdentity"

// IdentityToken is the claims of an OIDC token such as HCP Terraform gives
// a run (see "Workload identity",
// https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/workload-identity-tokens).
type IdentityToken struct {
	Issuer   string // iss: https://app.terraform.io
	Audience string // aud: aws.workload.identity
	// Subject is sub:
	// organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:PHASE.
	Subject string
	Expires time.Time // exp
}

// JWT encodes the token unsigned ("alg":"none"): the layer reads the claims
// and, unlike AWS, does not verify a signature.
func (c IdentityToken) JWT() string {
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	payload, _ := json.Marshal(map[string]any{
		"iss": c.Issuer, "aud": c.Audience, "sub": c.Subject,
		"iat": time.Now().Unix(), "exp": c.Expires.Unix(),
	})
	enc := base64.RawURLEncoding.EncodeToString
	return enc(header) + "." + enc(payload) + "."
}

// NewOIDCProvider makes, straight on moto, the IAM OIDC provider of issuer
// (https://app.terraform.io) in accountID, trusting tokens for audiences,
// and returns its ARN: what a role's trust policy names as its Federated
// principal. IAM keeps one provider per issuer and account, so a second
// call adds its audiences to the first's.
func (m *MotoServer) NewOIDCProvider(t *testing.T, accountID, issuer string, audiences ...string) string {
	t.Helper()
	ctx := context.Background()
	client := m.DirectIAM(accountID)
	arn := oidcProviderARN(accountID, issuer)
	_, err := client.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(issuer), ClientIDList: audiences,
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "EntityAlreadyExists" {
		for _, audience := range audiences {
			if _, err := client.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{
				OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String(audience),
			}); err != nil {
				t.Fatalf("adding audience %s to the OIDC provider %s: %v", audience, arn, err)
			}
		}
		return arn
	}
	if err != nil {
		t.Fatalf("creating the OIDC provider of %s in account %s: %v", issuer, accountID, err)
	}
	return arn
}

// issuerHost is the issuer URL as IAM names the provider and the condition
// keys: without https:// (app.terraform.io).
func issuerHost(issuer string) string {
	return strings.TrimPrefix(issuer, "https://")
}

func oidcProviderARN(accountID, issuer string) string {
	return "arn:aws:iam::" + accountID + ":oidc-provider/" + issuerHost(issuer)
}

// oidcAudiences reads from moto the client IDs (audiences) of the OIDC
// provider of issuer in accountID; errOIDCProviderNotFound when there is
// none.
func (a *motoAdmin) oidcAudiences(ctx context.Context, accountID, issuer string) ([]string, error) {
	out, err := a.iam(accountID).GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: aws.String(oidcProviderARN(accountID, issuer)),
	})
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchEntity":
		return nil, errOIDCProviderNotFound
	case err != nil:
		return nil, fmt.Errorf("reading the OIDC provider of %s in account %s from moto: %w", issuer, accountID, err)
	}
	return out.ClientIDList, nil
}

var errOIDCProviderNotFound = errors.New("OIDC provider not found")

// webIdentityCall is an sts:AssumeRoleWithWebIdentity request.
type webIdentityCall struct {
	params url.Values
}

// readWebIdentityCall reads an unsigned request as AssumeRoleWithWebIdentity;
// ok is false for anything else (moto's own API). The body is put back for
// moto.
func readWebIdentityCall(r *http.Request) (webIdentityCall, bool) {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return webIdentityCall{}, false
	}
	params := r.URL.Query()
	if form, err := url.ParseQuery(string(body)); err == nil {
		for k, v := range form {
			params[k] = v
		}
	}
	return webIdentityCall{params: params}, params.Get("Action") == webIdentityAction
}

// serveUnsigned evaluates an AssumeRoleWithWebIdentity before moto sees it
// and forwards every other unsigned request as it is.
func (l *faithfulLayer) serveUnsigned(w http.ResponseWriter, r *http.Request) {
	call, ok := readWebIdentityCall(r)
	if !ok {
		l.proxy.ServeHTTP(w, r)
		return
	}
	if err := l.evaluateWebIdentity(r.Context(), call); err != nil {
		err.write(w, protocolQuery)
		return
	}
	req := signedRequest{service: "sts", action: webIdentityAction, params: call.params, protocol: protocolQuery}
	ctx := context.WithValue(r.Context(), forwardedKey{}, forwarded{req: req})
	l.proxy.ServeHTTP(w, r.WithContext(ctx))
}

// evaluateWebIdentity decides as AWS does: a token it can read and that
// has not expired, an OIDC provider of its issuer in the role's account
// that accepts its audience, and a role whose trust policy allows it.
func (l *faithfulLayer) evaluateWebIdentity(ctx context.Context, call webIdentityCall) *awsError {
	roleARN := call.params.Get("RoleArn")
	token, err := parseIdentityToken(call.params.Get("WebIdentityToken"))
	if err != nil {
		return invalidIdentityToken("The web identity token that was passed could not be validated by AWS: " + err.Error())
	}
	if now := l.now(); !now.Before(token.Expires) {
		return expiredToken(now, token.Expires)
	}
	account, name, ok := parseRoleARN(roleARN)
	if !ok {
		return webIdentityDenied()
	}
	audiences, err := l.roles.oidcAudiences(ctx, account, token.Issuer)
	switch {
	case errors.Is(err, errOIDCProviderNotFound):
		return invalidIdentityToken("No OpenIDConnect provider found in your account for " + token.Issuer)
	case err != nil:
		return internalFailure(err)
	case !slices.Contains(audiences, token.Audience):
		return invalidIdentityToken("Incorrect token audience")
	}
	role, err := l.roles.role(ctx, account, name)
	switch {
	case errors.Is(err, errRoleNotFound):
		return webIdentityDenied()
	case err != nil:
		return internalFailure(err)
	case role.arn != roleARN, l.propagating(account, name):
		return webIdentityDenied()
	}
	allowed, err := allowsWebIdentity(role.trustPolicy, oidcProviderARN(account, token.Issuer), token)
	if err != nil {
		return internalFailure(fmt.Errorf("role %s: %w", roleARN, err))
	}
	if !allowed {
		return webIdentityDenied()
	}
	return nil
}

// parseIdentityToken reads the claims of a JWT without verifying it.
func parseIdentityToken(jwt string) (IdentityToken, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return IdentityToken{}, errors.New("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return IdentityToken{}, fmt.Errorf("payload: %w", err)
	}
	var claims struct {
		Iss string
		Aud string
		Sub string
		Exp int64
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return IdentityToken{}, fmt.Errorf("claims: %w", err)
	}
	if claims.Iss == "" || claims.Aud == "" || claims.Sub == "" || claims.Exp == 0 {
		return IdentityToken{}, errors.New("iss, aud, sub and exp are required")
	}
	return IdentityToken{Issuer: claims.Iss, Audience: claims.Aud, Subject: claims.Sub, Expires: time.Unix(claims.Exp, 0)}, nil
}

// allowsWebIdentity evaluates a trust policy for token, presented through
// the OIDC provider providerARN.
func allowsWebIdentity(document, providerARN string, token IdentityToken) (bool, error) {
	return evaluateTrust(document, func(s trustStatement) match { return s.appliesToWebIdentity(providerARN, token) })
}

// evaluateTrust evaluates a trust policy as AWS does one resource-based
// policy, given whether each statement applies: an explicit Deny that
// applies, or may apply, wins; otherwise an Allow that fully applies
// allows; otherwise the request is implicitly denied.
func evaluateTrust(document string, applies func(trustStatement) match) (bool, error) {
	doc, err := decodePolicyDocument(document)
	if err != nil {
		return false, err
	}
	var policy trustPolicy
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		return false, fmt.Errorf("%w: %w", errInvalidTrustPolicy, err)
	}
	allowed := false
	for _, s := range policy.Statement {
		m := applies(s)
		switch {
		case s.Effect == "Deny" && m != matchNo:
			return false, nil
		case s.Effect == "Allow" && m == matchYes:
			allowed = true
		}
	}
	return allowed, nil
}

func (s trustStatement) appliesToWebIdentity(providerARN string, token IdentityToken) match {
	return allOf(s.federatedMatch(providerARN), s.actionMatch("sts:"+webIdentityAction), s.claimsMatch(token))
}

// federatedMatch matches "*" or {"Federated": the provider's ARN}.
func (s trustStatement) federatedMatch(providerARN string) match {
	if s.Principal == nil || s.NotPrincipal != nil {
		return matchUnknown
	}
	var star string
	if json.Unmarshal(s.Principal, &star) == nil {
		return boolMatch(star == "*")
	}
	var byType map[string]oneOrMany[string]
	if err := json.Unmarshal(s.Principal, &byType); err != nil {
		return matchUnknown
	}
	return boolMatch(slices.Contains(byType["Federated"], providerARN))
}

// claimsMatch supports StringEquals and StringLike on the ISSUER:aud and
// ISSUER:sub keys; any other operator or key is unknown.
func (s trustStatement) claimsMatch(token IdentityToken) match {
	claims := map[string]string{
		strings.ToLower(issuerHost(token.Issuer) + ":aud"): token.Audience,
		strings.ToLower(issuerHost(token.Issuer) + ":sub"): token.Subject,
	}
	result := matchYes
	for operator, keys := range s.Condition {
		for key, raw := range keys {
			claim, known := claims[strings.ToLower(key)]
			var values oneOrMany[string]
			if !known || json.Unmarshal(raw, &values) != nil || (operator != "StringEquals" && operator != "StringLike") {
				result = matchUnknown
				continue
			}
			if !anyValueMatches(operator, values, claim) {
				return matchNo
			}
		}
	}
	return result
}

// AWS's answers to a web identity it refuses; see the API reference cited
// at the top of this file.
func webIdentityDenied() *awsError {
	return &awsError{status: http.StatusForbidden, code: "AccessDenied",
		message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"}
}

func invalidIdentityToken(message string) *awsError {
	return &awsError{status: http.StatusBadRequest, code: "InvalidIdentityToken", message: message}
}

func expiredToken(now, expires time.Time) *awsError {
	return &awsError{status: http.StatusBadRequest, code: "ExpiredTokenException",
		message: fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), expires.Unix())}
}
