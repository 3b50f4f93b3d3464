package bench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

// commandTimeout bounds one terraform command: apply of 1,000 connections
// under 20 requests per second takes about a minute.
const commandTimeout = 10 * time.Minute

// cli is the terraform CLI from PATH with the costlink provider and the
// no-op provider, each built once, reached through dev_overrides.
type cli struct {
	terraform string
	env       []string
	costlink  string // the costlink provider's binary
	noop      string // the no-op provider's binary
}

// newCLI builds both providers into a directory of the test's and writes
// the CLI configuration that makes terraform use them and nothing else.
func newCLI(t *testing.T) *cli {
	t.Helper()
	terraform := acctest.Terraform(t)
	dir := t.TempDir()
	c := &cli{
		terraform: terraform,
		costlink:  filepath.Join(dir, "terraform-provider-costlink"),
		noop:      filepath.Join(dir, "terraform-provider-noop"),
	}
	root := acctest.ModuleRoot(t)
	for binary, pkg := range map[string]string{c.costlink: ".", c.noop: "./internal/bench/noopprovider"} {
		build := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-o", binary, pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
	}
	cliConfig := filepath.Join(dir, "terraform.tfrc")
	config := `provider_installation {
  dev_overrides {
    "costlink/costlink" = ` + strconv.Quote(dir) + `
    "costlink/noop"     = ` + strconv.Quote(dir) + `
  }
  direct {}
}
`
	if err := os.WriteFile(cliConfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// The user's CLI arguments, data directory, workspace and log are not the bench's.
		if strings.HasPrefix(name, "TF_CLI_ARGS") || slices.Contains([]string{"TF_DATA_DIR", "TF_WORKSPACE", "TF_CLI_CONFIG_FILE", "TF_LOG", "TF_LOG_PROVIDER"}, name) {
			continue
		}
		c.env = append(c.env, kv)
	}
	c.env = append(c.env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return c
}

// measurement is what one terraform command cost.
type measurement struct {
	elapsed time.Duration
	// cpu is the CPU time of terraform and the providers it ran (its
	// children, waited for): unlike elapsed, what other work on a shared
	// machine does not inflate.
	cpu     time.Duration
	peakRSS int64         // bytes; 0 when no provider binary was watched
	counts  requestCounts // at the proxy; zero without one
}

// run runs terraform args in dir with env added, watching the peak RSS of
// the provider binary exe (if any) and the requests proxy (if any) sees.
// A command that fails fails the test: a bench of a failed apply measures
// nothing.
func (c *cli) run(t *testing.T, dir string, env []string, exe string, proxy *countingProxy, args ...string) measurement {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(slices.Clone(c.env), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out

	var before requestCounts
	if proxy != nil {
		before = proxy.counts()
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	if exe != "" {
		go func() { peak <- peakRSS(exe, done) }()
	} else {
		peak <- 0
	}
	start := time.Now()
	err := cmd.Run()
	m := measurement{elapsed: time.Since(start)}
	if cmd.ProcessState != nil {
		m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	close(done)
	m.peakRSS = <-peak
	if proxy != nil {
		m.counts = proxy.counts().since(before)
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 && slices.Contains(args, "-detailed-exitcode") {
			t.Fatalf("terraform %s in %s proposes changes: a plan after apply must be empty\n%s", args[0], dir, tail(out.String(), 40))
		}
		t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, tail(out.String(), 40))
	}
	return m
}

// tail is the last n lines of out.
func tail(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
