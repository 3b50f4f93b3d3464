// Package client is the Go client of the costlink connection service API v1,
// used by the Terraform provider.
//
// It is the one place that knows how to talk to the service: the base URL and
// API key (with their environment fallbacks), the User-Agent, retries with
// backoff that honours Retry-After, pacing to the rate limit the service
// advertises, idempotency keys on POST, paging, logging
// through tflog with the API key masked, and the translation of
// application/problem+json responses into *APIError values.
package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Client calls the connection service API. It is safe for concurrent use.
type Client struct {
	baseURL      string // without a trailing slash
	apiKey       string
	userAgent    string
	httpClient   *http.Client
	maxRetries   int
	retryWaitMin time.Duration
	retryWaitMax time.Duration

	// pacer spaces out requests to the service's rate limit; one per Client,
	// so that everything sharing the Client takes turns.
	pacer *pacer

	// backoff computes the wait before a retry; tests replace it to observe
	// the waits without sleeping through them.
	backoff retryablehttp.Backoff
}

// New returns a Client for cfg. BaseURL and APIKey fall back to the
// COSTLINK_API_URL and COSTLINK_API_KEY environment variables when empty, so
// callers pass on only what their own configuration sets.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Client{
		baseURL:      strings.TrimRight(cfg.BaseURL, "/"),
		apiKey:       cfg.APIKey,
		userAgent:    "terraform-provider-costlink/" + cfg.UserAgentVersion,
		httpClient:   cfg.HTTPClient,
		maxRetries:   *cfg.MaxRetries,
		retryWaitMin: cfg.RetryWaitMin,
		retryWaitMax: cfg.RetryWaitMax,
		pacer:        &pacer{},
		backoff:      backoff,
	}, nil
}

// BaseURL returns the root URL the client sends requests to, without a
// trailing slash.
func (c *Client) BaseURL() string {
	return c.baseURL
}

// request is one API call, described for do.
type request struct {
	method  string
	path    string     // from the root, starting with /v1; IDs already escaped
	query   url.Values // optional
	body    any        // sent as JSON when not nil
	ifMatch string     // optional If-Match header

	// idempotencyKey is the Idempotency-Key of a POST; "" sends a random one.
	idempotencyKey string
}

// do sends r, retrying as the Client is configured, and decodes a successful
// JSON response into out when out is not nil. It returns the response headers,
// or an *APIError for a response outside 2xx.
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	target := c.baseURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	ctx = logContext(ctx, c.apiKey, r.method, target)

	// body stays a nil interface without a payload, so that retryablehttp
	// sends no body at all.
	var body any
	if r.body != nil {
		payload, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s %s request: %w", r.method, r.path, err)
		}
		tflog.Trace(ctx, "costlink API request body", map[string]any{"http_body": string(payload)})
		body = payload
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.method == http.MethodPost {
		// Set once, outside the retry loop: every attempt carries the same
		// key, so the service answers a retry of a POST it already carried
		// out with the original result instead of a duplicate.
		key := r.idempotencyKey
		if key == "" {
			key = uuid.NewString()
		}
		req.Header.Set("Idempotency-Key", key)
	}
	if r.ifMatch != "" {
		req.Header.Set("If-Match", r.ifMatch)
	}

	// The first attempt waits for its turn here, where ctx can end the wait
	// with a clear error; retries wait for theirs in the backoff.
	if err := c.pacer.wait(ctx); err != nil {
		return nil, fmt.Errorf("waiting for a turn under the service's rate limit to send %s %s: %w", r.method, r.path, err)
	}
	resp, err := c.retryClient(&callLog{ctx: ctx}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, readAPIError(resp)
	}
	if out != nil {
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("reading the response to %s %s: %w", r.method, r.path, err)
		}
		tflog.Trace(ctx, "costlink API response body", map[string]any{"http_body": string(data)})
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("decoding the response to %s %s: %w", r.method, r.path, err)
		}
	}
	return resp.Header, nil
}
