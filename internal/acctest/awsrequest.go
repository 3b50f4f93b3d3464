package acctest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// signedRequest is what the faithful layer reads from an AWS request: who
// signed it, for which region and service, and, for the query protocol
// (STS, IAM), the action and its parameters.
type signedRequest struct {
	accessKeyID string
	region      string
	service     string
	action      string
	params      url.Values
	protocol    protocol
}

// protocol is the wire protocol of the service called, which decides the
// shape of an error the SDK can parse.
type protocol int

const (
	protocolQuery   protocol = iota // STS, IAM: form body, XML answers
	protocolJSON                    // awsJson: X-Amz-Target, JSON answers
	protocolRPCCBOR                 // Smithy RPC v2 CBOR (CloudWatch in aws-sdk-go-v2)
)

// readSignedRequest buffers r's body, puts it back unchanged so the
// signature stays valid for moto, and reads the SigV4 credential scope
// (Credential=AKID/DATE/REGION/SERVICE/aws4_request). ok is false for an
// unsigned request, such as moto's own API.
func readSignedRequest(r *http.Request) (signedRequest, bool, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return signedRequest{}, false, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	scope, ok := credentialScope(r.Header.Get("Authorization"))
	if !ok {
		return signedRequest{}, false, nil
	}
	req := signedRequest{accessKeyID: scope[0], region: scope[2], service: scope[3], protocol: protocolOf(r.Header)}
	if req.protocol == protocolQuery {
		req.params = r.URL.Query()
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range form {
				req.params[k] = v
			}
		}
		req.action = req.params.Get("Action")
	}
	return req, true, nil
}

// credentialScope splits the Credential of a SigV4 Authorization header
// into access key ID, date, region, service and terminator.
func credentialScope(authorization string) ([]string, bool) {
	_, rest, found := strings.Cut(authorization, "Credential=")
	if !found {
		return nil, false
	}
	credential, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(credential), "/")
	if len(parts) != 5 || parts[0] == "" {
		return nil, false
	}
	return parts, true
}

func protocolOf(h http.Header) protocol {
	switch {
	case strings.EqualFold(h.Get("Smithy-Protocol"), "rpc-v2-cbor"):
		return protocolRPCCBOR
	case h.Get("X-Amz-Target") != "" || strings.HasPrefix(h.Get("Content-Type"), "application/x-amz-json"):
		return protocolJSON
	default:
		return protocolQuery
	}
}
