package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// maxAuditLimit bounds --limit: beyond it, narrow the window with --since.
const maxAuditLimit = 10000

// audit prints the newest entries of the audit log of write requests, or
// with the prune subcommand deletes old ones.
func audit(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "prune" {
		return auditPrune(args[1:], stdout, stderr)
	}
	fs := newFlagSet("audit", stderr)
	db := dbFlag(fs)
	org := fs.String("org", "", "show only this organization's entries")
	since := fs.String("since", "", "show only entries of the last days or hours, e.g. 24h or 7d; by default all")
	limit := fs.Int("limit", 100, fmt.Sprintf("show at most this many entries, the newest (1-%d)", maxAuditLimit))
	asJSON := fs.Bool("json", false, jsonFlagUsage)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	filter := store.AuditFilter{OrgName: *org, Limit: *limit}
	if *limit < 1 || *limit > maxAuditLimit {
		return flagError(fs, fmt.Sprintf("--limit %d is out of range: give 1 to %d", *limit, maxAuditLimit))
	}
	if *since != "" {
		span, err := parseSpan(*since)
		if err != nil {
			return flagError(fs, "--since: "+err.Error())
		}
		filter.Since = time.Now().Add(-span)
	}

	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	entries, err := st.ListAudit(context.Background(), filter)
	if errors.Is(err, store.ErrNotFound) {
		return failure(stderr, fmt.Errorf("there is no organization named %q", *org))
	}
	if err != nil {
		return failure(stderr, err)
	}
	if err := auditListing(entries).write(stdout, *asJSON); err != nil {
		return failure(stderr, err)
	}
	return exitOK
}

// auditPrune deletes the audit entries older than --older-than: the log
// keeps every write until an operator prunes it.
func auditPrune(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("audit prune", stderr)
	db := dbFlag(fs)
	olderThan := fs.String("older-than", "", "delete the entries older than this many days or hours, e.g. 365d (required)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *olderThan == "" {
		return flagError(fs, "--older-than is required, e.g. --older-than 365d")
	}
	span, err := parseSpan(*olderThan)
	if err != nil {
		return flagError(fs, "--older-than: "+err.Error())
	}
	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	before := time.Now().Add(-span)
	n, err := st.PruneAudit(context.Background(), before)
	if err != nil {
		return failure(stderr, err)
	}
	fmt.Fprintf(stdout, "deleted %d audit entries recorded before %s\n", n, tableTime(before, ""))
	return exitOK
}

// auditJSON is an entry in audit --json.
type auditJSON struct {
	At             time.Time `json:"at"`
	Organization   string    `json:"organization"`
	OrganizationID string    `json:"organization_id"`
	KeyID          string    `json:"key_id"`
	Method         string    `json:"method"`
	Route          string    `json:"route"`
	Target         string    `json:"target"`
	Status         int       `json:"status"`
	RequestID      string    `json:"request_id"`
}

func auditListing(entries []store.AuditEntry) listing {
	l := listing{header: []string{"TIME", "ORGANIZATION", "KEY", "METHOD", "ROUTE", "TARGET", "STATUS", "REQUEST ID"}}
	out := make([]auditJSON, len(entries))
	for i, e := range entries {
		l.rows = append(l.rows, []string{tableTime(e.At, ""), orDash(e.OrgName), e.KeyID, e.Method, e.Route,
			orDash(e.Target), strconv.Itoa(e.Status), orDash(e.RequestID)})
		out[i] = auditJSON{At: e.At, Organization: e.OrgName, OrganizationID: e.OrgID, KeyID: e.KeyID, Method: e.Method,
			Route: e.Route, Target: e.Target, Status: e.Status, RequestID: e.RequestID}
	}
	l.json = out
	return l
}

// orDash shows an empty table cell as "-", so columns stay aligned.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
