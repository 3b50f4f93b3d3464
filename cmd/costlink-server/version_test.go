package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		code, stdout, stderr := runCmd(arg)
		if code != exitOK || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q; want 0 and nothing on stderr", arg, code, stderr)
		}
		lines := strings.Split(stdout, "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "costlink-server ") || !strings.HasPrefix(lines[1], "commit: ") ||
			lines[2] != "go: "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH || lines[3] != "" {
			t.Errorf("%s printed %q; want the version, the commit and the Go version on three lines", arg, stdout)
		}
	}
	if code, stdout, _ := runCmd("help"); code != exitOK || !strings.Contains(stdout, "--version") {
		t.Errorf("help does not mention --version: %q", stdout)
	}
}

// TestVersionFromLdflags builds the binary as a release does, with the
// version and commit set by -ldflags (GNUmakefile, .goreleaser.yml), so
// renaming the variables cannot silently leave releases saying "dev".
func TestVersionFromLdflags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "costlink-server")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version=1.2.3-test -X main.commit=0123abc", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("costlink-server --version: %v", err)
	}
	if want := "costlink-server 1.2.3-test\ncommit: 0123abc\n"; !strings.HasPrefix(string(out), want) {
		t.Errorf("costlink-server --version printed %q, want it to start with %q", out, want)
	}
}
