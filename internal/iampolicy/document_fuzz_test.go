package iampolicy

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzParse checks that parse refuses what is not a policy document instead
// of reading part of it: whatever it accepts is one JSON object, after URL
// decoding when it starts with "%", holding statements, and its rendering
// parses back to the same rendering.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{permissions, prettyPermissions, trust, url.QueryEscape(trust), `{"Version":`,
		`{"Statement":[]}`, `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":123456789012},"Action":"sts:AssumeRole"}]} {}`,
		`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":[true,1.50]}}}]}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := parse(doc)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("parse(%q) failed with an empty error", doc)
			}
			return
		}
		text := strings.TrimSpace(doc)
		if strings.HasPrefix(text, "%") {
			decoded, err := url.QueryUnescape(text)
			if err != nil {
				t.Fatalf("parse(%q) accepted a document that does not URL-decode: %v", doc, err)
			}
			text = decoded
		}
		var object map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &object); err != nil {
			t.Fatalf("parse(%q) accepted what is not one JSON object: %v", doc, err)
		}
		if len(d.Statement) == 0 {
			t.Fatalf("parse(%q) accepted a document without statements", doc)
		}
		rendered, err := render(d)
		if err != nil {
			t.Fatalf("render(parse(%q)): %v", doc, err)
		}
		again, err := parse(rendered)
		if err != nil {
			t.Fatalf("parse(%q) = %+v, whose rendering %s does not parse: %v", doc, d, rendered, err)
		}
		if twice, _ := render(again); twice != rendered {
			t.Fatalf("rendering of %q is not stable:\n%s\n%s", doc, rendered, twice)
		}
	})
}
