package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The files that tell operators how to run the service, relative to this
// package; they must agree with the flags serve really has.
const (
	runningDoc    = "../../docs/running.md"
	systemdUnit   = "../../deploy/costlink-server.service"
	containerfile = "../../deploy/Containerfile"
	goreleaser    = "../../.goreleaser.yml"
	goMod         = "../../go.mod"
	repoRoot      = "../.."
)

// flagTableHeader opens the table of serve's flags in docs/running.md.
const flagTableHeader = "| Flag | Environment variable | Default | What it does |"

// serveFlag is one flag of serve as serve -h describes it.
type serveFlag struct {
	kind string // the flag package's name of its type: string, int, float, duration; "" for a bool
	env  string // the variable it reads, "" if none
	def  string // its default, "" if none
}

var (
	flagLine    = regexp.MustCompile(`^  -(\S+)(?: (\S+))?$`)
	envInUsage  = regexp.MustCompile(`\(env (COSTLINK_[A-Z0-9_]+)\)`)
	defInUsage  = regexp.MustCompile(`\(default (.+)\)$`)
	backtickRun = regexp.MustCompile("^`([^`]*)`")
)

// serveFlags returns serve's flags, read from its own -h output with no
// COSTLINK_ variable set, so the defaults are the built-in ones.
func serveFlags(t *testing.T) map[string]serveFlag {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "COSTLINK_") {
			t.Setenv(name, "")
		}
	}
	code, _, stderr := runCmd("serve", "-h")
	if code != exitOK {
		t.Fatalf("serve -h = %d, %s", code, stderr)
	}
	flags := map[string]serveFlag{}
	lines := strings.Split(stderr, "\n")
	for i, line := range lines {
		m := flagLine.FindStringSubmatch(line)
		if m == nil || i+1 == len(lines) {
			continue
		}
		usage := strings.TrimSpace(lines[i+1])
		f := serveFlag{kind: m[2]}
		if e := envInUsage.FindStringSubmatch(usage); e != nil {
			f.env = e[1]
		}
		if d := defInUsage.FindStringSubmatch(usage); d != nil {
			f.def = d[1]
			if unquoted, err := strconv.Unquote(d[1]); err == nil {
				f.def = unquoted
			}
		}
		flags[m[1]] = f
	}
	if len(flags) == 0 {
		t.Fatalf("serve -h listed no flags:\n%s", stderr)
	}
	return flags
}

// envVars returns the environment variables serve's flags read.
func envVars(flags map[string]serveFlag) map[string]bool {
	vars := map[string]bool{}
	for _, f := range flags {
		if f.env != "" {
			vars[f.env] = true
		}
	}
	return vars
}

// docRow is one row of the flag table in docs/running.md.
type docRow struct{ env, def, what string }

// flagTable returns the rows of the flag table in docs/running.md by flag name.
func flagTable(t *testing.T) map[string]docRow {
	t.Helper()
	doc := readFile(t, runningDoc)
	_, table, found := strings.Cut(doc, flagTableHeader+"\n")
	if !found {
		t.Fatalf("%s has no table headed %q", runningDoc, flagTableHeader)
	}
	rows := map[string]docRow{}
	for i, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i == 0 {
			continue // the separator row
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 4 {
			t.Fatalf("%s: flag table row %q has %d cells, want 4", runningDoc, line, len(cells))
		}
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		name := strings.TrimPrefix(strings.Trim(cells[0], "`"), "--")
		if _, dup := rows[name]; dup {
			t.Errorf("%s lists --%s twice", runningDoc, name)
		}
		env := strings.Trim(cells[1], "`")
		if env == "—" {
			env = ""
		}
		rows[name] = docRow{env: env, def: cells[2], what: cells[3]}
	}
	return rows
}

// TestRunningDocListsEveryServeFlag holds the configuration table of
// docs/running.md to serve's flag set: a flag added, renamed or given an
// environment variable or a new default must be documented there.
func TestRunningDocListsEveryServeFlag(t *testing.T) {
	flags := serveFlags(t)
	rows := flagTable(t)
	for name, f := range flags {
		row, ok := rows[name]
		if !ok {
			t.Errorf("serve has --%s; %s's configuration table does not list it", name, runningDoc)
			continue
		}
		if row.env != f.env {
			t.Errorf("--%s: the table names environment variable %q, serve reads %q", name, row.env, f.env)
		}
		if msg := defaultMismatch(f, row.def); msg != "" {
			t.Errorf("--%s: %s", name, msg)
		}
		if row.what == "" {
			t.Errorf("--%s: the table does not say what it does", name)
		}
	}
	for name := range rows {
		if _, ok := flags[name]; !ok {
			t.Errorf("%s's configuration table lists --%s, which serve does not have", runningDoc, name)
		}
	}
}

