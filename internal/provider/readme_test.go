package provider

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/client"
	"github.com/costlink/terraform-provider-costlink/internal/testnet"
)

const (
	// readmeQuickStart is the heading of the README section the test runs.
	readmeQuickStart = "## Quick start"
	// readmeTimeout bounds the whole quick start: make demo builds the
	// provider and the service (minutes on a cold build cache), then two
	// applies wait for health against the emulator.
	readmeTimeout = 15 * time.Minute
	// readmeResultVar names the file where the script leaves what the test
	// checks afterwards: the directory it ended in, the API URL and key.
	readmeResultVar = "COSTLINK_README_RESULT"
)

// readmeConnections are the connections the quick start registers, by name,
// with their type.
var readmeConnections = map[string]string{"payer": "billing", "prod-payments": "resource"}

// TestAccReadmeQuickStart runs the README's Quick start as a reader does,
// so the README cannot rot: from the repository, the section's ```sh blocks
// in order, each ```hcl block written to main.tf where the reader is then.
// Its make demo gets ports and a directory of its own (COSTLINK_DEMO_*),
// mktemp a temporary directory, and terraform apply its yes from
// TF_CLI_ARGS_apply. Then the connections must exist and be healthy, and a
// second plan must propose nothing.
func TestAccReadmeQuickStart(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1 (make test or make testacc)")
	}
	t.Parallel()
	root := acctest.ModuleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := quickStartScript(string(readme))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	work := t.TempDir()
	result := filepath.Join(work, "result")
	script += fmt.Sprintf(`
# Added by TestAccReadmeQuickStart: what it checks.
printf '%%s\n' "$PWD" "$COSTLINK_API_URL" "$COSTLINK_API_KEY" >%q
echo '--- the second plan:'
terraform plan -detailed-exitcode -input=false -no-color
`, result)
	scriptPath := filepath.Join(work, "quickstart.sh")
	if err := os.WriteFile(scriptPath, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}

	// The README says terraform: the one this pass of the suite tests.
	terraformDir := t.TempDir()
	if err := os.Symlink(acctest.Terraform(t), filepath.Join(terraformDir, "terraform")); err != nil {
		t.Fatal(err)
	}
	env := append(envWithout(os.Environ(), func(name string) bool {
		// The README's commands set what reaches the demo; nothing of the
		// developer's AWS, costlink or terraform settings may reach them.
		return namePrefixed("AWS_", "COSTLINK_")(name) || isUserTerraformSetting(name) || name == "PATH"
	}),
		"PATH="+terraformDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"COSTLINK_DEMO_DIR="+filepath.Join(work, "demo"),
		"COSTLINK_DEMO_MOTO_PORT="+freePort(t),
		"COSTLINK_DEMO_API_PORT="+freePort(t),
		"TMPDIR="+work,
		"TF_CLI_ARGS_apply=-auto-approve -input=false",
		"CHECKPOINT_DISABLE=1",
		readmeResultVar+"="+result,
	)
	t.Cleanup(func() {
		down := exec.CommandContext(context.Background(), filepath.Join(root, "scripts", "demo.sh"), "down") //nolint:gosec // the repository's own script
		down.Dir, down.Env = root, env
		if out, err := down.CombinedOutput(); err != nil {
			t.Errorf("scripts/demo.sh down: %v\n%s", err, out)
		}
	})

	ctx, cancel := context.WithTimeout(t.Context(), readmeTimeout)
	defer cancel()
	run := exec.CommandContext(ctx, "bash", "-euo", "pipefail", scriptPath)
	run.Dir, run.Env = root, env
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's Quick start, as %s, ended with %v (a plan with changes exits 2):\n%s", scriptPath, err, out)
	}

	lines, err := os.ReadFile(result)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(strings.TrimSpace(string(lines)), "\n")
	if len(fields) != 3 {
		t.Fatalf("the script left %q, want its directory, API URL and key", lines)
	}
	if dir := fields[0]; dir == root || !strings.HasPrefix(dir, work) {
		t.Errorf("the Quick start applied in %s, want a fresh directory (under %s)", dir, work)
	}
	c, err := client.New(client.Config{BaseURL: fields[1], APIKey: fields[2]})
	if err != nil {
		t.Fatal(err)
	}
	conns, err := c.ListAllConnections(t.Context(), client.ListConnectionsOptions{})
	if err != nil {
		t.Fatalf("listing the quick start's connections: %v", err)
	}
	if len(conns) != len(readmeConnections) {
		t.Errorf("the organization has %d connections, want %d: %+v", len(conns), len(readmeConnections), conns)
	}
	for _, conn := range conns {
		if readmeConnections[conn.Name] != conn.Type || conn.Health.Status != client.HealthHealthy {
			t.Errorf("connection %s: type %s, health %s; want one of %v, healthy", conn.Name, conn.Type, conn.Health.Status, readmeConnections)
		}
	}
}

