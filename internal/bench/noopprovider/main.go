// Command noopprovider is the floor that make bench measures the costlink
// provider against: a terraform-plugin-framework provider whose
// noop_aws_connection has the schema shape of costlink_aws_connection and
// whose Create, Read, Update and Delete call nothing, so what it costs is
// what Terraform and the framework cost.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return noopProvider{} }, providerserver.ServeOpts{
		Address: "registry.terraform.io/costlink/noop",
	})
	if err != nil {
		log.Fatal(err)
	}
}

// noopProvider has no configuration and one resource.
type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return connectionResource{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