// defaultMismatch says how the table's default cell disagrees with the
// flag's default, or returns "". A default is written first in the cell,
// in backticks; a cell of a flag without one starts with words.
func defaultMismatch(f serveFlag, cell string) string {
	m := backtickRun.FindStringSubmatch(cell)
	switch {
	case f.def == "" && m != nil:
		return "the table gives default " + m[0] + "; the flag has none"
	case f.def == "" || (m != nil && sameValue(f.kind, f.def, m[1])):
		return ""
	}
	return "the table gives default " + strconv.Quote(cell) + "; the flag's is " + strconv.Quote(f.def)
}

// sameValue reports whether two spellings of a flag value of kind mean the same.
func sameValue(kind, a, b string) bool {
	switch kind {
	case "duration":
		da, errA := time.ParseDuration(a)
		db, errB := time.ParseDuration(b)
		return errA == nil && errB == nil && da == db
	case "int", "float":
		fa, errA := strconv.ParseFloat(a, 64)
		fb, errB := strconv.ParseFloat(b, 64)
		return errA == nil && errB == nil && fa == fb
	}
	return a == b
}

func TestDefaultMismatch(t *testing.T) {
	for _, tc := range []struct {
		flag serveFlag
		cell string
		ok   bool
	}{
		{serveFlag{kind: "duration", def: "15m0s"}, "`15m`", true},
		{serveFlag{kind: "duration", def: "15m0s"}, "`5m`", false},
		{serveFlag{kind: "float", def: "20"}, "`20`", true},
		{serveFlag{kind: "int", def: "40"}, "`4`", false},
		{serveFlag{kind: "string", def: "./costlink.db"}, "`./costlink.db`", true},
		{serveFlag{kind: "string", def: "./costlink.db"}, "a file in the working directory", false},
		{serveFlag{kind: "string"}, "none: plain HTTP", true},
		{serveFlag{kind: "string"}, "`127.0.0.1:9090`", false},
	} {
		if got := defaultMismatch(tc.flag, tc.cell) == ""; got != tc.ok {
			t.Errorf("defaultMismatch(%+v, %q) agrees = %v, want %v", tc.flag, tc.cell, got, tc.ok)
		}
	}
}

// parses runs the costlink-server command line args with -h added: the
// command's real flag set parses them and stops at -h before doing
// anything. It returns the error the command reported, without its usage,
// when they do not parse.
func parses(args []string) (string, bool) {
	code, _, stderr := runCmd(append(args, "-h")...)
	if code != exitOK {
		report, _, _ := strings.Cut(stderr, "\nUsage of ")
		return report, false
	}
	return "", true
}

// TestRunningDocCommandsParse runs every costlink-server command line of
// the shell blocks of docs/running.md, up to the point where the command
// would act: its subcommand exists and its flags parse.
func TestRunningDocCommandsParse(t *testing.T) {
	commands := docCommands(t, readFile(t, runningDoc))
	if len(commands) < 5 {
		t.Fatalf("found %d costlink-server commands in %s, want its examples: %q", len(commands), runningDoc, commands)
	}
	for _, args := range commands {
		if report, ok := parses(args); !ok {
			t.Errorf("%s: costlink-server %s does not parse:\n%s", runningDoc, strings.Join(args, " "), report)
		}
	}
}

// docCommands returns the arguments of each costlink-server command in the
// sh blocks of a Markdown document: after the binary, or after an image
// named costlink-server:TAG in a docker run.
func docCommands(t *testing.T, doc string) [][]string {
	t.Helper()
	var commands [][]string
	inSh := false
	var line string
	for _, raw := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(raw, "```sh"):
			inSh = true
			continue
		case strings.HasPrefix(raw, "```"):
			inSh = false
			continue
		case !inSh:
			continue
		}
		if cont, ok := strings.CutSuffix(raw, `\`); ok {
			line += cont
			continue
		}
		line += raw
		words, err := shellWords(line)
		line = ""
		if err != nil {
			t.Fatalf("%s: %v", runningDoc, err)
		}
		for i, w := range words {
			if w == "costlink-server" || strings.HasPrefix(w, "costlink-server:") {
				if args := words[i+1:]; len(args) > 0 {
					commands = append(commands, args)
				}
				break
			}
		}
	}
	return commands
}

// shellWords splits a shell command line into words the way sh does for
// the quoting the docs use: single and double quotes, and a # comment.
func shellWords(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '#' && !inWord:
			return words, nil
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote in " + strconv.Quote(line))
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

func TestShellWords(t *testing.T) {
	got, err := shellWords(`costlink-server keys create --db "$COSTLINK_DB" --org 'a b'   # prints the key`)
	want := []string{"costlink-server", "keys", "create", "--db", "$COSTLINK_DB", "--org", "a b"}
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shellWords = %q, %v; want %q", got, err, want)
	}
	if _, err := shellWords(`echo "open`); err == nil {
		t.Error("shellWords accepted an unterminated quote")
	}
}

