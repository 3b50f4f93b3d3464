package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

// testAccProtoV6ProviderFactories runs the provider in-process for the real
// terraform CLI that terraform-plugin-testing drives.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"costlink": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	code := m.Run()
	if providerBuild.cliConfig != "" {
		_ = os.RemoveAll(filepath.Dir(providerBuild.cliConfig))
	}
	acctest.Stop()
	pgtest.Stop()
	os.Exit(code)
}

// expectErrorPhrase matches a phrase in Terraform's output, which wraps long
// diagnostic lines wherever a space was.
func expectErrorPhrase(phrase string) *regexp.Regexp {
	words := strings.Fields(phrase)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}