// quickStartScript turns the README's Quick start section into one bash
// script: its ```sh blocks as they are, each ```hcl block written to
// main.tf in the directory the reader is in at that point.
func quickStartScript(readme string) (string, error) {
	_, section, found := strings.Cut(readme, "\n"+readmeQuickStart+"\n")
	if !found {
		return "", fmt.Errorf("no %q section", readmeQuickStart)
	}
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	var script strings.Builder
	var block *strings.Builder
	var language string
	var blocks []string
	scanner := bufio.NewScanner(strings.NewReader(section))
	for scanner.Scan() {
		line := scanner.Text()
		fence, isFence := strings.CutPrefix(line, "```")
		switch {
		case isFence && block == nil:
			language, block = strings.TrimSpace(fence), &strings.Builder{}
		case isFence:
			switch language {
			case "sh":
				script.WriteString(block.String())
			case "hcl":
				fmt.Fprintf(&script, "cat >main.tf <<'README_MAIN_TF'\n%sREADME_MAIN_TF\n", block.String())
			default:
				return "", fmt.Errorf("%s has a ```%s block: only sh (run) and hcl (main.tf) blocks can be run", readmeQuickStart, language)
			}
			blocks, block = append(blocks, language), nil
		case block != nil:
			block.WriteString(line + "\n")
		}
	}
	if block != nil {
		return "", fmt.Errorf("%s has a ```%s block that is never closed", readmeQuickStart, language)
	}
	if !slices.Contains(blocks, "sh") || !slices.Contains(blocks, "hcl") {
		return "", fmt.Errorf("%s has blocks %v: want the commands (sh) and main.tf (hcl)", readmeQuickStart, blocks)
	}
	return script.String(), nil
}

// TestReadmeQuickStartScript checks, without TF_ACC, that the README's
// Quick start is what TestAccReadmeQuickStart can run, and how sections it
// cannot run are refused.
func TestReadmeQuickStartScript(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(acctest.ModuleRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := quickStartScript(string(readme))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	for _, want := range []string{"make demo", `eval "$(scripts/demo.sh env)"`, "cat >main.tf", `source = "costlink/costlink"`, "terraform apply"} {
		if !strings.Contains(script, want) {
			t.Errorf("the Quick start has no %q; it runs:\n%s", want, script)
		}
	}
	if payer, member := strings.Index(script, `type           = "billing"`), strings.Index(script, "connection_name("); payer < 0 || member < payer {
		t.Errorf("the Quick start's main.tf must register the billing (payer) connection before a member account's:\n%s", script)
	}

	for name, tc := range map[string]struct{ readme, want string }{
		"no section":     {"# x\n## Other\n```sh\nls\n```\n", "no \"## Quick start\" section"},
		"other language": {"# x\n## Quick start\n```sh\nls\n```\n```json\n{}\n```\n", "```json block"},
		"unclosed":       {"# x\n## Quick start\n```sh\nls\n", "never closed"},
		"no main.tf":     {"# x\n## Quick start\n```sh\nls\n```\n## Next\n```hcl\nx = 1\n```\n", "want the commands (sh) and main.tf (hcl)"},
	} {
		if _, err := quickStartScript(tc.readme); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: quickStartScript = %v, want an error with %q", name, err, tc.want)
		}
	}
}

// freePort is a loopback port nobody listens on now, as text.
func freePort(t *testing.T) string {
	t.Helper()
	port, err := testnet.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(port)
}
