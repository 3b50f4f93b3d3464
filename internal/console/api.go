package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// api calls the service's HTTP API in-process with a session's key, so the
// console gets the API's validation, scopes, audit log and rate limits, and
// nothing the API would refuse happens through a page.
type api struct {
	handler http.Handler
}

// call sends one request to the API with key as its bearer token and
// decodes a 2xx JSON answer into out (nil: the body is dropped). Any other
// answer is a *Problem. from is the browser's request: its address counts
// against the API's per-address limit, as a direct call would.
func (a api) call(ctx context.Context, from *http.Request, key, method, path string, in, out any) error {
	return a.send(ctx, from, key, method, path, nil, in, out)
}

// send is call with more request headers.
func (a api) send(ctx context.Context, from *http.Request, key, method, path string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		encoded, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(encoded)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return err
	}
	for name, values := range header {
		req.Header[name] = values
	}
	req.RemoteAddr = from.RemoteAddr
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if id := from.Header.Get("X-Request-Id"); id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	rec := newResponseBuffer()
	a.handler.ServeHTTP(rec, req)
	return rec.decode(method, path, out)
}

// responseBuffer is the in-memory http.ResponseWriter an in-process call
// writes its answer to.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseBuffer() *responseBuffer {
	return &responseBuffer{header: http.Header{}}
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// decode reads the answer: JSON into out on success, else the problem.
func (b *responseBuffer) decode(method, path string, out any) error {
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 200 && status < 300 {
		if out == nil || status == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(b.body.Bytes(), out); err != nil {
			return fmt.Errorf("reading the API's answer to %s %s: %w", method, path, err)
		}
		return nil
	}
	p := &Problem{Status: status}
	if !strings.HasPrefix(b.header.Get("Content-Type"), "application/problem+json") || json.Unmarshal(b.body.Bytes(), p) != nil {
		p.Detail = fmt.Sprintf("the API answered %s %s with status %d", method, path, status)
	}
	p.Status = status
	return p
}
