package bench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

const (
	// benchEnv turns the bench on; make bench sets it.
	benchEnv = "COSTLINK_BENCH"
	// resultsEnv names a file the table is written to as well.
	resultsEnv = "COSTLINK_BENCH_RESULTS"
	// pairs is how many times each subject runs at each size, in an order
	// that rotates so that none always runs first or last.
	pairs = 3
	// limitRate and limitBurst are the service's default per-key limit.
	limitRate  = 20
	limitBurst = 40
)

// defaultSizes are the numbers of connections measured unless sizesEnv
// names others (make bench BENCH_SIZES=100 for a quick run).
var defaultSizes = []int{100, 1000}

// sizesEnv overrides defaultSizes, as a comma-separated list.
const sizesEnv = "COSTLINK_BENCH_SIZES"

// Arguments of the commands measured. A plan after an apply must be empty
// (-detailed-exitcode); the state lock is local and uncontended.
var (
	applyArgs = []string{"apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"}
	planArgs  = []string{"plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode"}
)

// TestBench is make bench: it prints one table of every figure of issue 10,
// each against a baseline measured in the same run. It asserts no time: a
// goal that is missed is marked in the table, not failed.
func TestBench(t *testing.T) {
	if os.Getenv(benchEnv) == "" {
		t.Skipf("make bench runs it (%s=1 TF_ACC=1)", benchEnv)
	}
	sizes := benchSizes(t)
	c := newCLI(t)
	svc := acctest.NewService(t, acctest.ServiceOptions{Prober: healthyProber{}})
	proxy := newCountingProxy(t, svc.URL())
	subjects := []subject{costlinkSubject(c, svc, proxy), floorSubject(c), terraformDataSubject()}
	r := &report{
		pairs: pairs, sizes: sizes, machine: machine(t, c),
		limitRate: limitRate, limitedN: sizes[len(sizes)-1], periodicConnections: periodicConnections,
		onboardingMembers: onboardingMembers, onboardingWindow: onboardingWindow, measuredAt: time.Now(),
	}

	for _, n := range sizes {
		for pair := range pairs {
			for i := range subjects {
				s := subjects[(i+pair)%len(subjects)]
				ws := s.workspace(t, n)
				apply := c.run(t, ws.dir, ws.env, s.exe, ws.proxy, applyArgs...)
				ws.settle(t)
				plan := c.run(t, ws.dir, ws.env, s.exe, ws.proxy, planArgs...)
				r.add(key{s.name, n, opApply}, apply)
				r.add(key{s.name, n, opPlan}, plan)
				logRun(s.name, n, pair, opApply, apply)
				logRun(s.name, n, pair, opPlan, plan)
			}
		}
	}

	measureLimited(t, c, r)
	measureOnboarding(t, c, r)
	r.periodic, r.periodicMet = measurePeriodic(t, acctest.ModuleRoot(t))

	table := r.markdown()
	fmt.Println("\n" + table)
	if path := os.Getenv(resultsEnv); path != "" {
		if err := os.WriteFile(path, []byte(table), 0o600); err != nil {
			t.Errorf("writing the results to %s: %v", path, err)
		}
	}
}

// benchSizes are defaultSizes, or those sizesEnv lists, in increasing order.
func benchSizes(t *testing.T) []int {
	t.Helper()
	value := os.Getenv(sizesEnv)
	if value == "" {
		return defaultSizes
	}
	var sizes []int
	for field := range strings.SplitSeq(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want positive numbers of connections separated by commas, such as 100,1000", sizesEnv, value)
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	return slices.Compact(sizes)
}

// measureLimited applies and plans the largest size against a service that
// limits each key as the service does by default. The apply's ideal is the
// slower of the same apply without the limit and its accepted requests
// beyond the burst at the limit's rate: nothing can beat either.
func measureLimited(t *testing.T, c *cli, r *report) {
	t.Helper()
	svc := acctest.NewService(t, acctest.ServiceOptions{RateLimit: limitRate, RateBurst: limitBurst, Prober: healthyProber{}})
	proxy := newCountingProxy(t, svc.URL())
	s := costlinkSubject(c, svc, proxy)
	ws := s.workspace(t, r.limitedN)
	r.limitedApply = c.run(t, ws.dir, ws.env, s.exe, ws.proxy, applyArgs...)
	accepted := r.limitedApply.counts.Requests - r.limitedApply.counts.Limited
	paced := time.Duration(float64(max(0, accepted-limitBurst)) / limitRate * float64(time.Second))
	unthrottled := time.Duration(r.median(key{subjectCostlink, r.limitedN, opApply}, seconds) * float64(time.Second))
	r.limitedIdeal = max(paced, unthrottled)
	ws.settle(t)
	// The settling listed with the same key: a plan starts with a full bucket.
	time.Sleep(time.Duration(float64(limitBurst) / limitRate * float64(time.Second)))
	r.limitedPlan = c.run(t, ws.dir, ws.env, s.exe, ws.proxy, planArgs...)
	logRun("costlink-limited", r.limitedN, 0, opApply, r.limitedApply)
	logRun("costlink-limited", r.limitedN, 0, opPlan, r.limitedPlan)
}

// logRun prints one run as a grep-able line, as it ends.
func logRun(subject string, n, pair int, op string, m measurement) {
	fmt.Printf("BENCH subject=%s n=%d pair=%d op=%s elapsed=%.2fs cpu=%.2fs requests=%d limited=%d peak_rss_mib=%.1f\n",
		subject, n, pair, op, m.elapsed.Seconds(), m.cpu.Seconds(), m.counts.Requests, m.counts.Limited, float64(m.peakRSS)/mib)
}

// machine describes where the bench ran: cores, memory and terraform.
func machine(t *testing.T, c *cli) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), c.terraform, "version").Output()
	if err != nil {
		t.Fatalf("terraform version: %v", err)
	}
	version, _, _ := strings.Cut(string(out), "\n")
	return fmt.Sprintf("%d cores, %s memory, %s, %s %s/%s", runtime.NumCPU(), memTotal(), version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// memTotal is MemTotal of /proc/meminfo in GiB.
func memTotal() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(data)) {
		if value, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kib float64
			if _, err := fmt.Sscanf(strings.TrimSpace(value), "%f kB", &kib); err == nil {
				return fmt.Sprintf("%.1f GiB", kib/(1<<20))
			}
		}
	}
	return "unknown"
}
