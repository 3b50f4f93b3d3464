package iampolicy

import (
	"cmp"
	"fmt"
	"slices"
)

// split packs statements into few documents, each at most limit characters
// as IAM counts them (see size). It is first-fit decreasing: biggest
// statements first, each into the first document with room, which needs at
// most 11/9 of the fewest possible documents plus one. Within a document statements
// keep their input order, and documents are ordered by their first
// statement, so the same input always gives the same documents.
func split(stmts []statement, limit int) ([]statements, error) {
	// Compact JSON is additive: a document is its empty form plus its
	// statements plus one comma between each two.
	base, err := size(policyDoc{Version: policyVersion, Statement: statements{}})
	if err != nil {
		return nil, err
	}
	sizes := make([]int, len(stmts))
	for i, st := range stmts {
		if sizes[i], err = size(st); err != nil {
			return nil, err
		}
		if base+sizes[i] > limit {
			return nil, fmt.Errorf("statement %q is %d characters: no policy document holding it fits in %d", st.Sid, sizes[i], limit)
		}
	}
	order := make([]int, len(stmts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sizes[b], sizes[a]) })

	type bin struct {
		members []int
		size    int
	}
	var bins []*bin
	for _, i := range order {
		placed := false
		for _, b := range bins {
			if b.size+1+sizes[i] <= limit {
				b.members = append(b.members, i)
				b.size += 1 + sizes[i]
				placed = true
				break
			}
		}
		if !placed {
			bins = append(bins, &bin{members: []int{i}, size: base + sizes[i]})
		}
	}
	for _, b := range bins {
		slices.Sort(b.members)
	}
	slices.SortFunc(bins, func(a, b *bin) int { return cmp.Compare(a.members[0], b.members[0]) })

	docs := make([]statements, len(bins))
	for d, b := range bins {
		for _, i := range b.members {
			docs[d] = append(docs[d], stmts[i])
		}
	}
	return docs, nil
}
