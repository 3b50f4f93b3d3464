package bench

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// The harness's own tests run in go test ./..., without COSTLINK_BENCH.

func TestPeakRSSReadsTheRunningBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS is read from /proc")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	close(done)
	if peak := peakRSS(exe, done); peak < 1<<20 {
		t.Fatalf("peakRSS of this test binary = %d bytes, want at least 1 MiB", peak)
	}
	if peak := peakRSS("/nonexistent/terraform-provider-costlink", done); peak != 0 {
		t.Fatalf("peakRSS of a binary nothing runs = %d, want 0", peak)
	}
}

func TestMedianOfRuns(t *testing.T) {
	r := &report{}
	k := key{subjectCostlink, 100, opPlan}
	for _, s := range []int{3, 1, 2} {
		r.add(k, measurement{elapsed: time.Duration(s) * time.Second})
	}
	if got := r.median(k, seconds); got != 2 {
		t.Errorf("median of 3, 1, 2 s = %v, want 2", got)
	}
	r.add(k, measurement{elapsed: 10 * time.Second})
	if got := r.median(k, seconds); got != 2 {
		t.Errorf("median of 3, 1, 2, 10 s = %v, want the lower middle, 2", got)
	}
	if got := r.median(key{subjectFloor, 100, opPlan}, seconds); got != 0 {
		t.Errorf("median without runs = %v, want 0", got)
	}
}

func TestPeriodicResults(t *testing.T) {
	out := "goos: linux\nBenchmarkPeriodicChecks10000-2   \t 697\t 2840314 ns/op\t 352.8 checks/s\t 32.00 workers\nPASS\n"
	lines, rate := periodicResults(out)
	if len(lines) != 1 || lines[0] != "BenchmarkPeriodicChecks10000-2 697 2840314 ns/op 352.8 checks/s 32.00 workers" {
		t.Errorf("lines = %q", lines)
	}
	if rate != 352.8 {
		t.Errorf("rate = %v, want 352.8", rate)
	}
	if lines, rate := periodicResults("PASS\nok\n"); len(lines) != 0 || rate != -1 {
		t.Errorf("without the benchmark: lines %q, rate %v; want none and -1", lines, rate)
	}
}
