package iampolicy

import (
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// This file evaluates a trust policy for one sts:AssumeRole request the way
// AWS does ("Policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
// an explicit Deny wins, then an Allow, else the request is implicitly denied.
// Only the principal, the action and the sts:ExternalId condition key are
// known here; any other condition yields maybe, which each caller resolves
// the way that errs on the side of safety.

// tri is the outcome of matching a statement: no < maybe < yes, so that AND
// is the minimum and OR the maximum.
type tri int

const (
	no tri = iota
	maybe
	yes
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// caller is the principal calling sts:AssumeRole.
type caller struct {
	arn     string // as validate.ParsePrincipalARN accepts it: root, role or user
	account string
	session string // ARN prefix of the caller's sessions when it is a role, else ""
}

func newCaller(principalARN string) (caller, error) {
	p, err := validate.ParsePrincipalARN(principalARN)
	if err != nil {
		return caller{}, err
	}
	c := caller{arn: principalARN, account: p.AccountID}
	if _, path, ok := strings.Cut(principalARN, ":role/"); ok {
		// A session ARN names the role without its path.
		name := path[strings.LastIndex(path, "/")+1:]
		c.session = "arn:" + p.Partition + ":sts::" + p.AccountID + ":assumed-role/" + name + "/"
	}
	return c, nil
}

// isRoot reports whether the caller is its account's root principal.
func (c caller) isRoot() bool { return awsPrincipal(c.arn) == c.account }

// request is an sts:AssumeRole call as a trust policy sees it.
type request struct {
	caller     caller
	externalID *string // nil when the call carries no external ID
}

// matches evaluates the normalized statement for r, ignoring its Effect.
func (st statement) matches(r request) tri {
	if !st.appliesTo(r.caller) {
		return no
	}
	return st.Condition.evaluate(r)
}

// appliesTo reports whether the statement covers the caller's sts:AssumeRole,
// conditions aside.
func (st statement) appliesTo(c caller) bool {
	return st.admitsPrincipal(c) && st.coversAction("sts:assumerole")
}

// admitsPrincipal reports whether the statement's Principal or NotPrincipal
// applies to the caller ("IAM JSON policy elements: Principal",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func (st statement) admitsPrincipal(c caller) bool {
	if st.NotPrincipal != nil {
		return !st.NotPrincipal.exempts(c)
	}
	return st.Principal.names(c)
}

// names reports whether the normalized principal covers the caller: "*", the
// caller's own ARN, or its account (ID or root ARN, which normalize turns
// into the ID) — an account principal delegates to every principal in it.
func (p *principal) names(c caller) bool {
	if p == nil {
		return false
	}
	if p.anyone {
		return true
	}
	for _, v := range p.byType["AWS"] {
		if v == "*" || v == c.account || v == awsPrincipal(c.arn) {
			return true
		}
	}
	return false
}

// exempts reports whether a NotPrincipal leaves the caller out. AWS may
// evaluate the account, then the role, then the role's session, so only a
// NotPrincipal naming each of them exempts the caller ("AWS JSON policy
// elements: NotPrincipal",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
func (p *principal) exempts(c caller) bool {
	switch {
	case p == nil:
		return false
	case p.anyone:
		return true // NotPrincipal "*" leaves everyone out
	}
	aws := p.byType["AWS"]
	has := func(match func(string) bool) bool {
		for _, v := range aws {
			if v == "*" || match(v) {
				return true
			}
		}
		return false
	}
	account := has(func(v string) bool { return v == c.account })
	self := c.isRoot() || has(func(v string) bool { return v == c.arn })
	session := c.session == "" || has(func(v string) bool { return strings.HasPrefix(v, c.session) })
	return account && self && session
}

// coversAction reports whether the statement's Action or NotAction covers
// the lower-case action.
func (st statement) coversAction(action string) bool {
	if st.NotAction != nil {
		return !anyCovers(st.NotAction, action)
	}
	return anyCovers(st.Action, action)
}
