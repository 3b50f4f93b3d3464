package acctest

import (
	"cmp"
	"encoding/xml"
	"strings"
)

// baseUserARN is the principal moto reports for the base account's static
// key.
const baseUserARN = "arn:aws:iam::" + ServiceAccountID + ":user/moto"

// principal is who signed a request, as AWS knows it.
type principal struct {
	account string
	// arn is the principal's ARN as AWS names it in an AccessDenied
	// message: a user, or an assumed-role session.
	arn string
	// roleARN is the role of an assumed-role session, "" for a user.
	roleARN string
}

var basePrincipal = principal{account: ServiceAccountID, arn: baseUserARN}

// issuedSession is the part of an STS answer that tells whose the issued
// access key is.
type issuedSession struct {
	AccessKeyID string `xml:"Credentials>AccessKeyId"`
	SessionARN  string `xml:"AssumedRoleUser>Arn"`
}

// sessionResponse is sts:AssumeRole's or sts:AssumeRoleWithWebIdentity's
// answer: one of the two results is there.
type sessionResponse struct {
	AssumeRole  issuedSession `xml:"AssumeRoleResult"`
	WebIdentity issuedSession `xml:"AssumeRoleWithWebIdentityResult"`
}

// createRoleResponse is the part of iam:CreateRole's answer naming the role.
type createRoleResponse struct {
	RoleARN string `xml:"CreateRoleResult>Role>Arn"`
}

// sessionPrincipal is the principal of a key AWS issued for roleARN, from
// AssumeRole's or AssumeRoleWithWebIdentity's answer; ok is false when the
// answer names no key.
func sessionPrincipal(body []byte, roleARN string) (string, principal, bool) {
	var out sessionResponse
	if err := xml.Unmarshal(body, &out); err != nil {
		return "", principal{}, false
	}
	session := cmp.Or(out.AssumeRole, out.WebIdentity)
	if session.AccessKeyID == "" {
		return "", principal{}, false
	}
	account, _, _ := parseRoleARN(roleARN)
	return session.AccessKeyID, principal{account: account, arn: session.SessionARN, roleARN: roleARN}, true
}

// createdRoleARN is the ARN in CreateRole's answer, "" when there is none.
func createdRoleARN(body []byte) string {
	var out createRoleResponse
	if xml.Unmarshal(body, &out) != nil {
		return ""
	}
	return out.RoleARN
}

// parseRoleARN splits arn:aws:iam::ACCOUNT:role/PATH/NAME into the account
// and the role's name (its last segment: the path is not part of a role's
// identity).
func parseRoleARN(arn string) (account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", "", false
	}
	resource := parts[5]
	return parts[4], resource[strings.LastIndex(resource, "/")+1:], parts[4] != ""
}

// roleKey names a role across accounts; IAM role names are unique within
// an account regardless of case.
func roleKey(account, name string) string {
	return account + "/" + strings.ToLower(name)
}