// unitSettings returns the Key=value lines of a systemd unit in order.
func unitSettings(t *testing.T, unit string) [][2]string {
	t.Helper()
	var settings [][2]string
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not Key=value", systemdUnit, line)
		}
		settings = append(settings, [2]string{key, value})
	}
	return settings
}

// TestSystemdUnit holds deploy/costlink-server.service to serve: its
// ExecStart parses with serve's flags, the variables it sets are ones serve
// reads, and systemd itself accepts the unit and rates it well hardened.
func TestSystemdUnit(t *testing.T) {
	unit := readFile(t, systemdUnit)
	vars := envVars(serveFlags(t))
	const binary = "/usr/local/bin/costlink-server"
	var execStart []string
	for _, kv := range unitSettings(t, unit) {
		switch kv[0] {
		case "ExecStart":
			words, err := shellWords(kv[1])
			if err != nil || len(words) < 2 || words[0] != binary || words[1] != "serve" {
				t.Fatalf("ExecStart=%s: want %s serve and its flags", kv[1], binary)
			}
			execStart = words[1:]
		case "Environment":
			name, _, _ := strings.Cut(kv[1], "=")
			if !vars[name] {
				t.Errorf("Environment=%s: serve reads no variable %s", kv[1], name)
			}
		}
	}
	if execStart == nil {
		t.Fatalf("%s has no ExecStart", systemdUnit)
	}
	if report, ok := parses(execStart); !ok {
		t.Errorf("ExecStart's command line does not parse:\n%s", report)
	}

	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed: systemd's own checks of the unit did not run")
	}
	// verify also wants ExecStart's binary to exist: this test's binary
	// stands in for the installed one.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "costlink-server.service")
	if err := os.WriteFile(copied, []byte(strings.ReplaceAll(unit, binary, self)), 0o600); err != nil {
		t.Fatal(err)
	}
	// verify warns about unknown keys and bad values, yet exits 0.
	if out, err := exec.Command("systemd-analyze", "verify", copied).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// 2.0 and under is what systemd rates "OK", its best.
	out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--threshold=20", copied).CombinedOutput()
	switch {
	case bytes.Contains(out, []byte("unrecognized option")):
		t.Log("this systemd-analyze cannot rate a unit file offline (systemd 250 or newer can)")
	case err != nil:
		t.Errorf("systemd-analyze security rates the unit's exposure above 2.0: %v\n%s", err, out)
	}
}

// containerInstructions returns deploy/Containerfile's instructions, each
// as its keyword and arguments, continuation lines joined.
func containerInstructions(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	var pending string
	for _, line := range strings.Split(readFile(t, containerfile), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			pending += cont
			continue
		}
		keyword, args, _ := strings.Cut(pending+trimmed, " ")
		pending = ""
		out = append(out, [2]string{strings.ToUpper(keyword), strings.TrimSpace(args)})
	}
	return out
}

