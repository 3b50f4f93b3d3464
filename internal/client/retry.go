package client

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxRetryAfter caps the wait a Retry-After header can ask for, so that a
// misbehaving service cannot stall a Terraform run for hours on one request.
const maxRetryAfter = time.Minute

// retryClient returns the retrying HTTP client for one call. It is built per
// call because retryablehttp's Backoff and ErrorHandler see no context, and
// tflog needs the caller's context (its logger and masks live there): the
// hooks close over log instead. Building it costs a few allocations; the
// connections are pooled in c.httpClient.
func (c *Client) retryClient(log *callLog) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:     c.httpClient,
		RetryMax:       c.maxRetries,
		RetryWaitMin:   c.retryWaitMin,
		RetryWaitMax:   c.retryWaitMax,
		RequestLogHook: log.attemptStarted,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			log.attemptDone(resp, err)
			if resp != nil {
				c.pacer.learn(log.ctx, resp.StatusCode, resp.Header)
			}
			if budget, ok := ctx.Value(connectBudgetKey{}).(time.Duration); ok && dialError(err) != nil {
				log.connectDeadline = log.first.Add(budget)
				if !time.Now().Before(log.connectDeadline) {
					return false, nil
				}
			}
			// Retries connection errors, 429 and 5xx except 501; never other
			// 4xx, and never once ctx is done.
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		},
		Backoff: func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
			wait := max(c.backoff(waitMin, waitMax, attempt, resp), c.pacer.reserve())
			if resp == nil && !log.connectDeadline.IsZero() {
				wait = min(wait, max(time.Until(log.connectDeadline), 0))
			}
			log.retrying(wait)
			return wait
		},
		ErrorHandler: func(resp *http.Response, err error, attempts int) (*http.Response, error) {
			// Retries are exhausted. Keep what the service said about the last
			// attempt instead of retryablehttp's bare "giving up" error.
			if resp != nil {
				if err == nil {
					err = readAPIError(resp)
				} else {
					resp.Body.Close()
				}
			}
			if netErr := dialError(err); netErr != nil {
				err = &UnreachableError{URL: log.url, Attempts: attempts, Err: netErr}
			} else {
				err = fmt.Errorf("giving up after %d attempt(s): %w", attempts, err)
			}
			log.gaveUp(err)
			return nil, err
		},
	}
}

// connectBudgetKey marks a context whose calls retry a connection that cannot
// be made (see dialError) only for the time.Duration it holds, instead of
// through every retry: see CheckAccess.
type connectBudgetKey struct{}

// backoff is the default Client.backoff. It waits as long as the service asks
// with Retry-After on a 429 or 503 (capped at maxRetryAfter), and otherwise
// backs off exponentially from waitMin, doubling per attempt up to waitMax:
// retryablehttp.DefaultBackoff does both and parses the header. Either wait
// gets jitter.
func backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	exponential := retryablehttp.DefaultBackoff(waitMin, waitMax, attempt, nil)
	// A Retry-After equal to the exponential wait is the same wait either
	// way, but for the cap on its jitter.
	if asked := retryablehttp.DefaultBackoff(waitMin, waitMax, attempt, resp); asked != exponential {
		return jitter(min(asked, maxRetryAfter))
	}
	return min(jitter(exponential), waitMax)
}

// jitter lengthens wait by up to a quarter at random. It spreads out the
// retries of many resources that failed together, as a for_each over
// hundreds of accounts does when rate limited: all of them are told the same
// Retry-After, and without jitter would all come back at the same moment.
func jitter(wait time.Duration) time.Duration {
	return wait + rand.N(wait/4+1)
}
