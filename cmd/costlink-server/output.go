package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// listing is what a listing command prints: a table for people, or with
// --json the records for scripts.
type listing struct {
	header []string
	rows   [][]string
	json   any
}

// write prints l to w, as JSON when asJSON is set.
func (l listing) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(l.json)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(l.header, "\t"))
	for _, row := range l.rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// jsonFlagUsage is the help of every listing's --json flag.
const jsonFlagUsage = "print JSON instead of a table"

// tableTime shows a time in a table cell, or unset when it is zero.
func tableTime(t time.Time, unset string) string {
	if t.IsZero() {
		return unset
	}
	return t.UTC().Format(time.RFC3339)
}

// jsonTime is a time for JSON output: null when unset.
func jsonTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
