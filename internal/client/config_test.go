package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewBaseURL(t *testing.T) {
	tests := []struct {
		url     string
		want    string // BaseURL() when accepted
		wantErr string // part of the error when refused
	}{
		{url: "https://api.costlink.example", want: "https://api.costlink.example"},
		{url: "https://api.costlink.example/", want: "https://api.costlink.example"},
		{url: "https://api.costlink.example/costlink//", want: "https://api.costlink.example/costlink"},
		{url: " https://api.costlink.example\n", want: "https://api.costlink.example"},
		{url: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{url: "http://127.8.9.10:8080/", want: "http://127.8.9.10:8080"},
		{url: "http://localhost:8080", want: "http://localhost:8080"},
		{url: "http://LOCALHOST", want: "http://LOCALHOST"},
		{url: "http://[::1]:8080", want: "http://[::1]:8080"},
		{url: "http://api.costlink.example", wantErr: "use https://"},
		{url: "http://10.0.0.1:8080", wantErr: "use https://"},
		{url: "http://localhost.example.com", wantErr: "use https://"},
		{url: "ftp://api.costlink.example", wantErr: "absolute https:// URL"},
		{url: "api.costlink.example", wantErr: "absolute https:// URL"},
		{url: "https://", wantErr: "absolute https:// URL"},
		{url: "https://user:secret@api.costlink.example", wantErr: "credentials"},
		{url: "https://api.costlink.example?x=1", wantErr: "query"},
		{url: "https://api.costlink.example/%zz", wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := New(Config{BaseURL: tt.url, APIKey: testKey})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() error = %v", err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewBaseURLWithPath(t *testing.T) {
	var gotPath string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		writeJSON(t, w, http.StatusOK, map[string]any{})
	}, func(cfg *Config) { cfg.BaseURL += "/costlink/" })

	if _, err := c.GetOrganization(context.Background()); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/costlink/v1/organization" {
		t.Errorf("path = %q, want /costlink/v1/organization", gotPath)
	}
}

func TestNewEnvFallbacks(t *testing.T) {
	var gotAuth string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		writeJSON(t, w, http.StatusOK, map[string]any{})
	})
	t.Setenv(EnvAPIURL, c.BaseURL()+"/")
	t.Setenv(EnvAPIKey, "clk_from_env\n")

	fromEnv, err := New(Config{})
	if err != nil {
		t.Fatalf("New() with the environment: %v", err)
	}
	if fromEnv.BaseURL() != c.BaseURL() {
		t.Errorf("BaseURL() = %q, want %q from %s", fromEnv.BaseURL(), c.BaseURL(), EnvAPIURL)
	}
	if _, err := fromEnv.GetOrganization(context.Background()); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer clk_from_env" {
		t.Errorf("Authorization = %q, want the trimmed key from %s", gotAuth, EnvAPIKey)
	}

	explicit, err := New(Config{BaseURL: "https://api.costlink.example", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if explicit.BaseURL() != "https://api.costlink.example" || explicit.apiKey != testKey {
		t.Errorf("the environment overrode explicit settings: %q, %q", explicit.BaseURL(), explicit.apiKey)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	t.Setenv(EnvAPIURL, "")
	t.Setenv(EnvAPIKey, "")
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no key", Config{BaseURL: "https://api.costlink.example"}, EnvAPIKey},
		{"blank key", Config{BaseURL: "https://api.costlink.example", APIKey: " \n"}, EnvAPIKey},
		{"no URL", Config{APIKey: testKey}, EnvAPIURL},
		{"negative retries", Config{BaseURL: "https://api.costlink.example", APIKey: testKey, MaxRetries: new(-1)}, "max retries"},
		{"min wait over max", Config{BaseURL: "https://api.costlink.example", APIKey: testKey,
			RetryWaitMin: time.Minute, RetryWaitMax: time.Second}, "retry wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api.costlink.example", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if c.userAgent != "terraform-provider-costlink/dev" {
		t.Errorf("userAgent = %q", c.userAgent)
	}
	if c.maxRetries != DefaultMaxRetries || c.retryWaitMin != DefaultRetryWaitMin || c.retryWaitMax != DefaultRetryWaitMax {
		t.Errorf("retry settings = %d, %s, %s; want the defaults", c.maxRetries, c.retryWaitMin, c.retryWaitMax)
	}
	if c.httpClient == nil || c.httpClient.Timeout == 0 {
		t.Errorf("the default HTTP client has no attempt timeout")
	}
}

func TestSettingSources(t *testing.T) {
	set := Config{BaseURL: "https://api.costlink.example", APIKey: testKey}
	if got, want := set.BaseURLSource(), "the provider's api_url argument"; got != want {
		t.Errorf("BaseURLSource() = %q, want %q", got, want)
	}
	if got, want := set.APIKeySource(), "the provider's api_key argument"; got != want {
		t.Errorf("APIKeySource() = %q, want %q", got, want)
	}
	if got, want := (Config{}).BaseURLSource(), "the "+EnvAPIURL+" environment variable"; got != want {
		t.Errorf("BaseURLSource() = %q, want %q", got, want)
	}
	if got, want := (Config{}).APIKeySource(), "the "+EnvAPIKey+" environment variable"; got != want {
		t.Errorf("APIKeySource() = %q, want %q", got, want)
	}
}
