package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

func TestListConnectionsPagesAndFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s, _ := openTestStore(t, e)
		ctx := context.Background()
		org, other := testOrg(t, s, "acme"), testOrg(t, s, "globex")
		want := []string{mustCreate(t, s, conn(org.ID, validate.TypeBilling, 1)).ID}
		mustCreate(t, s, conn(other.ID, validate.TypeBilling, 1))
		for n := 2; n <= 7; n++ {
			want = append(want, mustCreate(t, s, conn(org.ID, validate.TypeResource, n)).ID)
		}

		var got []string
		opts := ListOptions{Limit: 3}
		for pages := 1; ; pages++ {
			page, err := s.ListConnections(ctx, org.ID, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Connections {
				got = append(got, c.ID)
			}
			if page.Next == 0 {
				if pages != 3 {
					t.Errorf("got %d pages, want 3", pages)
				}
				break
			}
			opts.After = page.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("listed %v, want %v", got, want)
		}

		for _, tc := range []struct {
			opts ListOptions
			n    int
		}{
			{ListOptions{Type: validate.TypeBilling}, 1},
			{ListOptions{Type: validate.TypeResource}, 6},
			{ListOptions{Name: "resource-4"}, 1},
			{ListOptions{AccountID: fmt.Sprintf("%012d", 5)}, 1},
			{ListOptions{Name: "missing"}, 0},
		} {
			tc.opts.Limit = 100
			page, err := s.ListConnections(ctx, org.ID, tc.opts)
			if err != nil || len(page.Connections) != tc.n || page.Next != 0 {
				t.Errorf("ListConnections(%+v) = %d connections, next %d, %v; want %d", tc.opts, len(page.Connections), page.Next, err, tc.n)
			}
		}
	})
}
