package server

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// Page sizes of GET /v1/aws/connections. The largest page holds an
// organization of a thousand member accounts, which a provider lists at every
// refresh, in one response of about half a megabyte.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// cursorPrefix versions the cursor format, which clients must treat as opaque.
const cursorPrefix = "v1:"

func encodeCursor(after int64) string {
	if after == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(after, 10)))
}

func decodeCursor(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if pos, ok := strings.CutPrefix(string(raw), cursorPrefix); ok {
			if after, err := strconv.ParseInt(pos, 10, 64); err == nil && after > 0 {
				return after, nil
			}
		}
	}
	return 0, newProblem(badRequest, "cursor %s is not valid: pass next_cursor from the previous page unchanged", validate.QuoteInput(cursor))
}

// listOptions reads the list query: limit, cursor and the filters.
func listOptions(q url.Values) (store.ListOptions, error) {
	opts := store.ListOptions{Name: q.Get("name"), AccountID: q.Get("account_id"), Type: q.Get("type"), Limit: defaultPageSize}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return opts, newProblem(badRequest, "limit %s is not valid: use a whole number from 1 to %d", validate.QuoteInput(v), maxPageSize)
		}
		opts.Limit = n
	}
	if opts.Type != "" {
		if err := validate.ConnectionType(opts.Type); err != nil {
			return opts, newProblem(badRequest, "type filter: %v", err)
		}
	}
	if opts.AccountID != "" {
		if err := validate.AccountID(opts.AccountID); err != nil {
			return opts, newProblem(badRequest, "account_id filter: %v", err)
		}
	}
	var err error
	opts.After, err = decodeCursor(q.Get("cursor"))
	return opts, err
}
