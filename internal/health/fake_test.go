package health_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Keys the fake tells the service's credentials and the role's apart by.
const (
	baseKey    = "AKIDSERVICE"
	assumedKey = "ASIAROLE"
)

// fakeAWS answers the calls a check makes, as STS and IAM (awsQuery, XML)
// and CloudWatch (awsJson1_0) do, from one role's state. Calls signed with
// anything but the role's credentials after AssumeRole are refused, so a
// check that forgets to use them fails.
type fakeAWS struct {
	roleARN    string
	externalID string

	assumeDenied     bool   // AssumeRole answers AccessDenied
	roleMissing      bool   // GetRole answers NoSuchEntity
	getRoleDenied    bool   // GetRole answers AccessDenied
	trust            string // the role's trust policy
	inline           map[string]string
	attached         []string
	disabledRegions  []string // STS answers RegionDisabledException there
	cloudWatchDenied bool
	hang             bool // no answer until the client gives up

	// notEnabledRegions are opt-in regions the role's account has not
	// enabled: every call there with the role's credentials answers
	// InvalidClientTokenId, as AWS does.
	notEnabledRegions []string

	mu    sync.Mutex
	calls []string // "service action region", in order
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		// The server notices the client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	key, region, service := credentialScope(r.Header.Get("Authorization"))
	action := r.FormValue("Action")
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, action, _ = strings.Cut(target, ".")
	}
	f.mu.Lock()
	f.calls = append(f.calls, service+" "+action+" "+region)
	f.mu.Unlock()

	if action == "AssumeRole" {
		f.assumeRole(w, r, key)
		return
	}
	if key != assumedKey || slices.Contains(f.notEnabledRegions, region) {
		queryError(w, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	switch action {
	case "GetCallerIdentity":
		if slices.Contains(f.disabledRegions, region) {
			queryError(w, http.StatusForbidden, "RegionDisabledException",
				"STS is not activated in this region for account:210987654321. Your account administrator can activate STS in this region using the IAM Console.")
			return
		}
		queryResult(w, action, `<Account>210987654321</Account><Arn>arn:aws:sts::210987654321:assumed-role/r/s</Arn><UserId>AROA:s</UserId>`)
	case "GetRole":
		switch {
		case f.roleMissing:
			queryError(w, http.StatusNotFound, "NoSuchEntity", "The role with name costlink cannot be found.")
		case f.getRoleDenied:
			queryError(w, http.StatusForbidden, "AccessDenied", "not authorized to perform: iam:GetRole")
		default:
			queryResult(w, action, `<Role><Path>/</Path><RoleName>costlink</RoleName><RoleId>AROAEXAMPLE</RoleId>`+
				`<Arn>`+f.roleARN+`</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>`+
				`<AssumeRolePolicyDocument>`+escape(url.QueryEscape(f.trust))+`</AssumeRolePolicyDocument></Role>`)
		}
	case "ListRolePolicies":
		var names strings.Builder
		for name := range f.inline {
			names.WriteString("<member>" + escape(name) + "</member>")
		}
		queryResult(w, action, `<PolicyNames>`+names.String()+`</PolicyNames><IsTruncated>false</IsTruncated>`)
	case "GetRolePolicy":
		name := r.FormValue("PolicyName")
		queryResult(w, action, `<RoleName>costlink</RoleName><PolicyName>`+escape(name)+`</PolicyName>`+
			`<PolicyDocument>`+escape(url.QueryEscape(f.inline[name]))+`</PolicyDocument>`)
	case "ListAttachedRolePolicies":
		var members strings.Builder
		for _, arn := range f.attached {
			members.WriteString("<member><PolicyName>p</PolicyName><PolicyArn>" + escape(arn) + "</PolicyArn></member>")
		}
		queryResult(w, action, `<AttachedPolicies>`+members.String()+`</AttachedPolicies><IsTruncated>false</IsTruncated>`)
	case "ListMetrics":
		if f.cloudWatchDenied {
			// CloudWatch is awsQuery-compatible: the query code travels in a
			// header beside the JSON error.
			w.Header().Set("X-Amzn-Query-Error", "AccessDenied;Sender")
			jsonAnswer(w, http.StatusBadRequest, map[string]string{"__type": "AccessDeniedException", "message": "not authorized to perform: cloudwatch:ListMetrics"})
			return
		}
		jsonAnswer(w, http.StatusOK, map[string]any{"Metrics": []any{}})
	default:
		http.Error(w, "unexpected action "+action, http.StatusNotImplemented)
	}
}

// assumeRole issues the role's credentials when the request names the
// role and the external ID.
func (f *fakeAWS) assumeRole(w http.ResponseWriter, r *http.Request, key string) {
	if f.assumeDenied || key != baseKey || r.FormValue("RoleArn") != f.roleARN || r.FormValue("ExternalId") != f.externalID {
		queryError(w, http.StatusForbidden, "AccessDenied",
			"User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: "+r.FormValue("RoleArn"))
		return
	}
	queryResult(w, "AssumeRole", `<Credentials><AccessKeyId>`+assumedKey+`</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>`+
		`<SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`+
		`<AssumedRoleUser><Arn>arn:aws:sts::210987654321:assumed-role/costlink/costlink-health-check</Arn>`+
		`<AssumedRoleId>AROAEXAMPLE:costlink-health-check</AssumedRoleId></AssumedRoleUser>`)
}

// called reports whether the fake received a call, as "service action region".
func (f *fakeAWS) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.calls, call)
}

// credentialScope reads the access key, region and service from a SigV4
// Authorization header: "... Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...".
func credentialScope(authorization string) (key, region, service string) {
	_, scope, _ := strings.Cut(authorization, "Credential=")
	scope, _, _ = strings.Cut(scope, ",")
	parts := strings.Split(scope, "/")
	if len(parts) < 4 {
		return "", "", ""
	}
	return parts[0], parts[2], parts[3]
}

// queryResult answers with a Content-Length, as AWS does: a long answer
// would otherwise go chunked, and the SDK, which stops reading at the
// closing tag, would leave the last chunk unread and the connection unusable.
func queryResult(w http.ResponseWriter, action, result string) {
	body := fmt.Sprintf(`<%[1]sResponse><%[1]sResult>%[2]s</%[1]sResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%[1]sResponse>`,
		action, result)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = io.WriteString(w, body)
}

func queryError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
		code, escape(message))
}

func jsonAnswer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
