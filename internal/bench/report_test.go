package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The goals of issue 10, as ratios against baselines of the same run.
const (
	goalPlanRatio      = 1.10 // plan with refresh, costlink / floor
	goalApplyRatio     = 1.15 // apply (create), costlink / floor
	goalPlanRequests   = 3    // API requests per plan of 1,000 connections
	goalLimitedPlan    = 1.2  // plan under the rate limit / plan without it
	goalLimitedApply   = 1.1  // apply under the rate limit / its ideal
	goalLimited429s    = 20   // 429s during that apply
	goalPeakRSSMiB     = 150  // provider peak RSS during a plan of 1,000
	goalOnboardingWait = 2    // onboarding that waits / (window + apply without waiting)
)

const mib = 1 << 20

// Operations measured per run.
const (
	opApply = "apply"
	opPlan  = "plan"
)

// key names the runs of one subject, size and operation.
type key struct {
	subject string
	n       int
	op      string
}

// report collects what make bench measured and renders it as a table.
type report struct {
	runs map[key][]measurement

	limitRate           float64       // requests per second per key
	limitedN            int           // connections applied and planned under it
	limitedApply        measurement   // apply under the limit
	limitedPlan         measurement   // plan under the limit
	limitedIdeal        time.Duration // the apply's accepted requests at the limit's rate
	periodic            string        // the periodic checker's figure, or why it is not measured
	periodicMet         string
	periodicConnections int
	onboarding          string // onboarding's figure, or why it is not measured
	onboardingGoal      string
	onboardingMet       string
	onboardingMembers   int
	onboardingWindow    time.Duration
	machine             string
	measuredAt          time.Time
	pairs               int
	sizes               []int // numbers of connections measured, increasing
}

func (r *report) add(k key, m measurement) {
	if r.runs == nil {
		r.runs = map[key][]measurement{}
	}
	r.runs[k] = append(r.runs[k], m)
}

// median is the median of f over the runs of k (the lower middle of an
// even count), 0 without runs.
func (r *report) median(k key, f func(measurement) float64) float64 {
	values := make([]float64, 0, len(r.runs[k]))
	for _, m := range r.runs[k] {
		values = append(values, f(m))
	}
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	return values[(len(values)-1)/2]
}

func seconds(m measurement) float64    { return m.elapsed.Seconds() }
func cpuSeconds(m measurement) float64 { return m.cpu.Seconds() }
func requests(m measurement) float64   { return float64(m.counts.Requests) }
func rssMiB(m measurement) float64     { return float64(m.peakRSS) / mib }

// met renders whether a goal is met.
func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// markdown renders the report as a markdown table with a line on the
// machine and the method above it.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s; medians of %d alternating runs per subject. "+
		"Times are wall-clock; CPU time is terraform's and its providers' (user + system), "+
		"which other work on a shared machine does not inflate.\n\n",
		r.measuredAt.UTC().Format("2006-01-02 15:04 MST"), r.machine, r.pairs)
	b.WriteString("| measure | costlink | floor (no-op framework provider) | terraform_data | costlink / floor | goal | met |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }

	for _, n := range r.sizes {
		for _, op := range []string{opPlan, opApply} {
			name, goal := fmt.Sprintf("plan with refresh, %d connections", n), goalPlanRatio
			if op == opApply {
				name, goal = fmt.Sprintf("apply (create), %d connections", n), goalApplyRatio
			}
			for _, measure := range []struct {
				name string
				of   func(measurement) float64
			}{{"", seconds}, {"CPU time of ", cpuSeconds}} {
				costlink := r.median(key{subjectCostlink, n, op}, measure.of)
				floor := r.median(key{subjectFloor, n, op}, measure.of)
				data := r.median(key{subjectTerraformData, n, op}, measure.of)
				ratio := costlink / floor
				row(measure.name+name, fmt.Sprintf("%.2f s", costlink), fmt.Sprintf("%.2f s", floor),
					fmt.Sprintf("%.2f s (%.2f× floor)", data, data/floor), fmt.Sprintf("%.2f×", ratio),
					fmt.Sprintf("≤ %.2f×", goal), met(ratio <= goal))
			}
		}
	}
	for _, n := range r.sizes {
		count := r.median(key{subjectCostlink, n, opPlan}, requests)
		row(fmt.Sprintf("API requests per plan, %d connections", n), fmt.Sprintf("%.0f", count), "—", "—", "—",
			fmt.Sprintf("≤ %d", goalPlanRequests), met(count <= goalPlanRequests))
	}

	unthrottled := r.median(key{subjectCostlink, r.limitedN, opPlan}, seconds)
	planRatio := r.limitedPlan.elapsed.Seconds() / unthrottled
	row(fmt.Sprintf("plan under %.0f req/s per key, %d connections", r.limitRate, r.limitedN),
		fmt.Sprintf("%.2f s (%.2f× unthrottled), %d × 429, %d requests", r.limitedPlan.elapsed.Seconds(), planRatio,
			r.limitedPlan.counts.Limited, r.limitedPlan.counts.Requests),
		"—", "—", "—", fmt.Sprintf("≤ %.1f× unthrottled", goalLimitedPlan), met(planRatio <= goalLimitedPlan))
	applyRatio := r.limitedApply.elapsed.Seconds() / r.limitedIdeal.Seconds()
	row(fmt.Sprintf("apply under %.0f req/s per key, %d connections", r.limitRate, r.limitedN),
		fmt.Sprintf("%.2f s vs %.2f s ideal (%.2f×), %d × 429, %d requests", r.limitedApply.elapsed.Seconds(),
			r.limitedIdeal.Seconds(), applyRatio, r.limitedApply.counts.Limited, r.limitedApply.counts.Requests),
		"—", "—", "—", fmt.Sprintf("≤ %.1f× ideal, ≤ %d × 429", goalLimitedApply, goalLimited429s),
		met(applyRatio <= goalLimitedApply && r.limitedApply.counts.Limited <= goalLimited429s))

	largest := r.sizes[len(r.sizes)-1]
	costlinkRSS := r.median(key{subjectCostlink, largest, opPlan}, rssMiB)
	floorRSS := r.median(key{subjectFloor, largest, opPlan}, rssMiB)
	row(fmt.Sprintf("provider peak RSS during plan, %d connections", largest), fmt.Sprintf("%.1f MiB", costlinkRSS),
		fmt.Sprintf("%.1f MiB", floorRSS), "— (built into terraform)", fmt.Sprintf("%.2f×", costlinkRSS/floorRSS),
		fmt.Sprintf("≤ %d MiB", goalPeakRSSMiB), met(costlinkRSS <= goalPeakRSSMiB))

	row(fmt.Sprintf("onboarding %d waiting connections, %s propagation window", r.onboardingMembers, r.onboardingWindow),
		r.onboarding, "—", "—", "—", r.onboardingGoal, r.onboardingMet)
	row(fmt.Sprintf("periodic checker, %d connections", r.periodicConnections), r.periodic, "—", "—", "—",
		"every connection within its interval", r.periodicMet)
	return b.String()
}
