package acctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTerraform writes an executable named terraform into a new directory.
func fakeTerraform(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTerraformPath(t *testing.T) {
	onPath, configured := fakeTerraform(t), fakeTerraform(t)
	notExecutable := filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		env        string
		path       string
		want       string
		wantErrSub string
	}{
		{name: "the variable wins over PATH", env: configured, path: filepath.Dir(onPath), want: configured},
		{name: "PATH without the variable", path: filepath.Dir(onPath), want: onPath},
		{name: "a variable naming no executable", env: notExecutable, path: filepath.Dir(onPath), wantErrSub: "is not an executable terraform"},
		{name: "a variable naming nothing", env: filepath.Join(t.TempDir(), "missing"), path: filepath.Dir(onPath), wantErrSub: "is not an executable terraform"},
		{name: "neither", path: t.TempDir(), wantErrSub: "terraform is not on PATH and " + TerraformPathEnv + " is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(TerraformPathEnv, tt.env)
			t.Setenv("PATH", tt.path)
			got, err := terraformPath()
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("terraformPath() = %q, %v; want an error containing %q", got, err, tt.wantErrSub)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("terraformPath() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
