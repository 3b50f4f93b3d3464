package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// rssPollInterval is how often peakRSS looks for the provider process:
// often enough to see a provider that lives for a second.
const rssPollInterval = 10 * time.Millisecond

// peakRSS polls /proc until done is closed for processes running the
// binary exe (terraform starts the provider as its child, maybe more than
// once) and returns the largest VmHWM, the kernel's peak resident set, in
// bytes.
func peakRSS(exe string, done <-chan struct{}) int64 {
	var peak int64
	ticker := time.NewTicker(rssPollInterval)
	defer ticker.Stop()
	for {
		for _, pid := range processesOf(exe) {
			peak = max(peak, vmHWM(pid))
		}
		select {
		case <-done:
			return peak
		case <-ticker.C:
		}
	}
}

// processesOf lists the IDs of the processes whose executable is exe.
func processesOf(exe string) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && target == exe {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// vmHWM is the VmHWM of /proc/<pid>/status in bytes, 0 once the process is gone.
func vmHWM(pid string) int64 {
	f, err := os.Open(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kib * 1024
		}
	}
	return 0
}
