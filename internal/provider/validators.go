package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// ruleValidator turns one of the rules in package validate, which the
// service enforces too, into a plan-time validator. Unknown and null values
// pass: they are checked once known.
type ruleValidator struct {
	description string
	check       func(string) error
}

var _ validator.String = ruleValidator{}

func (v ruleValidator) Description(_ context.Context) string         { return v.description }
func (v ruleValidator) MarkdownDescription(_ context.Context) string { return v.description }

func (v ruleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.description, err.Error())
	}
}

func connectionNameValidator() validator.String {
	return ruleValidator{description: "connection name", check: validate.ConnectionName}
}

func roleARNValidator() validator.String {
	return ruleValidator{description: "IAM role ARN", check: checkRoleARN}
}

func checkRoleARN(arn string) error {
	_, err := validate.ParseRoleARN(arn)
	return err
}

func regionValidator() validator.String {
	return ruleValidator{description: "AWS region", check: validate.Region}
}

func bucketNameValidator() validator.String {
	return ruleValidator{description: "S3 bucket name", check: validate.BucketName}
}

// connectionType is the configured type, or the default when unset.
func connectionType(t types.String) string {
	if t.IsNull() || t.IsUnknown() {
		return validate.TypeResource
	}
	return t.ValueString()
}

// validateBillingBucket applies the billing_bucket rule of a connection type
// once both are known.
func validateBillingBucket(connType, bucket types.String, diags *diag.Diagnostics) {
	if connType.IsUnknown() || bucket.IsUnknown() {
		return
	}
	if err := validate.BillingBucket(connectionType(connType), bucket.ValueString()); err != nil {
		diags.AddAttributeError(path.Root("billing_bucket"), "Invalid billing_bucket", err.Error())
	}
}
