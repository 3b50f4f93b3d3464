package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

const (
	connectionsPath = "/ui/connections"
	addPath         = "/ui/connections/new"
	// pageSize is how many connections a page of the table shows, at least,
	// unless the list ends first.
	pageSize = 50
	// filterScanSize is the page the console asks the API for when it
	// filters: the API filters by name and account only exactly, so the
	// console reads whole pages and keeps the matches. Larger pages cost
	// fewer calls of the key's rate limit: 1,000 connections take four.
	filterScanSize = 250
)

// healthStatuses are the health filter's choices, in the API's terms.
var healthStatuses = []string{store.HealthHealthy, store.HealthUnhealthy, store.HealthPending}

// tableFilter is the table's filter: a health status and a search for a
// part of a name or account ID.
type tableFilter struct {
	Status string
	Search string
}

func (f tableFilter) Active() bool { return f.Status != "" || f.Search != "" }

func (f tableFilter) matches(c connection) bool {
	if f.Status != "" && c.Health.Status != f.Status {
		return false
	}
	search := strings.ToLower(f.Search)
	return strings.Contains(c.Name, search) || strings.Contains(c.AccountID, search)
}

// query is the filter as the table's URL carries it, with a cursor.
func (f tableFilter) query(cursor string) string {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.Search != "" {
		q.Set("q", f.Search)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return connectionsPath
	}
	return connectionsPath + "?" + q.Encode()
}

// tableView is what the connections page shows.
type tableView struct {
	Filter   tableFilter
	Statuses []string
	Rows     []connection
	NextURL  string // "" on the last page
	FirstURL string // "" on the first page
	Error    string
}

func (c *console) connectionsPage(w http.ResponseWriter, r *http.Request, s *Session) {
	q := r.URL.Query()
	view := tableView{
		Filter:   tableFilter{Status: q.Get("status"), Search: strings.TrimSpace(q.Get("q"))},
		Statuses: healthStatuses,
	}
	if view.Filter.Status != "" && !slices.Contains(healthStatuses, view.Filter.Status) {
		view.Error = fmt.Sprintf("There is no health status %q: choose %s.", view.Filter.Status, strings.Join(healthStatuses, ", "))
		c.render(w, r, s, http.StatusBadRequest, "connections", "Connections", view)
		return
	}
	cursor := q.Get("cursor")
	rows, next, err := c.tablePage(r.Context(), r, s, view.Filter, cursor)
	if err != nil {
		view.Error = fieldErrors(err)[""]
		c.render(w, r, s, statusOf(err), "connections", "Connections", view)
		return
	}
	view.Rows = rows
	if next != "" {
		view.NextURL = view.Filter.query(next)
	}
	if cursor != "" {
		view.FirstURL = view.Filter.query("")
	}
	c.render(w, r, s, http.StatusOK, "connections", "Connections", view)
}

// tablePage reads the API's pages from cursor until pageSize connections
// match the filter or the list ends, and returns the matches and the
// cursor of the next page. Without a filter that is one page of the API.
func (c *console) tablePage(ctx context.Context, r *http.Request, s *Session, f tableFilter, cursor string) ([]connection, string, error) {
	limit := pageSize
	if f.Active() {
		limit = filterScanSize
	}
	var rows []connection
	for {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page connectionList
		if err := c.api.call(ctx, r, s.APIKey, http.MethodGet, apiConnections+"?"+q.Encode(), nil, &page); err != nil {
			return nil, "", err
		}
		for _, conn := range page.Connections {
			if f.matches(conn) {
				rows = append(rows, conn)
			}
		}
		cursor = page.NextCursor
		if cursor == "" || len(rows) >= pageSize {
			return rows, cursor, nil
		}
	}
}

// checkNow runs a health check of one connection and shows its outcome.
func (c *console) checkNow(w http.ResponseWriter, r *http.Request, s *Session) {
	name := r.PostFormValue("name") // for the message only
	var h connectionHealth
	err := c.api.call(r.Context(), r, s.APIKey, http.MethodPost, connectionURL(r)+"/health/check", nil, &h)
	message := fmt.Sprintf("Checked %s: %s.", name, h.Status)
	if err != nil {
		message = fmt.Sprintf("Could not check %s: %s", name, fieldErrors(err)[""])
	}
	c.redirectWithFlash(w, r, s, connectionsPath, message)
}
