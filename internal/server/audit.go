package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// auditWriteTimeout bounds the audit log write that follows each write request.
const auditWriteTimeout = 5 * time.Second

// maxAuditField bounds the client-supplied values an audit record keeps
// (the target ID from the path, the request ID).
const maxAuditField = 128

// writes reports whether the route changes state, so its calls are audited.
func (rt route) writes() bool {
	switch rt.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// audited records each authenticated call of a write route in the store's
// audit log, with the status it was answered, whether it succeeded or not.
// Calls refused before a key was found (401) have no one to record, and a
// key's rate-limited calls (429) are not recorded: the limit sheds load,
// which a write per refused call would bring back.
//
// A failed audit write is logged and does not fail the request: by then
// the change is made and its answer decided, and an error would tell the
// client a completed write had failed.
func (s *server) audited(rt route, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		key := info(r).key
		if key.ID == "" || rec.status == http.StatusTooManyRequests {
			return
		}
		entry := store.AuditRecord{
			OrgID:     key.OrgID,
			KeyID:     key.ID,
			Method:    rt.method,
			Route:     rt.path,
			Target:    auditTarget(r, rec.Header()),
			Status:    rec.status,
			RequestID: boundAuditField(r.Header.Get("X-Request-Id")),
		}
		if entry.Status == 0 {
			entry.Status = http.StatusOK // the handler wrote nothing
		}
		// The write outlives a client that has gone away: its change may be made.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditWriteTimeout)
		defer cancel()
		if err := s.store.RecordAudit(ctx, entry); err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelError, "audit record lost",
				slog.String("org", entry.OrgID), slog.String("key", entry.KeyID), slog.String("method", entry.Method),
				slog.String("route", entry.Route), slog.String("target", entry.Target), slog.Int("status", entry.Status),
				slog.String("request_id", entry.RequestID), slog.String("error", err.Error()))
		}
	})
}

// auditTarget is the connection a write names in its path or, for a
// create, the one its Location points to; "" when neither says.
func auditTarget(r *http.Request, h http.Header) string {
	if id := r.PathValue("id"); id != "" {
		return boundAuditField(id)
	}
	if id, ok := strings.CutPrefix(h.Get("Location"), connectionsPath+"/"); ok {
		return id
	}
	return ""
}

// boundAuditField cuts a client-supplied value to maxAuditField bytes and
// replaces what is not printable text with "?": operators read the log in
// a terminal, which must not take a client's escape sequences.
func boundAuditField(s string) string {
	if len(s) > maxAuditField {
		s = s[:maxAuditField]
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
