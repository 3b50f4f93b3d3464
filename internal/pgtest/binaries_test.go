package pgtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeExecutable(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestFindBinDir_highestDebianMajor(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	for _, major := range []string{"9.6", "13", "15"} {
		writeExecutable(t, filepath.Join(root, major, "bin", "initdb"))
		writeExecutable(t, filepath.Join(root, major, "bin", "pg_ctl"))
	}
	// Higher, but without pg_ctl: a half-removed version is not usable.
	writeExecutable(t, filepath.Join(root, "16", "bin", "initdb"))
	writeExecutable(t, filepath.Join(root, "latest", "bin", "initdb"))

	got, err := findBinDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("findBinDir = %s, want %s", got, want)
	}
}

func TestFindBinDir_pathFirstThroughSymlinks(t *testing.T) {
	binDir := filepath.Join(t.TempDir(), "lib", "bin")
	writeExecutable(t, filepath.Join(binDir, "initdb"))
	pathDir := t.TempDir()
	if err := os.Symlink(filepath.Join(binDir, "initdb"), filepath.Join(pathDir, "initdb")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", pathDir)

	got, err := findBinDir(filepath.Join(t.TempDir(), "absent"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(binDir)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("findBinDir = %s, want the symlink's target directory %s", got, want)
	}
}

func TestFindBinDir_notInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := findBinDir(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, errNotInstalled) {
		t.Errorf("findBinDir without PostgreSQL = %v, want errNotInstalled", err)
	}
}

// recordingTB records Skip and Fatalf instead of ending the test.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skip(args ...any) { r.skipped = fmt.Sprint(args...) }

func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestSkipOrFailMissing(t *testing.T) {
	const advice = "apt-get install -y postgresql"
	for _, tc := range []struct {
		require  string
		wantFail bool
	}{
		{require: "", wantFail: false},
		{require: "1", wantFail: true},
	} {
		t.Run(requireEnv+"="+tc.require, func(t *testing.T) {
			t.Setenv(requireEnv, tc.require)
			var r recordingTB
			skipOrFailMissing(&r, errNotInstalled)
			got, other := r.skipped, r.failed
			if tc.wantFail {
				got, other = r.failed, r.skipped
			}
			if other != "" {
				t.Errorf("unexpected report %q", other)
			}
			if !strings.Contains(got, advice) {
				t.Errorf("report %q does not say to run %q", got, advice)
			}
		})
	}
}
