package acctest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"
)

// TestAWSErrorProtocols: each protocol's error carries the code and message
// where that protocol's SDK deserializers look for them (the query and
// CBOR forms are also parsed by the SDK in TestFaithfulRegions).
func TestAWSErrorProtocols(t *testing.T) {
	t.Parallel()
	e := invalidClientTokenID()
	decode := map[protocol]func(t *testing.T, body []byte) (string, string){
		protocolQuery: func(t *testing.T, body []byte) (string, string) {
			var doc queryErrorResponse
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Error.Type != "Sender" || doc.RequestID == "" {
				t.Errorf("query error type %q, request ID %q", doc.Error.Type, doc.RequestID)
			}
			return doc.Error.Code, doc.Error.Message
		},
		protocolJSON: func(t *testing.T, body []byte) (string, string) {
			var doc struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			return doc.Type, doc.Message
		},
		protocolRPCCBOR: func(t *testing.T, body []byte) (string, string) {
			v, err := cbor.Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := v.(cbor.Map)
			code, _ := m["__type"].(cbor.String)
			message, _ := m["message"].(cbor.String)
			return string(code), string(message)
		},
	}
	for p, decodeBody := range decode {
		rec := httptest.NewRecorder()
		e.write(rec, p)
		if rec.Code != http.StatusForbidden {
			t.Errorf("protocol %d: status %d, want 403", p, rec.Code)
		}
		if p != protocolQuery && rec.Header().Get("X-Amzn-Query-Error") != "InvalidClientTokenId;Sender" {
			t.Errorf("protocol %d: x-amzn-query-error %q", p, rec.Header().Get("X-Amzn-Query-Error"))
		}
		if code, message := decodeBody(t, rec.Body.Bytes()); code != e.code || message != e.message {
			t.Errorf("protocol %d: body says %s: %s, want %s: %s", p, code, message, e.code, e.message)
		}
	}
}
