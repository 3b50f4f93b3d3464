package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

// requireChromiumEnv, set to 1 (as .ci/run does), makes a missing Chromium
// fail the browser tests instead of skipping them.
const requireChromiumEnv = "COSTLINK_REQUIRE_CHROMIUM"

// chromiumNames are the browser's command names, Debian's first.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

// The one headless browser of this test binary, started by TestMain under
// TF_ACC; each browser test opens a tab in a browser context of its own,
// with its own cookies.
var (
	sharedBrowser context.Context
	errNoBrowser  = errors.New("the browser tests run with TF_ACC=1")
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	defer acctest.Stop()
	defer pgtest.Stop()
	if os.Getenv("TF_ACC") != "" {
		stop := startBrowser()
		defer stop()
	}
	return m.Run()
}

// startBrowser starts headless Chromium, or records why it could not.
func startBrowser() (stop func()) {
	path := ""
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		errNoBrowser = fmt.Errorf("no Chromium on PATH (looked for %v): install it (apt-get install chromium) to run the browser tests", chromiumNames)
		return func() {}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// Tests run as root in CI containers, where Chromium's sandbox
		// cannot start; the pages are the test's own.
		chromedp.NoSandbox,
		chromedp.WindowSize(1400, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil {
		cancelBrowser()
		cancelAlloc()
		errNoBrowser = fmt.Errorf("starting %s: %w", path, err)
		return func() {}
	}
	sharedBrowser, errNoBrowser = browser, nil
	return func() {
		cancelBrowser()
		cancelAlloc()
	}
}

// browserTestTimeout bounds one browser test, health checks against moto
// included.
const browserTestTimeout = 3 * time.Minute

// newTab skips the test unless TF_ACC is set, and opens a tab of the shared
// browser in a new browser context: a fresh cookie jar. Without Chromium
// the test skips, or fails when requireChromiumEnv is 1.
func newTab(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("browser tests run with TF_ACC=1 (make test or make testacc)")
	}
	if errNoBrowser != nil {
		if os.Getenv(requireChromiumEnv) == "1" {
			t.Fatalf("%v (%s=1)", errNoBrowser, requireChromiumEnv)
		}
		t.Skipf("%v (set %s=1 to make this a failure)", errNoBrowser, requireChromiumEnv)
	}
	tab, cancelTab := chromedp.NewContext(sharedBrowser, chromedp.WithNewBrowserContext())
	ctx, cancel := context.WithTimeout(tab, browserTestTimeout)
	t.Cleanup(func() {
		cancel()
		cancelTab()
	})
	return ctx
}
