package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestSchemaDescriptions holds every resource, data source and the provider
// to a description on each attribute and block, nested ones too, as
// Terraform serves the schema and the docs render it.
func TestSchemaDescriptions(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
	}
	undescribed(t, "provider", resp.Provider.Block)
	for name, s := range resp.ResourceSchemas {
		undescribed(t, name, s.Block)
	}
	for name, s := range resp.DataSourceSchemas {
		undescribed(t, "data."+name, s.Block)
	}
	for name, s := range resp.ListResourceSchemas {
		undescribed(t, "list."+name, s.Block)
	}
	for name, s := range resp.ActionSchemas {
		undescribed(t, "action."+name, s.Schema.Block)
	}
}

// undescribed reports each attribute and nested block of block, at path,
// that has no description.
func undescribed(t *testing.T, path string, block *tfprotov6.SchemaBlock) {
	t.Helper()
	if block.Description == "" {
		t.Errorf("%s has no description", path)
	}
	for _, a := range block.Attributes {
		undescribedAttribute(t, path+"."+a.Name, a)
	}
	for _, nested := range block.BlockTypes {
		undescribed(t, path+"."+nested.TypeName, nested.Block)
	}
}

func undescribedAttribute(t *testing.T, path string, a *tfprotov6.SchemaAttribute) {
	t.Helper()
	if a.Description == "" {
		t.Errorf("%s has no description", path)
	}
	if a.NestedType != nil {
		for _, nested := range a.NestedType.Attributes {
			undescribedAttribute(t, path+"."+nested.Name, nested)
		}
	}
}
