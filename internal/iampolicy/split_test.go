package iampolicy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// sizedStatement returns a statement named sid whose rendering is exactly n
// characters, padding the Sid.
func sizedStatement(t *testing.T, sid string, n int) statement {
	t.Helper()
	st := statement{Sid: sid, Effect: "Allow", Action: values{"ec2:DescribeInstances"}, Resource: values{"*"}}
	have, err := size(st)
	if err != nil || have > n {
		t.Fatalf("cannot make a %d-character statement (minimum %d): %v", n, have, err)
	}
	st.Sid += strings.Repeat("x", n-have)
	return st
}

// emptyDocSize is the size of a document with no statements.
func emptyDocSize(t *testing.T) int {
	t.Helper()
	n, err := size(policyDoc{Version: policyVersion, Statement: statements{}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkSplit asserts that docs hold every statement once, keep input order
// within each document, and each fit the limit as rendered.
func checkSplit(t *testing.T, stmts []statement, docs []statements, limit int) {
	t.Helper()
	seen := map[string]int{}
	for d, doc := range docs {
		rendered, err := render(policyDoc{Version: policyVersion, Statement: doc})
		if err != nil {
			t.Fatal(err)
		}
		if n := iamLength(rendered); n > limit {
			t.Errorf("document %d is %d characters, over %d", d, n, limit)
		}
		last := -1
		for _, st := range doc {
			seen[st.Sid]++
			i := indexOfSid(stmts, st.Sid)
			if i < last {
				t.Errorf("document %d puts %s after a later statement", d, st.Sid)
			}
			last = i
		}
	}
	for _, st := range stmts {
		if seen[st.Sid] != 1 {
			t.Errorf("statement %s appears %d times", st.Sid, seen[st.Sid])
		}
	}
}

func indexOfSid(stmts []statement, sid string) int {
	for i, st := range stmts {
		if st.Sid == sid {
			return i
		}
	}
	return -1
}

func TestSplitManyStatements(t *testing.T) {
	var stmts []statement
	for i := range 400 {
		actions := values{fmt.Sprintf("ec2:DescribeThing%03d", i)}
		for j := range i % 7 {
			actions = append(actions, fmt.Sprintf("ec2:DescribeOther%03d%d", i, j))
		}
		stmts = append(stmts, statement{Sid: fmt.Sprintf("S%03d", i), Effect: "Allow", Action: actions, Resource: values{"*"}})
	}
	for _, limit := range []int{RoleInlinePolicyLimit, 2048, 500} {
		docs, err := split(stmts, limit)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if len(docs) < 2 {
			t.Errorf("limit %d: %d documents, want several", limit, len(docs))
		}
		checkSplit(t, stmts, docs, limit)
		again, err := split(stmts, limit)
		if err != nil || !reflect.DeepEqual(docs, again) {
			t.Errorf("limit %d: split is not deterministic", limit)
		}
	}
}

func TestSplitUsesFewDocuments(t *testing.T) {
	base := emptyDocSize(t)
	limit := base + 300
	// Placed in input order, each into the first document with room, these
	// take three documents ([A B] [C] [D]); biggest first takes two.
	stmts := []statement{
		sizedStatement(t, "A", 100),
		sizedStatement(t, "B", 100),
		sizedStatement(t, "C", 150),
		sizedStatement(t, "D", 150),
	}
	docs, err := split(stmts, limit)
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, stmts, docs, limit)
	want := []statements{{stmts[0], stmts[2]}, {stmts[1], stmts[3]}}
	if !reflect.DeepEqual(docs, want) {
		t.Errorf("split = %v, want [A C] [B D]", sids(docs))
	}
}

func TestSplitOneDocumentWhenItFits(t *testing.T) {
	stmts := []statement{sizedStatement(t, "A", 160), sizedStatement(t, "B", 160)}
	docs, err := split(stmts, emptyDocSize(t)+321)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Errorf("split = %v, want one document", sids(docs))
	}
}

func TestSplitRefusesOversizedStatement(t *testing.T) {
	stmts := []statement{sizedStatement(t, "A", 160), sizedStatement(t, "Huge", 400)}
	if docs, err := split(stmts, emptyDocSize(t)+300); err == nil {
		t.Errorf("split = %v, want an error for the statement that fits no document", sids(docs))
	}
}

func sids(docs []statements) [][]string {
	var out [][]string
	for _, doc := range docs {
		var names []string
		for _, st := range doc {
			names = append(names, st.Sid[:1])
		}
		out = append(out, names)
	}
	return out
}
