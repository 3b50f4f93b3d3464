package iampolicy

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// FuzzEquivalent checks that Equivalent is an equivalence over documents:
// a document is equivalent to itself, to its re-marshalled, indented and
// URL-encoded forms and to a reordered copy, and the answer does not depend
// on the order of the arguments. TestEquivalent has the named pairs.
func FuzzEquivalent(f *testing.F) {
	f.Add(permissions, prettyPermissions)
	f.Add(trust, url.QueryEscape(trust))
	f.Add(trust, strings.Replace(trust, "ext-1", "ext-2", 1))
	f.Add(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
		`{"Version":"2008-10-17","Statement":{"Effect":"allow","Action":["S3:GetObject","s3:getobject"],"Resource":["*"]}}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, errAB := Equivalent(a, b)
		ba, errBA := Equivalent(b, a)
		if ab != ba || (errAB == nil) != (errBA == nil) {
			t.Fatalf("Equivalent(a, b) = %v, %v but Equivalent(b, a) = %v, %v\na: %q\nb: %q", ab, errAB, ba, errBA, a, b)
		}
		if errAB != nil && ab {
			t.Fatalf("Equivalent(%q, %q) is true with an error: %v", a, b, errAB)
		}
		d, err := parse(a)
		if err != nil {
			if same, err := Equivalent(a, a); same || err == nil {
				t.Fatalf("Equivalent(a, a) = %v, %v for a document parse refuses (%q)", same, err, a)
			}
			return
		}
		canonical, err := Normalize(a)
		if err != nil {
			return // a parsed document with an invalid Effect
		}
		if again, err := Normalize(canonical); err != nil || again != canonical {
			t.Fatalf("Normalize is not idempotent for %q:\n%s\n%s (%v)", a, canonical, again, err)
		}
		rendered, err := render(d)
		if err != nil {
			t.Fatal(err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, []byte(rendered), "", "  "); err != nil {
			t.Fatal(err)
		}
		for form, other := range map[string]string{
			"itself":          a,
			"re-marshalled":   rendered,
			"indented":        indented.String(),
			"URL-encoded":     url.QueryEscape(rendered),
			"reordered":       mustRender(t, reordered(d)),
			"its normal form": canonical,
		} {
			if same, err := Equivalent(a, other); err != nil || !same {
				t.Fatalf("%q is not equivalent to %s %q: %v", a, form, other, err)
			}
		}
	})
}

// reordered is a copy of d written differently in every way Equivalent
// ignores: statements and list values in reverse order, a statement
// repeated, Effect in upper case and account IDs as root ARNs.
func reordered(d policyDoc) policyDoc {
	out := d
	out.Statement = nil
	for _, st := range slices.Backward(d.Statement) {
		st.Effect = strings.ToUpper(st.Effect)
		st.Action, st.NotAction = backward(st.Action), backward(st.NotAction)
		st.Resource, st.NotResource = backward(st.Resource), backward(st.NotResource)
		st.Principal, st.NotPrincipal = st.Principal.reordered(), st.NotPrincipal.reordered()
		if st.Condition != nil {
			cs := conditions{}
			for op, byKey := range st.Condition {
				cs[op] = map[string]values{}
				for key, vs := range byKey {
					cs[op][key] = backward(vs)
				}
			}
			st.Condition = cs
		}
		out.Statement = append(out.Statement, st)
	}
	out.Statement = append(out.Statement, out.Statement[0])
	return out
}

func (p *principal) reordered() *principal {
	if p == nil || p.anyone {
		return p
	}
	byType := maps.Clone(p.byType)
	for typ, vs := range byType {
		vs = backward(vs)
		if typ == "AWS" {
			for i, v := range vs {
				if validate.AccountID(v) == nil {
					vs[i] = "arn:aws:iam::" + v + ":root"
				}
			}
		}
		byType[typ] = vs
	}
	return &principal{byType: byType}
}

// backward is a reversed copy of vs; nil stays nil.
func backward(vs values) values {
	if vs == nil {
		return nil
	}
	out := slices.Clone(vs)
	slices.Reverse(out)
	return out
}

func mustRender(t *testing.T, v any) string {
	t.Helper()
	s, err := render(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
