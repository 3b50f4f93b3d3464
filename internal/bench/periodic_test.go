package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// periodicBenchmark is the service's benchmark of the periodic health
// checker at 10,000 connections with a fixed-latency prober.
const periodicBenchmark = "BenchmarkPeriodicChecks"

// periodicConnections and periodicInterval are what the goal is about:
// 10,000 connections each checked within the default 15 min interval
// need this many checks per second.
const (
	periodicConnections = 10000
	periodicInterval    = 15 * time.Minute
)

// measurePeriodic runs the periodic checker's benchmark in a go test of
// its own and returns its metrics and whether the checks per second keep
// every connection within the interval.
func measurePeriodic(t *testing.T, root string) (figure, ok string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^"+periodicBenchmark, "./internal/server/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("go test -bench %s: %v\n%s", periodicBenchmark, err, tail(string(out), 40))
		return "failed: see the test's log", "—"
	}
	lines, rate := periodicResults(string(out))
	if len(lines) == 0 {
		return "not measured: internal/server has no " + periodicBenchmark, "—"
	}
	figure = "`" + strings.Join(lines, "`; `") + "`"
	if rate < 0 {
		return figure, "— (no checks/s metric)"
	}
	need := float64(periodicConnections) / periodicInterval.Seconds()
	return figure, fmt.Sprintf("%s (needs ≥ %.1f checks/s at %s)", met(rate >= need), need, periodicInterval)
}

// periodicResults are the benchmark's result lines in go test's output
// and the lowest of their checks per second, -1 when no metric says
// checks/s: a line per database engine, and the goal holds on each.
func periodicResults(out string) (lines []string, rate float64) {
	rate = -1
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.HasPrefix(fields[0], periodicBenchmark) {
			continue
		}
		lines = append(lines, strings.Join(fields, " "))
		// name iterations (value unit)...
		for i := 2; i+1 < len(fields); i += 2 {
			if strings.Contains(fields[i+1], "checks/s") {
				if v, err := strconv.ParseFloat(fields[i], 64); err == nil && (rate < 0 || v < rate) {
					rate = v
				}
			}
		}
	}
	return lines, rate
}

func TestPeriodicResultsTakeTheSlowerEngine(t *testing.T) {
	out := "BenchmarkPeriodicChecks/sqlite-2 \t 1\t 71326676198 ns/op\t 140.2 checks/s\t 3.923 statements/check\n" +
		"BenchmarkPeriodicChecks/postgres-2 \t 1\t 66550436731 ns/op\t 150.3 checks/s\t 3.764 statements/check\n" +
		"10000 connections, a 200ms prober, 32 workers:\n  engine  checks/s\n  sqlite     140.2\nPASS\n"
	lines, rate := periodicResults(out)
	if len(lines) != 2 {
		t.Errorf("lines = %q, want one per engine", lines)
	}
	if rate != 140.2 {
		t.Errorf("rate = %v, want the slower engine's 140.2", rate)
	}
}
