package server

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// counterVec is a Prometheus counter with labels, rendered in the text
// exposition format without a client library.
type counterVec struct {
	name, help string
	labels     []string

	mu     sync.Mutex
	counts map[string]uint64 // by rendered label set, e.g. {route="/x",status="200"}
}

func newCounterVec(name, help string, labels ...string) *counterVec {
	return &counterVec{name: name, help: help, labels: labels, counts: map[string]uint64{}}
}

// inc adds one to the series with the given label values, in label order.
func (c *counterVec) inc(values ...string) {
	pairs := make([]string, len(c.labels))
	for i, l := range c.labels {
		pairs[i] = l + `="` + labelEscaper.Replace(values[i]) + `"`
	}
	series := "{" + strings.Join(pairs, ",") + "}"
	c.mu.Lock()
	c.counts[series]++
	c.mu.Unlock()
}

// labelEscaper escapes a label value as the text format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// writeTo writes the counter's HELP, TYPE and series lines, series sorted.
func (c *counterVec) writeTo(w io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, c.help, c.name)
	for _, series := range slices.Sorted(maps.Keys(c.counts)) {
		fmt.Fprintf(w, "%s%s %d\n", c.name, series, c.counts[series])
	}
}

func (s *server) metrics(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.requests.writeTo(w)
	if s.checks != nil {
		s.checks.results.writeTo(w)
	}
	return nil
}
