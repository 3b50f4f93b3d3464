package acctest

// The AWS-faithful layer: a reverse proxy in front of moto_server that every
// AWS client of the tests and of the product reaches (MotoServer.Endpoint),
// answering as AWS does where moto is kinder.
//
// What it emulates:
//   - Caller identity: the base account's static key is 123456789012 (user
//     moto); a key issued by an sts:AssumeRole forwarded through the layer
//     belongs to the role's account, as that role's session.
//   - sts:AssumeRole is evaluated before moto sees it: a missing role, an
//     ARN that is not the role's (a wrong or missing path), or a trust
//     policy that does not allow the caller all answer 403 AccessDenied,
//     never NoSuchEntity. Trust
//     policies are evaluated per "Policy evaluation logic" (explicit Deny
//     wins, then an Allow, else implicit deny)
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//     with principals per "IAM JSON policy elements: Principal"
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
//     and the sts:ExternalId condition per "How to use an external ID when
//     granting access to your AWS resources to a third party"
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
//     (see trusteval.go; conditions other than StringEquals/StringLike on
//     sts:ExternalId are not evaluated: an Allow holding one does not apply,
//     a Deny holding one does).
//   - sts:AssumeRoleWithWebIdentity is evaluated before moto sees it: the
//     token's issuer needs an IAM OIDC provider in the role's account that
//     accepts its audience, and the role's trust policy must allow the
//     provider with the token's aud and sub (see webidentity.go for what
//     AWS checks and the layer does not: the token's signature).
//   - IAM propagation: a role created, or whose trust policy was updated,
//     through the layer cannot be assumed (AccessDenied) until a propagation
//     window has passed, as "Changes that I make are not always immediately
//     visible" describes
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
//   - Opt-in regions ("Specify which AWS Regions your account can use",
//     https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html)
//     are disabled per account until EnableRegion: a request signed for one
//     answers 403 InvalidClientTokenId.
//   - STS deactivated in a region per account (DeactivateSTS): STS there
//     answers 403 RegionDisabledException. The account that matters is the
//     one credentials are requested for (the role's account for AssumeRole,
//     the caller's otherwise), as "Manage AWS STS in an AWS Region" says
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html
//
// What it does not emulate: SCPs, permission boundaries, session policies,
// the caller's identity policies (whether the caller may call
// sts:AssumeRole at all), conditions other than the external ID, tags and
// source identity, regions for IAM (a global service signed for us-east-1),
// and propagation of anything but a role's creation or trust policy made
// through the layer (roles the harness creates straight on moto, and every
// other IAM change, are visible at once).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// DefaultPropagationWindow is how long a role created or changed through
// the layer stays unassumable, in every account without a window of its
// own: long enough that every test meets a wait, short enough to be cheap.
const DefaultPropagationWindow = 2 * time.Second

// faithfulLayer is the proxy and the AWS state moto does not keep.
type faithfulLayer struct {
	proxy  *httputil.ReverseProxy
	server *http.Server
	roles  *motoAdmin
	now    func() time.Time

	mu      sync.Mutex
	keys    map[string]principal     // access key ID -> whose it is
	changed map[string]time.Time     // roleKey -> last change through the layer
	windows map[string]time.Duration // account -> propagation window
	regions regionStates
}

// forwarded is what ModifyResponse needs to know of the request it answers.
type forwarded struct {
	req    signedRequest
	caller principal
}

type forwardedKey struct{}

// startFaithfulLayer serves the layer on a free loopback port in front of
// moto at motoEndpoint, and returns it with its URL.
func startFaithfulLayer(motoEndpoint string) (*faithfulLayer, string, error) {
	target, err := url.Parse(motoEndpoint)
	if err != nil {
		return nil, "", err
	}
	l := &faithfulLayer{
		roles:   newMotoAdmin(motoEndpoint),
		now:     time.Now,
		keys:    map[string]principal{},
		changed: map[string]time.Time{},
		windows: map[string]time.Duration{},
		regions: regionStates{enabled: map[string]bool{}, stsDeactivated: map[string]bool{}},
	}
	l.proxy = httputil.NewSingleHostReverseProxy(target)
	l.proxy.ModifyResponse = l.record
	listener, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listening on loopback for the AWS-faithful layer: %w", err)
	}
	l.server = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = l.server.Serve(listener) }()
	return l, "http://" + listener.Addr().String(), nil
}

func (l *faithfulLayer) stop() { _ = l.server.Close() }

