package iampolicy

import (
	"slices"
	"strings"
)

// MissingActions names the actions of want's Allow statements that the have
// documents (a role's inline policies, plain or URL-encoded as IAM returns
// them) do not grant on every resource want grants them on; nil means
// nothing is missing. Want's Deny statements take permissions away, so they
// are never actions the role lacks. Wildcards in have count for what they
// match: ec2:Describe* covers ec2:DescribeInstances, and a wanted
// ec2:Describe* needs a have pattern at least as broad. Only have's Allow
// statements without a Condition, NotAction or NotResource count, as those
// grant unconditionally; its Deny statements are not evaluated. Names are
// spelt as in want and sorted.
func MissingActions(want Policy, have []string) ([]string, error) {
	var grants []statement
	for _, doc := range have {
		d, err := parse(doc)
		if err != nil {
			return nil, err
		}
		if err := normalize(&d); err != nil {
			return nil, err
		}
		for _, st := range d.Statement {
			if st.Effect == "Allow" && len(st.Condition) == 0 && st.NotAction == nil && st.NotResource == nil {
				grants = append(grants, st)
			}
		}
	}
	var missing []string
	for _, doc := range want.Documents {
		d, err := parse(doc.JSON)
		if err != nil {
			return nil, err
		}
		for _, st := range d.Statement {
			if !strings.EqualFold(st.Effect, "Allow") {
				continue
			}
			for _, action := range st.Action {
				if !granted(grants, strings.ToLower(action), st.Resource) {
					missing = append(missing, action)
				}
			}
		}
	}
	if missing == nil {
		return nil, nil
	}
	return sortActions(missing), nil
}

// granted reports whether grants allow the lower-case action on each of the
// resources.
func granted(grants []statement, action string, resources values) bool {
	for _, r := range resources {
		if !slices.ContainsFunc(grants, func(g statement) bool {
			return anyCovers(g.Action, action) && anyCovers(g.Resource, r)
		}) {
			return false
		}
	}
	return true
}

// anyCovers reports whether one of the patterns covers s (see covers).
func anyCovers(patterns values, s string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return covers(p, s) })
}

// covers reports whether the IAM wildcard pattern (* any run, ? any one
// character) matches everything s matches, s being a name or a pattern
// itself. So a * or ? in s is covered only by a pattern wildcard at least as
// broad: ce:Get* covers ce:Get* and ce:GetCostAndUsage, ce:GetCost* covers
// neither ce:Get* nor ce:GetDimensionValues. Matching is case-sensitive;
// callers lower-case actions.
func covers(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0 // last * in pattern, and where in s it began to match
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && coversOne(pattern[p], s[i]):
			p++
			i++
		case star >= 0:
			// Let the last * absorb one more character and retry.
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// coversOne reports whether one pattern character covers one character of s.
func coversOne(pc, sc byte) bool {
	switch {
	case pc == '?':
		return sc != '*' // one character never covers a run
	case sc == '*' || sc == '?':
		return false // a literal never covers a wildcard
	default:
		return pc == sc
	}
}
