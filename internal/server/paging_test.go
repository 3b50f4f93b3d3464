package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func TestListPaging(t *testing.T) {
	e := newEnv(t, Config{})
	want := []string{e.withBilling().ID}
	for n := range 6 {
		c := e.do("POST", "/v1/aws/connections", e.rw, resourceBody(fmt.Sprintf("member-%d", n), fmt.Sprintf("1000000000%02d", n))).
			wantStatus(t, http.StatusCreated).connection(t)
		want = append(want, c.ID)
	}

	var got []string
	cursor, pages := "", 0
	for {
		l := e.do("GET", "/v1/aws/connections?limit=3&cursor="+url.QueryEscape(cursor), e.ro, "").wantStatus(t, http.StatusOK).list(t)
		pages++
		for _, c := range l.Connections {
			got = append(got, c.ID)
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("%d pages listing %v, want 3 pages listing %v", pages, got, want)
	}

	for query, n := range map[string]int{
		"":                                      7,
		"?type=billing":                         1,
		"?type=resource&limit=1000":             6,
		"?name=member-2":                        1,
		"?account_id=100000000003":              1,
		"?account_id=100000000003&type=billing": 0,
		"?name=missing":                         0,
	} {
		l := e.do("GET", "/v1/aws/connections"+query, e.ro, "").wantStatus(t, http.StatusOK).list(t)
		if len(l.Connections) != n || l.NextCursor != "" || l.Connections == nil {
			t.Errorf("GET %s: %d connections, next %q; want %d and no next page", query, len(l.Connections), l.NextCursor, n)
		}
	}

	for _, query := range []string{"?limit=1001", "?limit=0", "?limit=ten", "?cursor=bogus", "?cursor=djE6MA", "?type=payer", "?account_id=12"} {
		e.do("GET", "/v1/aws/connections"+query, e.ro, "").wantProblem(t, http.StatusBadRequest, "bad_request")
	}
}