// ServeHTTP answers what AWS would refuse and forwards the rest to moto,
// body unchanged.
func (l *faithfulLayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, signed, err := readSignedRequest(r)
	if err != nil {
		internalFailure(err).write(w, protocolOf(r.Header))
		return
	}
	if !signed {
		l.serveUnsigned(w, r) // sts:AssumeRoleWithWebIdentity is unsigned (webidentity.go)
		return
	}
	caller := l.principalOf(req.accessKeyID)
	if err := l.refuse(r.Context(), req, caller); err != nil {
		err.write(w, req.protocol)
		return
	}
	ctx := context.WithValue(r.Context(), forwardedKey{}, forwarded{req: req, caller: caller})
	l.proxy.ServeHTTP(w, r.WithContext(ctx))
}

// refuse is AWS's answer where it differs from moto's, or nil to forward.
func (l *faithfulLayer) refuse(ctx context.Context, req signedRequest, caller principal) *awsError {
	switch {
	case req.service != "iam" && !l.regionEnabled(caller.account, req.region):
		return invalidClientTokenID()
	case req.service != "sts":
		return nil
	case req.action == "AssumeRole":
		return l.evaluateAssumeRole(ctx, req, caller)
	default:
		return l.requireSTS(caller.account, req.region)
	}
}

// requireSTS refuses when STS in region does not issue credentials for
// accountID, the account they are requested for.
func (l *faithfulLayer) requireSTS(accountID, region string) *awsError {
	if !l.stsActive(accountID, region) {
		return regionDisabled(accountID)
	}
	return nil
}

// evaluateAssumeRole reads the role from moto and decides as AWS does.
func (l *faithfulLayer) evaluateAssumeRole(ctx context.Context, req signedRequest, caller principal) *awsError {
	roleARN := req.params.Get("RoleArn")
	account, name, ok := parseRoleARN(roleARN)
	if !ok {
		return accessDenied(caller, roleARN)
	}
	if err := l.requireSTS(account, req.region); err != nil {
		return err
	}
	role, err := l.roles.role(ctx, account, name)
	switch {
	case errors.Is(err, errRoleNotFound):
		return accessDenied(caller, roleARN)
	case err != nil:
		return internalFailure(err)
	case role.arn != roleARN, l.propagating(account, name):
		return accessDenied(caller, roleARN)
	}
	externalID, hasExternalID := req.params["ExternalId"]
	allowed, err := allowsAssumeRole(role.trustPolicy, trustRequest{
		caller: caller, externalID: firstOf(externalID), hasExternalID: hasExternalID,
	})
	if err != nil {
		return internalFailure(fmt.Errorf("role %s: %w", roleARN, err))
	}
	if !allowed {
		return accessDenied(caller, roleARN)
	}
	return nil
}

func firstOf(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// record keeps, from moto's successful answers, whose the keys AssumeRole
// issues are and when roles changed.
func (l *faithfulLayer) record(resp *http.Response) error {
	fwd, ok := resp.Request.Context().Value(forwardedKey{}).(forwarded)
	if !ok || resp.StatusCode != http.StatusOK {
		return nil
	}
	switch fwd.req.service + ":" + fwd.req.action {
	case "sts:AssumeRole", "sts:" + webIdentityAction: // the session the key stands for signs what follows
		body, err := peekBody(resp)
		if err != nil {
			return err
		}
		if key, p, ok := sessionPrincipal(body, fwd.req.params.Get("RoleArn")); ok {
			l.mu.Lock()
			l.keys[key] = p
			l.mu.Unlock()
		}
	case "iam:CreateRole":
		body, err := peekBody(resp)
		if err != nil {
			return err
		}
		if account, name, ok := parseRoleARN(createdRoleARN(body)); ok {
			l.markChanged(account, name)
		}
	case "iam:UpdateAssumeRolePolicy":
		l.markChanged(fwd.caller.account, fwd.req.params.Get("RoleName"))
	}
	return nil
}

// peekBody reads a response body and puts it back for the client.
func peekBody(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

func (l *faithfulLayer) principalOf(accessKeyID string) principal {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.keys[accessKeyID]; ok {
		return p
	}
	return basePrincipal
}

func (l *faithfulLayer) regionEnabled(account, region string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.regions.regionEnabled(account, region)
}

func (l *faithfulLayer) stsActive(account, region string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.regions.stsActive(account, region)
}

func (l *faithfulLayer) markChanged(account, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changed[roleKey(account, name)] = l.now()
}

// propagatedAt is when a role's last change through the layer becomes
// visible to STS; the zero time when there was none.
func (l *faithfulLayer) propagatedAt(account, name string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed, ok := l.changed[roleKey(account, name)]
	if !ok {
		return time.Time{}
	}
	window, ok := l.windows[account]
	if !ok {
		window = DefaultPropagationWindow
	}
	return changed.Add(window)
}

func (l *faithfulLayer) propagating(account, name string) bool {
	return l.now().Before(l.propagatedAt(account, name))
}
