package client

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logContext returns ctx prepared for logging one API call: the API key is
// masked in every message and string field logged through it (the client
// never logs headers, so this guards against the key turning up elsewhere,
// say echoed in a body), and the method and URL are set as fields.
func logContext(ctx context.Context, apiKey, method, url string) context.Context {
	ctx = tflog.MaskLogStrings(ctx, apiKey)
	ctx = tflog.SetField(ctx, "costlink_api_method", method)
	return tflog.SetField(ctx, "costlink_api_url", url)
}

// callLog logs one API call attempt by attempt, and keeps what the retry
// hooks need to know of the call: its URL and when it began.
type callLog struct {
	ctx     context.Context
	url     string
	attempt int // 1 for the first attempt
	first   time.Time
	start   time.Time

	// connectDeadline is when retrying a connection that cannot be made
	// stops, for calls that have a connect budget; zero otherwise.
	connectDeadline time.Time
}

// attemptStarted is the retryablehttp.RequestLogHook.
func (l *callLog) attemptStarted(_ retryablehttp.Logger, req *http.Request, retry int) {
	l.attempt = retry + 1
	l.start = time.Now()
	if retry == 0 {
		l.url, l.first = req.URL.Redacted(), l.start
	}
}

// attemptDone logs the outcome of the current attempt: a status or an error.
func (l *callLog) attemptDone(resp *http.Response, err error) {
	fields := map[string]any{
		"attempt":     l.attempt,
		"duration_ms": time.Since(l.start).Milliseconds(),
	}
	if err != nil {
		// As a string: tflog masks string values only.
		fields["error"] = err.Error()
	} else {
		fields["http_status"] = resp.StatusCode
	}
	tflog.Debug(l.ctx, "costlink API request", fields)
}

// retrying logs the wait before the next attempt.
func (l *callLog) retrying(wait time.Duration) {
	tflog.Info(l.ctx, "retrying costlink API request", map[string]any{
		"attempt":    l.attempt,
		"retry_wait": wait.String(),
	})
}

// gaveUp logs the error of a call whose retries are exhausted.
func (l *callLog) gaveUp(err error) {
	tflog.Warn(l.ctx, "costlink API request failed", map[string]any{"error": err.Error()})
}
