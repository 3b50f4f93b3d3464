package pgtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// removeStaleClusters stops and removes the clusters of test binaries that
// died before calling Stop (a panic, a -timeout, a kill), so that no
// postgres outlives its tests for long. A directory whose owner is alive,
// or not yet recorded, belongs to a running binary and is left alone.
func removeStaleClusters(binDir string, owner clusterOwner) {
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	if err != nil {
		return
	}
	for _, dir := range dirs {
		pid, err := readOwnerPID(dir)
		if err != nil || processAlive(pid) {
			continue
		}
		stale := &cluster{binDir: binDir, owner: owner, dir: dir}
		// Best effort: a cluster another user left is not ours to remove,
		// and a directory whose server already died has nothing to stop.
		_ = stale.stop()
	}
}

func readOwnerPID(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, ownerPIDFile))
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err == nil && pid <= 0 {
		// kill(0 or less) would signal process groups, not the owner.
		return 0, fmt.Errorf("%s records pid %d", ownerPIDFile, pid)
	}
	return pid, err
}

// processAlive reports whether a process exists: signal 0 checks without
// signalling, and EPERM means it exists under another user.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
