package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestEnvDefaults(t *testing.T) {
	envs := map[string]string{"ip-rate-limit": "COSTLINK_IP_RATE_LIMIT"}
	newFlags := func() (*flag.FlagSet, *float64) {
		fs := newFlagSet("serve", io.Discard)
		return fs, fs.Float64("ip-rate-limit", 200, "")
	}

	t.Setenv("COSTLINK_IP_RATE_LIMIT", "50")
	fs, limit := newFlags()
	if err := envDefaults(fs, envs); err != nil || *limit != 50 {
		t.Errorf("from the environment: %v, %v; want 50", *limit, err)
	}
	fs, limit = newFlags()
	if err := envDefaults(fs, envs); err != nil || fs.Parse([]string{"--ip-rate-limit", "7"}) != nil || *limit != 7 {
		t.Errorf("the command line over the environment: %v, %v; want 7", *limit, err)
	}

	t.Setenv("COSTLINK_IP_RATE_LIMIT", "lots")
	fs, _ = newFlags()
	err := envDefaults(fs, envs)
	if err == nil || !strings.Contains(err.Error(), `COSTLINK_IP_RATE_LIMIT="lots"`) || !strings.Contains(err.Error(), "--ip-rate-limit") {
		t.Errorf("a bad value: %v, want an error naming the variable and the flag", err)
	}
}

func TestServeRefusesBadRateLimitFromTheEnvironment(t *testing.T) {
	t.Setenv("COSTLINK_IP_RATE_BURST", "many")
	code, _, stderr := runCmd("serve", "--addr", "127.0.0.1:0", "--db", t.TempDir()+"/costlink.db")
	if code != exitUsage || !strings.Contains(stderr, "COSTLINK_IP_RATE_BURST") {
		t.Errorf("serve = %d, %q; want exit %d naming COSTLINK_IP_RATE_BURST", code, stderr, exitUsage)
	}
}
