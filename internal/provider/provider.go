// Package provider implements the costlink Terraform provider.
package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/costlink/terraform-provider-costlink/internal/awsiam"
	"github.com/costlink/terraform-provider-costlink/internal/client"
)

var (
	_ provider.ProviderWithFunctions     = &costlinkProvider{}
	_ provider.ProviderWithActions       = &costlinkProvider{}
	_ provider.ProviderWithListResources = &costlinkProvider{}
)

// New returns a constructor of the provider at the given version, as
// providerserver.Serve and the acceptance tests want it.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &costlinkProvider{version: version}
	}
}

type costlinkProvider struct {
	version string
}

type costlinkProviderModel struct {
	APIURL     types.String `tfsdk:"api_url"`
	APIKey     types.String `tfsdk:"api_key"`
	MaxRetries types.Int64  `tfsdk:"max_retries"`
	AWS        *awsModel    `tfsdk:"aws"`
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client       *client.Client
	organization *client.Organization // the API key's, read by Configure's first contact
	aws          *awsiam.Clients
	awsErr       error // why aws is nil
	policies     *policyCache
	connections  *connectionSnapshot
	// createKeys holds the Idempotency-Keys this configuration's creates
	// sent: a second resource with the same identity would otherwise be
	// handed the first one's record.
	createKeys sync.Map
}

func (p *costlinkProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "costlink"
	resp.Version = p.version
}

func (p *costlinkProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Connects AWS member accounts to the costlink cost platform: the cross-account IAM role, " +
			"its generated read-only policy and the connection record, with health checks that tell you why a connection does not work.",
		Attributes: map[string]schema.Attribute{
			"api_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the costlink connection service, for example `https://api.costlink.example`. " +
					"Falls back to the `" + client.EnvAPIURL + "` environment variable. `http://` is accepted only for loopback addresses.",
				Optional: true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "API key of the organization. It needs the `connections:read` scope, and `connections:write` " +
					"to create, change or delete connections. Falls back to the `" + client.EnvAPIKey + "` environment variable; " +
					"prefer the environment variable so the key stays out of configuration files.",
				Optional:  true,
				Sensitive: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is retried after a rate limit (429), a server error (5xx) or a " +
					"connection error, with exponential backoff that honours `Retry-After`. Defaults to 5.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 50)},
			},
		},
		Blocks: map[string]schema.Block{
			"aws": awsBlockSchema(),
		},
	}
}

func (p *costlinkProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config costlinkProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for attr, value := range map[string]types.String{"api_url": config.APIURL, "api_key": config.APIKey} {
		if value.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Unknown "+attr,
				"The provider cannot be configured with a value that is only known after apply. "+
					"Set "+attr+" to a known value, or use its environment variable.")
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	cfg := client.Config{
		BaseURL:          config.APIURL.ValueString(),
		APIKey:           config.APIKey.ValueString(),
		UserAgentVersion: p.version,
	}
	if !config.MaxRetries.IsNull() {
		cfg.MaxRetries = new(int(config.MaxRetries.ValueInt64()))
	}
	c, err := client.New(cfg)
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the costlink provider", err.Error())
		return
	}
	tflog.Debug(ctx, "configured costlink API client", map[string]any{"api_url": c.BaseURL()})
	org := checkServiceAccess(ctx, c, cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// An AWS configuration that does not load (a missing profile, say) fails
	// only the resources that need AWS, not configurations that manage
	// connections alone.
	awsClients, awsErr := awsiam.NewClients(ctx, config.AWS.awsConfig("terraform-provider-costlink/"+p.version+" terraform/"+req.TerraformVersion))

	data := &providerData{client: c, organization: org, aws: awsClients, awsErr: awsErr, policies: newPolicyCache(c), connections: newConnectionSnapshot(c)}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

func (p *costlinkProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewAWSConnectionResource,
		NewAWSRoleResource,
		NewAWSRolePolicyResource,
		NewConnectionsHealthyResource,
	}
}

func (p *costlinkProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAWSPolicyDataSource,
		NewConnectionHealthDataSource,
		NewConnectionsDataSource,
	}
}

func (p *costlinkProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewAWSConnectionListResource, NewAWSRoleListResource}
}

func (p *costlinkProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{NewConnectionNameFunction}
}

func (p *costlinkProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewConnectionCheckAction}
}

// configuredData unpacks what Configure handed to a resource or data source.
// It is nil before the provider is configured (validation runs that early).
func configuredData(configured any, diags *diag.Diagnostics) *providerData {
	if configured == nil {
		return nil
	}
	data, ok := configured.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider: please report it.", configured))
		return nil
	}
	return data
}
