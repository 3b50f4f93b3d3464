package console

import (
	"strconv"
	"strings"
	"text/template"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// snippetTemplate is the Terraform that does what the add page does by
// hand: the role, its generated policy and the connection, as the
// provider's examples write them. Every value is an HCL string literal.
var snippetTemplate = template.Must(template.New("snippet").Funcs(template.FuncMap{"join": strings.Join}).Parse(`provider "costlink" {
  api_url = {{.APIURL}} # the API key comes from COSTLINK_API_KEY
}

# The role the platform assumes in the member account, made there through
# the role AWS Organizations creates in every account it vends. It trusts
# the platform's principal with your organization's external ID.
resource "costlink_aws_role" "member" {
  name            = {{.RoleName}}
  path            = {{.RolePath}}
  assume_role_arn = {{.AccessRoleARN}}
}

# The generated read-only permissions on the role.
resource "costlink_aws_role_policy" "member" {
  role_name       = costlink_aws_role.member.name
  assume_role_arn = costlink_aws_role.member.assume_role_arn
}

# The connection. Apply waits until the platform can use the role.
resource "costlink_aws_connection" "member" {
  name     = {{.Name}}
  role_arn = costlink_aws_role.member.arn
{{- if .Regions}}
  regions  = [{{join .Regions ", "}}]
{{- end}}

  depends_on = [costlink_aws_role_policy.member]
}
`))

// snippetValues fill the snippet, each already an HCL string literal.
type snippetValues struct {
	APIURL, RoleName, RolePath, AccessRoleARN, Name string
	Regions                                         []string
}

// Defaults of the snippet where the form gives no valid value: the role's
// as costlink_aws_role has them, and a placeholder for the account that
// Terraform refuses until it is replaced.
const (
	defaultRoleName      = "costlink-resource-access"
	defaultRolePath      = "/costlink/"
	defaultSnippetName   = "member"
	accountPlaceholder   = "MEMBER_ACCOUNT_ID"
	organizationRoleName = "OrganizationAccountAccessRole"
)

// snippetValuesFrom fills the snippet with the service's URL and what of
// the form is valid.
func snippetValuesFrom(serviceURL string, form addForm) snippetValues {
	v := snippetValues{
		APIURL: hclString(serviceURL), RoleName: hclString(defaultRoleName), RolePath: hclString(defaultRolePath),
		AccessRoleARN: hclString("arn:aws:iam::" + accountPlaceholder + ":role/" + organizationRoleName),
		Name:          hclString(defaultSnippetName),
	}
	if validate.ConnectionName(form.Name) == nil {
		v.Name = hclString(form.Name)
	}
	if arn, err := validate.ParseRoleARN(form.RoleARN); err == nil {
		v.RoleName, v.RolePath = hclString(arn.Name), hclString(arn.Path)
		v.AccessRoleARN = hclString("arn:" + arn.Partition + ":iam::" + arn.AccountID + ":role/" + organizationRoleName)
	}
	for _, region := range form.regions() {
		if validate.Region(region) == nil {
			v.Regions = append(v.Regions, hclString(region))
		}
	}
	return v
}

// terraformSnippet writes the snippet.
func terraformSnippet(v snippetValues) (string, error) {
	var b strings.Builder
	err := snippetTemplate.Execute(&b, v)
	return b.String(), err
}

// hclTemplateEscapes keeps HCL from reading ${ and %{ in a value as
// template sequences.
var hclTemplateEscapes = strings.NewReplacer("${", "$${", "%{", "%%{")

// hclString is s as an HCL quoted string. The values are printable ASCII
// (checked names, ARNs, regions and a host), whose Go quoting is HCL's.
func hclString(s string) string {
	return hclTemplateEscapes.Replace(strconv.Quote(s))
}
