package iampolicy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	awspolicy "github.com/hashicorp/awspolicyequivalence"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// legacyVersion is what IAM assumes when a document has no Version element.
// It differs from 2012-10-17 (no policy variables), so the two never compare
// equal.
const legacyVersion = "2008-10-17"

// rootARNPattern matches an account's root principal ARN in any partition.
var rootARNPattern = regexp.MustCompile(`^arn:[a-z-]+:iam::(\d{12}):root$`)

// Equivalent reports whether two policy documents grant the same thing, so
// that a plan never shows a diff between what was written and what IAM
// returns. The comparison is terraform-provider-aws's
// (awspolicy.PoliciesAreEquivalent): it ignores whitespace, key order,
// statement order, the order of list values, one value versus a one-element
// list, and an account ID versus that account's root ARN in an AWS principal.
// Normalize first resolves what that comparison does not, each as IAM reads
// a document: URL encoding, an absent Version (2008-10-17), the case of
// Effect and of action names, and repeated values and statements. It returns
// an error if either document is not a policy.
func Equivalent(a, b string) (bool, error) {
	na, err := Normalize(a)
	if err != nil {
		return false, err
	}
	nb, err := Normalize(b)
	if err != nil {
		return false, err
	}
	return awspolicy.PoliciesAreEquivalent(na, nb)
}

// Normalize returns a policy document as compact JSON in canonical key order,
// with the differences that IAM ignores and awspolicy.PoliciesAreEquivalent
// does not resolved one way: the document URL-decoded, Version always
// present, Effect as Allow or Deny, action names lower-cased, list values
// sorted without repeats and repeated statements dropped. AWS account
// principals become bare account IDs, the form the policy evaluator
// compares. Statements keep the order they were written in.
func Normalize(doc string) (string, error) {
	d, err := parse(doc)
	if err != nil {
		return "", err
	}
	if err := normalize(&d); err != nil {
		return "", err
	}
	return render(d)
}

// normalize rewrites d into canonical form in place.
func normalize(d *policyDoc) error {
	if d.Version == "" {
		d.Version = legacyVersion
	}
	seen := make(map[string]bool, len(d.Statement))
	kept := d.Statement[:0]
	for _, st := range d.Statement {
		if err := normalizeStatement(&st); err != nil {
			return err
		}
		key, err := render(st)
		if err != nil {
			return err
		}
		// A repeated statement grants nothing more; awspolicy would count it.
		if !seen[key] {
			seen[key] = true
			kept = append(kept, st)
		}
	}
	d.Statement = kept
	return nil
}

func normalizeStatement(st *statement) error {
	switch {
	case strings.EqualFold(st.Effect, "Allow"):
		st.Effect = "Allow"
	case strings.EqualFold(st.Effect, "Deny"):
		st.Effect = "Deny"
	default:
		return fmt.Errorf("statement Effect %s is not valid: it must be Allow or Deny", validate.QuoteInput(st.Effect))
	}
	// IAM matches action names case-insensitively; resource ARNs are
	// case-sensitive and stay as written.
	st.Action = canonicalValues(st.Action, strings.ToLower)
	st.NotAction = canonicalValues(st.NotAction, strings.ToLower)
	st.Resource = canonicalValues(st.Resource, nil)
	st.NotResource = canonicalValues(st.NotResource, nil)
	st.Principal.normalize()
	st.NotPrincipal.normalize()
	for _, byKey := range st.Condition {
		for key, vs := range byKey {
			byKey[key] = canonicalValues(vs, nil)
		}
	}
	return nil
}

func (p *principal) normalize() {
	if p == nil {
		return
	}
	for typ, vs := range p.byType {
		var fold func(string) string
		if typ == "AWS" {
			fold = awsPrincipal
		}
		p.byType[typ] = canonicalValues(vs, fold)
	}
}

// awsPrincipal resolves an account's root ARN to the bare account ID, the
// other form IAM accepts for it. The partition is dropped because IAM always
// resolves a bare ID in the policy's own partition.
func awsPrincipal(v string) string {
	if m := rootARNPattern.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return v
}

// canonicalValues maps vs through fold (when not nil), sorts them and drops
// duplicates, so list order and repeats never matter.
func canonicalValues(vs values, fold func(string) string) values {
	if vs == nil {
		return nil
	}
	out := slices.Clone(vs)
	if fold != nil {
		for i, v := range out {
			out[i] = fold(v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