// releaseServerBuild returns the costlink-server build of .goreleaser.yml.
func releaseServerBuild(t *testing.T) (env, flags, ldflags []string) {
	t.Helper()
	var cfg struct {
		Builds []struct {
			ID      string   `yaml:"id"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, goreleaser)), &cfg); err != nil {
		t.Fatalf("%s: %v", goreleaser, err)
	}
	for _, b := range cfg.Builds {
		if b.ID == "costlink-server" {
			return b.Env, b.Flags, b.Ldflags
		}
	}
	t.Fatalf("%s has no costlink-server build", goreleaser)
	return nil, nil, nil
}

// goBuildLine matches the go build of the Containerfile's RUN and its ldflags.
var goBuildLine = regexp.MustCompile(`go build .*-ldflags "([^"]*)"`)

// containerGoBuild is the Containerfile's RUN that builds costlink-server.
func containerGoBuild(t *testing.T) string {
	t.Helper()
	var build string
	for _, in := range containerInstructions(t) {
		if in[0] == "RUN" && goBuildLine.MatchString(in[1]) {
			build = in[1]
		}
	}
	if build == "" {
		t.Fatalf("no RUN of %s runs go build -ldflags \"...\"", containerfile)
	}
	return build
}

// TestContainerfile holds deploy/Containerfile to the repository: its Go
// is go.mod's, it builds costlink-server as a release does, and what the
// image runs parses with serve's flags on the port it exposes, as a user
// other than root.
func TestContainerfile(t *testing.T) {
	vars := envVars(serveFlags(t))
	byKeyword := map[string][]string{}
	for _, in := range containerInstructions(t) {
		byKeyword[in[0]] = append(byKeyword[in[0]], in[1])
	}
	froms := byKeyword["FROM"]

	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readFile(t, goMod))
	if len(froms) != 2 || froms[0] != "golang:"+goVersion[1]+" AS build" || froms[1] != "scratch" {
		t.Errorf("FROM %q: want golang:%s AS build, then scratch", froms, goVersion[1])
	}

	build := containerGoBuild(t)
	env, flags, ldflags := releaseServerBuild(t)
	// The same build arguments as the release, ARGs in place of goreleaser's templates.
	gotLdflags := strings.NewReplacer("${VERSION}", "{{ .Version }}", "${COMMIT}", "{{ .FullCommit }}").
		Replace(goBuildLine.FindStringSubmatch(build)[1])
	if len(ldflags) != 1 || gotLdflags != ldflags[0] {
		t.Errorf("the image's -ldflags %q are not the release's %q", gotLdflags, ldflags)
	}
	for _, want := range append(env, flags...) {
		if !strings.Contains(build, want) {
			t.Errorf("the image's go build lacks the release's %s: %s", want, build)
		}
	}

	user := strings.Join(byKeyword["USER"], "")
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" {
		t.Errorf("USER %q: the image must run as a user other than root", user)
	}
	for _, e := range byKeyword["ENV"] {
		for _, assignment := range strings.Fields(e) {
			if name, _, _ := strings.Cut(assignment, "="); strings.HasPrefix(name, "COSTLINK_") && !vars[name] {
				t.Errorf("ENV %s: serve reads no variable %s", assignment, name)
			}
		}
	}

	var entrypoint, cmd []string
	if err := json.Unmarshal([]byte(strings.Join(byKeyword["ENTRYPOINT"], "")), &entrypoint); err != nil || len(entrypoint) != 1 || entrypoint[0] != "costlink-server" {
		t.Errorf("ENTRYPOINT %q: want [\"costlink-server\"] (%v)", byKeyword["ENTRYPOINT"], err)
	}
	if err := json.Unmarshal([]byte(strings.Join(byKeyword["CMD"], "")), &cmd); err != nil || len(cmd) == 0 || cmd[0] != "serve" {
		t.Fatalf("CMD %q: want [\"serve\", ...] (%v)", byKeyword["CMD"], err)
	}
	if report, ok := parses(cmd); !ok {
		t.Errorf("CMD %q does not parse:\n%s", cmd, report)
	}
	addr := flagValue(cmd, "addr")
	if exposed := strings.Join(byKeyword["EXPOSE"], " "); !strings.HasPrefix(addr, "0.0.0.0:") || exposed != strings.TrimPrefix(addr, "0.0.0.0:") {
		t.Errorf("CMD listens on --addr %q, EXPOSE says %q: want 0.0.0.0:PORT and that PORT", addr, exposed)
	}
}

// flagValue returns the value of --name in args given as two words, or "".
func flagValue(args []string, name string) string {
	for i, a := range args {
		if (a == "--"+name || a == "-"+name) && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// TestContainerfileBuildCommand runs the Containerfile's go build as the
// image build runs it, with the ARGs in the environment, and asks the
// binary it makes for its version: the build works and stamps what the
// release stamps.
func TestContainerfileBuildCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds costlink-server: not in -short")
	}
	build := containerGoBuild(t)
	out := t.TempDir()
	const wantVersion, wantCommit = "9.9.9-image", "0123456789abcdef0123456789abcdef01234567"
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(build, "/out/", out+"/"))
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "VERSION="+wantVersion, "COMMIT="+wantCommit)
	if report, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, report)
	}
	version := exec.Command(filepath.Join(out, "costlink-server"), "version")
	version.Stderr = io.Discard
	got, err := version.Output()
	if err != nil || !bytes.Contains(got, []byte(wantVersion)) || !bytes.Contains(got, []byte(wantCommit[:12])) {
		t.Errorf("the image's costlink-server version = %q, %v; want version %s and commit %s", got, err, wantVersion, wantCommit)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
