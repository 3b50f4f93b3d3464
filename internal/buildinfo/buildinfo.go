// Package buildinfo says which build of a costlink program is running: the
// version and commit a release build sets with -ldflags, or else what the Go
// toolchain recorded in the binary (the module version of go install
// module@version, the git commit of a build in a checkout).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// DevVersion is the version of a build that nothing has named: the default
// of each main package's version variable, which -ldflags overrides.
const DevVersion = "dev"

// Info identifies a build.
type Info struct {
	// Version is the release's version ("0.1.0"), the module version go
	// install recorded without its "v" (likewise "0.1.0", or a
	// pseudo-version for a build in a checkout), or DevVersion.
	Version string
	// Commit is the git commit built, or "" when unknown.
	Commit string
	// Modified says the checkout had uncommitted changes.
	Modified bool
	// GoVersion is the Go toolchain that built the binary, such as go1.26.8.
	GoVersion string
}

// Read returns the running binary's Info. version and commit are the main
// package's variables that a release sets with -ldflags
// "-X main.version=... -X main.commit=..."; left at DevVersion and "", the
// Go toolchain's record of the build stands in for them.
func Read(version, commit string) Info {
	recorded, _ := debug.ReadBuildInfo()
	return fromBuild(version, commit, recorded)
}

// fromBuild is Read with the toolchain's record given (nil when the binary
// has none).
func fromBuild(version, commit string, recorded *debug.BuildInfo) Info {
	info := Info{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if info.Version == "" {
		info.Version = DevVersion
	}
	if recorded == nil {
		return info
	}
	// "(devel)" is what go build records for the main module without VCS
	// information: no version at all.
	if info.Version == DevVersion && recorded.Main.Version != "" && recorded.Main.Version != "(devel)" {
		info.Version = strings.TrimPrefix(recorded.Main.Version, "v") // as a release writes it
	}
	if commit != "" {
		return info
	}
	for _, s := range recorded.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is the build as --version prints it, after the program's name:
// the version, the commit and the Go toolchain with the platform.
func (i Info) String() string {
	commit := i.Commit
	switch {
	case commit == "":
		commit = "unknown"
	case i.Modified:
		commit += " (modified)"
	}
	return fmt.Sprintf("%s\ncommit: %s\ngo: %s %s/%s", i.Version, commit, i.GoVersion, runtime.GOOS, runtime.GOARCH)
}
