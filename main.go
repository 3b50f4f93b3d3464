// Command terraform-provider-costlink is the costlink Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/costlink/terraform-provider-costlink/internal/buildinfo"
	"github.com/costlink/terraform-provider-costlink/internal/provider"
)

// version is set by the release build with -ldflags "-X main.version=...";
// a build without it reports the module version go install recorded.
var version = buildinfo.DevVersion

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(buildinfo.Read(version, "").Version), providerserver.ServeOpts{
		Address: "registry.terraform.io/costlink/costlink",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
