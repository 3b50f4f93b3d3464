package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

var _ function.Function = &connectionNameFunction{}

// NewConnectionNameFunction returns the connection_name provider function.
func NewConnectionNameFunction() function.Function {
	return &connectionNameFunction{}
}

type connectionNameFunction struct{}

func (f *connectionNameFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "connection_name"
}

func (f *connectionNameFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Turns any name, such as an AWS account name, into a valid connection name",
		MarkdownDescription: "Turns any name, such as an AWS account name, into a valid connection name " +
			"(" + validate.ConnectionNameRule + "), for the `name` of `costlink_aws_connection`.\n\n" +
			"ASCII letters are lowercased; spaces, periods, underscores and every other run of characters outside " +
			"`a-z`, `0-9` and `-` become one dash; runs of dashes collapse into one; leading and trailing dashes are " +
			"removed; the result is cut to 63 characters without leaving a dash at the end. For example " +
			"`\"Prod.Payments EU\"` becomes `\"prod-payments-eu\"`.\n\n" +
			"Non-ASCII letters are not transliterated: they are treated like any other disallowed character, so " +
			"`\"Zürich\"` becomes `\"z-rich\"`. The function fails when nothing usable remains, for example for " +
			"`\"\"`, `\"...\"` or a name written only in non-Latin script.\n\n" +
			"Different inputs can give the same result (`\"Prod EU\"` and `\"prod_eu\"` both give `\"prod-eu\"`), " +
			"and connection names are unique in an organization: with `for_each` over many accounts, make sure the " +
			"results stay distinct, for example by appending the account ID.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "name",
				MarkdownDescription: "Any text to derive the connection name from, for example an AWS account name " +
					"such as `\"Prod.Payments EU\"`. It must contain at least one ASCII letter or digit.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (f *connectionNameFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var name string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &name))
	if resp.Error != nil {
		return
	}
	result, err := validate.ToConnectionName(name)
	if err != nil {
		resp.Error = function.ConcatFuncErrors(resp.Error, function.NewArgumentFuncError(0, err.Error()))
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, result))
}
