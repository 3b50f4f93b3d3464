package provider

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// workspaceScope names the workspace that runs Terraform, the same on every
// run of it: the HCP Terraform workspace, or else the working directory and
// the CLI workspace selected in it.
var workspaceScope = sync.OnceValue(func() string {
	if slug := os.Getenv("TFC_WORKSPACE_SLUG"); slug != "" {
		return "tfc:" + slug
	}
	dir, _ := os.Getwd() // Terraform starts providers in its working directory
	return "dir:" + dir + ":" + cliWorkspace()
})

// cliWorkspace returns the selected CLI workspace, as Terraform chooses it:
// TF_WORKSPACE, else the one terraform workspace select recorded in the data
// directory, else "default".
func cliWorkspace() string {
	if ws := os.Getenv("TF_WORKSPACE"); ws != "" {
		return ws
	}
	if b, err := os.ReadFile(filepath.Join(cmp.Or(os.Getenv("TF_DATA_DIR"), ".terraform"), "environment")); err == nil {
		if ws := strings.TrimSpace(string(b)); ws != "" {
			return ws
		}
	}
	return "default"
}

// createToken derives, from the workspace and the parts that identify an
// object, the token that marks the object's create as this workspace's:
// the same on every run, different for every workspace and object. Parts
// are length-prefixed so that no two inputs share a token.
func createToken(parts ...string) string {
	h := sha256.New()
	for _, part := range append([]string{workspaceScope()}, parts...) {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	return "tf-" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
