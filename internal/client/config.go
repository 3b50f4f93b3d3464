package client

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Environment variables that New falls back to for settings left empty.
const (
	EnvAPIURL = "COSTLINK_API_URL"
	EnvAPIKey = "COSTLINK_API_KEY"
)

// Defaults for the retry settings of Config.
const (
	DefaultMaxRetries   = 5
	DefaultRetryWaitMin = 1 * time.Second
	DefaultRetryWaitMax = 30 * time.Second
)

// defaultAttemptTimeout bounds one HTTP attempt of the default HTTP client, so
// a service that accepts a connection and never answers costs a retry, not the
// whole Terraform run.
const defaultAttemptTimeout = time.Minute

// defaultDialTimeout bounds name resolution and the TCP connect of the default
// HTTP client (30 s in net/http's default), so that an address that drops
// packets fails the first contact in seconds too, as a refused one does.
const defaultDialTimeout = 10 * time.Second

// Config configures a Client. Only APIKey and BaseURL are required, and both
// may come from the environment instead.
type Config struct {
	// BaseURL is the root URL of the connection service, without the /v1
	// path, for example https://api.costlink.example. It falls back to
	// COSTLINK_API_URL. It must be https:// unless the host is a loopback
	// address (localhost, 127.0.0.0/8, ::1).
	BaseURL string

	// APIKey is the organization's API key. It falls back to COSTLINK_API_KEY.
	APIKey string

	// UserAgentVersion is the provider version sent in the User-Agent header
	// as terraform-provider-costlink/<version>; empty means "dev".
	UserAgentVersion string

	// MaxRetries is how many times a request is retried after a 429, a 5xx
	// other than 501 or a connection error. nil means DefaultMaxRetries and
	// 0 disables retries.
	MaxRetries *int

	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries; zero means DefaultRetryWaitMin and DefaultRetryWaitMax. A
	// Retry-After sent by the service takes precedence over both.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration

	// HTTPClient carries the requests. nil means a pooled client whose
	// attempts time out after a minute.
	HTTPClient *http.Client
}

// BaseURLSource names where the base URL of c comes from, for messages:
// the provider's api_url argument or the COSTLINK_API_URL environment variable.
func (c Config) BaseURLSource() string {
	return settingSource(c.BaseURL, "api_url", EnvAPIURL)
}

// APIKeySource names where the API key of c comes from, for messages that
// must say which key was refused without showing it.
func (c Config) APIKeySource() string {
	return settingSource(c.APIKey, "api_key", EnvAPIKey)
}

// settingSource follows withDefaults: a value set wins over the environment.
func settingSource(value, argument, env string) string {
	if value != "" {
		return "the provider's " + argument + " argument"
	}
	return "the " + env + " environment variable"
}

// withDefaults returns c with the environment fallbacks and defaults applied.
// The environment is read here, in one place, so that the provider only passes
// on what its configuration sets.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = os.Getenv(EnvAPIURL)
	}
	if c.APIKey == "" {
		c.APIKey = os.Getenv(EnvAPIKey)
	}
	// Keys pasted from files or secret stores often carry a trailing newline.
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	c.APIKey = strings.TrimSpace(c.APIKey)
	if c.UserAgentVersion == "" {
		c.UserAgentVersion = "dev"
	}
	if c.MaxRetries == nil {
		c.MaxRetries = new(DefaultMaxRetries)
	}
	if c.RetryWaitMin <= 0 {
		c.RetryWaitMin = DefaultRetryWaitMin
	}
	if c.RetryWaitMax <= 0 {
		c.RetryWaitMax = DefaultRetryWaitMax
	}
	if c.HTTPClient == nil {
		c.HTTPClient = defaultHTTPClient()
	}
	return c
}

// validate reports the first setting of c (after withDefaults) that New cannot use.
func (c Config) validate() error {
	if c.BaseURL == "" {
		return fmt.Errorf("no costlink API URL: set the provider's api_url or the %s environment variable", EnvAPIURL)
	}
	if err := checkBaseURL(c.BaseURL); err != nil {
		return err
	}
	if c.APIKey == "" {
		return fmt.Errorf("no costlink API key: set the %s environment variable or the provider's api_key", EnvAPIKey)
	}
	if *c.MaxRetries < 0 {
		return fmt.Errorf("max retries must be 0 or more, got %d", *c.MaxRetries)
	}
	if c.RetryWaitMin > c.RetryWaitMax {
		return fmt.Errorf("the minimum retry wait (%s) is longer than the maximum (%s)", c.RetryWaitMin, c.RetryWaitMax)
	}
	return nil
}

// checkBaseURL accepts absolute http(s) URLs, and plain http only for loopback
// hosts: anywhere else the API key would cross the network in clear text.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("costlink API URL %q is not a valid URL: %w", raw, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("costlink API URL %q must be an absolute https:// URL, for example https://api.costlink.example", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("costlink API URL %q must not contain credentials, a query or a fragment", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("costlink API URL %q uses http://, which would send the API key unencrypted; "+
			"use https:// (plain http is accepted only for localhost, 127.0.0.0/8 and ::1)", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16 // Terraform runs up to 10 operations in parallel by default.
	transport.DialContext = (&net.Dialer{Timeout: defaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: transport, Timeout: defaultAttemptTimeout}
}
