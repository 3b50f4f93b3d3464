package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// debianLibRoot is where Debian's postgresql package installs each major
// version's server binaries (/usr/lib/postgresql/<major>/bin); only
// pg_ctlcluster and friends reach /usr/bin.
const debianLibRoot = "/usr/lib/postgresql"

// postgresUser runs the cluster when the tests run as root: PostgreSQL
// refuses to start as root, and Debian's package creates this user.
const postgresUser = "postgres"

// errNotInstalled means no PostgreSQL server binaries were found: the tests
// that need them skip, or fail when COSTLINK_REQUIRE_POSTGRES=1.
var errNotInstalled = errors.New("PostgreSQL is not installed: install Debian's postgresql package (apt-get install -y postgresql) to run the tests against PostgreSQL")

// findBinDir returns the directory holding initdb and pg_ctl: initdb's on
// PATH (through symlinks, so that pg_ctl finds its postgres beside it),
// else the highest major version under libRoot.
func findBinDir(libRoot string) (string, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if resolved, err := filepath.EvalSymlinks(initdb); err == nil {
			return filepath.Dir(resolved), nil
		}
	}
	versions, err := os.ReadDir(libRoot)
	if err != nil {
		return "", errNotInstalled
	}
	best, bestVersion := "", -1.0
	for _, entry := range versions {
		// Majors are "9.6" before PostgreSQL 10 and whole numbers after.
		version, err := strconv.ParseFloat(entry.Name(), 64)
		if err != nil || version <= bestVersion {
			continue
		}
		bin := filepath.Join(libRoot, entry.Name(), "bin")
		if isExecutable(filepath.Join(bin, "initdb")) && isExecutable(filepath.Join(bin, "pg_ctl")) {
			best, bestVersion = bin, version
		}
	}
	if best == "" {
		return "", errNotInstalled
	}
	return best, nil
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

// clusterOwner is the account the cluster's processes run as.
type clusterOwner struct {
	// credential is nil when the tests do not run as root: the cluster then
	// runs as the test binary's own user.
	credential *syscall.Credential
	uid, gid   int
}

// currentClusterOwner picks the postgres user when running as root, the
// current user otherwise.
func currentClusterOwner() (clusterOwner, error) {
	if os.Geteuid() != 0 {
		return clusterOwner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	account, err := user.Lookup(postgresUser)
	if err != nil {
		return clusterOwner{}, fmt.Errorf("the tests run as root and PostgreSQL refuses to, but there is no %q user to run it as (Debian's postgresql package creates it): %w", postgresUser, err)
	}
	uid, err := strconv.Atoi(account.Uid)
	if err != nil {
		return clusterOwner{}, fmt.Errorf("user %q has a non-numeric uid %q", postgresUser, account.Uid)
	}
	gid, err := strconv.Atoi(account.Gid)
	if err != nil {
		return clusterOwner{}, fmt.Errorf("user %q has a non-numeric gid %q", postgresUser, account.Gid)
	}
	return clusterOwner{
		credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)},
		uid:        uid,
		gid:        gid,
	}, nil
}

// command runs a PostgreSQL binary as the owner. The process switches user
// itself (setuid through SysProcAttr) rather than through runuser or su:
// no shell quoting of the arguments and no dependency on util-linux.
func (o clusterOwner) command(ctx context.Context, binDir, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, name), args...)
	// The owner may not be able to enter the test's working directory
	// (root's home, a package directory): work from the cluster's own.
	cmd.Dir = dir
	if o.credential != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.credential}
	}
	return cmd
}
