package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuild(t *testing.T) {
	checkout := &debug.BuildInfo{
		Main: debug.Module{Version: "v0.1.1-0.20261127030715-5b961de0f123+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "5b961de0f1234567890abcdef1234567890abcde"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for name, tc := range map[string]struct {
		version, commit string
		recorded        *debug.BuildInfo
		want            Info
	}{
		"release: the -ldflags values win": {
			version: "0.1.0", commit: "0123abc", recorded: checkout,
			want: Info{Version: "0.1.0", Commit: "0123abc"},
		},
		"go install module@version": {
			version: DevVersion, recorded: &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}},
			want: Info{Version: "0.1.0"},
		},
		"go build in a checkout with changes": {
			version: DevVersion, recorded: checkout,
			want: Info{Version: "0.1.1-0.20261127030715-5b961de0f123+dirty", Commit: "5b961de0f1234567890abcdef1234567890abcde", Modified: true},
		},
		"go build without VCS information": {
			version: DevVersion, recorded: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want: Info{Version: DevVersion},
		},
		"make build: a version but no commit": {
			version: "0.1.0-dev", recorded: checkout,
			want: Info{Version: "0.1.0-dev", Commit: "5b961de0f1234567890abcdef1234567890abcde", Modified: true},
		},
		"no record at all": {
			version: "", recorded: nil,
			want: Info{Version: DevVersion},
		},
	} {
		t.Run(name, func(t *testing.T) {
			tc.want.GoVersion = runtime.Version()
			if got := fromBuild(tc.version, tc.commit, tc.recorded); got != tc.want {
				t.Errorf("fromBuild(%q, %q) = %#v, want %#v", tc.version, tc.commit, got, tc.want)
			}
		})
	}
}

func TestInfoString(t *testing.T) {
	platform := " " + runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		info Info
		want string
	}{
		{Info{Version: "0.1.0", Commit: "0123abc", GoVersion: "go1.26.8"}, "0.1.0\ncommit: 0123abc\ngo: go1.26.8" + platform},
		{Info{Version: "0.1.1-0.2026", Commit: "5b961de", Modified: true, GoVersion: "go1.26.8"}, "0.1.1-0.2026\ncommit: 5b961de (modified)\ngo: go1.26.8" + platform},
		{Info{Version: DevVersion, GoVersion: "go1.26.8"}, "dev\ncommit: unknown\ngo: go1.26.8" + platform},
	} {
		if got := tc.info.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.info, got, tc.want)
		}
	}
}
