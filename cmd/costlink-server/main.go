// Command costlink-server runs the costlink connection service and manages
// its database: serve the API, create, list and revoke API keys, read the
// audit log, apply migrations.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/costlink/terraform-provider-costlink/internal/buildinfo"
)

// version and commit are set by the release build with -ldflags
// "-X main.version=... -X main.commit=...", as the provider's version is;
// a build without them reports what the Go toolchain recorded.
var (
	version = buildinfo.DevVersion
	commit  string
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line is wrong
)

const usage = `usage: costlink-server <command> [flags]

commands:
  serve        serve the connection service API
  keys create  create an API key (and its organization if new); prints only the key
  keys list    list API keys: IDs, organizations, scopes, last use, expiry, revocation
  keys revoke  revoke an API key by ID; the service refuses it from the next request
  audit        list the audit log of write requests, newest first
  audit prune  delete audit log entries older than a given age
  migrate      apply database migrations and exit
  version      print the version, the git commit and the Go version (also --version)

Run costlink-server <command> -h for a command's flags.
`

// run executes the command line args and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageError(stderr, "no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(rest, stderr)
	case "keys":
		return keys(rest, stdout, stderr)
	case "audit":
		return audit(rest, stdout, stderr)
	case "migrate":
		return migrate(rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "costlink-server %s\n", buildinfo.Read(version, commit))
		return exitOK
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		return usageError(stderr, fmt.Sprintf("unknown command %q", cmd))
	}
}

// newFlagSet returns a flag set for one subcommand that reports to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("costlink-server "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args into fs. When it returns ok false the command must
// stop and exit with code: help was shown, or the flags were wrong.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	return flagsParsed(fs, fs.Parse(args))
}

// flagsParsed is parseFlags once fs has parsed its arguments with err.
func flagsParsed(fs *flag.FlagSet, err error) (code int, ok bool) {
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		return exitUsage, false // the flag package has reported it
	case fs.NArg() > 0:
		return flagError(fs, fmt.Sprintf("unexpected argument %q", fs.Arg(0))), false
	}
	return exitOK, true
}

// usageError reports a wrong command and shows the commands.
func usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "costlink-server: %s\n\n%s", msg, usage)
	return exitUsage
}

// flagError reports a wrong flag value of a command.
func flagError(fs *flag.FlagSet, msg string) int {
	fmt.Fprintf(fs.Output(), "%s: %s\nRun %s -h for its flags.\n", fs.Name(), msg, fs.Name())
	return exitUsage
}

func failure(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "costlink-server: %v\n", err)
	return exitError
}

// dbFlag adds the --db flag every subcommand has.
func dbFlag(fs *flag.FlagSet) *string {
	db := fs.String("db", "./costlink.db", "the database: a SQLite file, created if missing, or a PostgreSQL URL (postgres://user:password@host:5432/db?sslmode=verify-full), which several replicas may share (env COSTLINK_DB)")
	// COSTLINK_DB is set as a value, not given as the default: usage prints
	// the default, on -h and on any mistyped flag, and a PostgreSQL URL
	// holds a password. A string flag takes any value.
	_ = envDefaults(fs, map[string]string{"db": "COSTLINK_DB"})
	return db
}

// envOr returns the environment variable name, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
