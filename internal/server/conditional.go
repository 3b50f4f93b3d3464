package server

import (
	"net/http"
	"strconv"
	"strings"
)

// etag is a connection version's strong entity tag, e.g. "3" in quotes.
func etag(version int64) string { return strconv.Quote(strconv.FormatInt(version, 10)) }

// checkIfMatch enforces an If-Match header against the current version: any
// listed tag or "*" must match, else 412. No header means no condition.
func checkIfMatch(r *http.Request, version int64) error {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return nil
	}
	current := etag(version)
	for _, tag := range strings.Split(strings.Join(values, ","), ",") {
		if tag = strings.TrimSpace(tag); tag == "*" || tag == current {
			return nil
		}
	}
	return newProblem(preconditionFailed,
		"the connection has changed: its ETag is now %s, not the one in If-Match. Read it again and re-apply the change", current)
}
