package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// addView is the add-connection page: the platform guide's steps, the
// form, and what the last submit got wrong, by field.
type addView struct {
	Name, RoleARN, Regions string
	AccountID              string            // from RoleARN, once it parses
	Errors                 map[string]string // by field name; "" for the form as a whole
	NameRule               string
	Policy                 policy // with the external ID and the trusted principal
	NeedsBilling           bool   // the organization has no billing connection yet
	Snippet                string
	IdempotencyKey         string // new for each form shown: a second submit of it creates nothing more
}

func (c *console) addPage(w http.ResponseWriter, r *http.Request, s *Session) {
	c.renderAdd(w, r, s, http.StatusOK, addForm{}, nil)
}

// addForm is what the user typed, and the form's idempotency key.
type addForm struct {
	Name, RoleARN, Regions string
	IdempotencyKey         string
}

func readAddForm(r *http.Request) addForm {
	return addForm{
		Name:           r.PostFormValue("name"),
		RoleARN:        strings.TrimSpace(r.PostFormValue("role_arn")),
		Regions:        r.PostFormValue("regions"),
		IdempotencyKey: r.PostFormValue("idempotency_key"),
	}
}

// regions splits the regions field at commas and spaces.
func (f addForm) regions() []string {
	return strings.FieldsFunc(f.Regions, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// addConnection registers the connection through the API. The name is
// checked here first, with the rule the API applies, so a bad name is
// reported beside its field and nothing is sent; everything else is the
// API's to judge.
func (c *console) addConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	form := readAddForm(r)
	if err := validate.ConnectionName(form.Name); err != nil {
		c.renderAdd(w, r, s, http.StatusUnprocessableEntity, form, map[string]string{"name": err.Error()})
		return
	}
	// A form sent twice (a double click, a resend after a lost answer)
	// gets the connection the first one created, not a conflict.
	var header http.Header
	if form.IdempotencyKey != "" {
		header = http.Header{"Idempotency-Key": {form.IdempotencyKey}}
	}
	var created connection
	err := c.api.send(r.Context(), r, s.APIKey, http.MethodPost, apiConnections, header,
		createRequest{Name: form.Name, RoleARN: form.RoleARN, Regions: form.regions()}, &created)
	if err != nil {
		c.renderAdd(w, r, s, statusOf(err), form, fieldErrors(err, "name", "role_arn", "regions"))
		return
	}
	c.redirectWithFlash(w, r, s, connectionsPath,
		fmt.Sprintf("Added %s (account %s). Its health is pending until the first check.", created.Name, created.AccountID))
}

// renderAdd shows the add page with the organization's values, its
// generated policy, and the form as submitted with errs beside its fields.
func (c *console) renderAdd(w http.ResponseWriter, r *http.Request, s *Session, status int, form addForm, errs map[string]string) {
	view := addView{
		Name: form.Name, RoleARN: form.RoleARN, Regions: form.Regions, Errors: errs,
		NameRule: validate.ConnectionNameRule,
		// A form shown again after a refusal is a new request: its
		// corrected values must not replay the refused one's key.
		IdempotencyKey: randomToken(),
	}
	if arn, err := validate.ParseRoleARN(form.RoleARN); err == nil {
		view.AccountID = arn.AccountID
	}
	ctx := r.Context()
	var billing connectionList
	err := c.api.call(ctx, r, s.APIKey, http.MethodGet, apiPolicy+"?type="+validate.TypeResource, nil, &view.Policy)
	if err == nil {
		q := url.Values{"type": {validate.TypeBilling}, "limit": {"1"}}
		err = c.api.call(ctx, r, s.APIKey, http.MethodGet, apiConnections+"?"+q.Encode(), nil, &billing)
	}
	if err != nil {
		c.renderError(w, r, s, statusOf(err), fieldErrors(err)[""])
		return
	}
	view.Policy.TrustPolicy = indentJSON(view.Policy.TrustPolicy)
	for i, doc := range view.Policy.Documents {
		view.Policy.Documents[i].JSON = indentJSON(doc.JSON)
	}
	view.NeedsBilling = len(billing.Connections) == 0
	view.Snippet, err = terraformSnippet(snippetValuesFrom(c.serviceURL(r), form))
	if err != nil {
		c.renderError(w, r, s, http.StatusInternalServerError, "The Terraform snippet could not be written: "+err.Error())
		return
	}
	c.render(w, r, s, status, "add", "Add a connection", view)
}

// indentJSON lays a policy document out for reading; copied, it is the
// same policy. A document that does not parse is shown as sent.
func indentJSON(doc string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(doc), "", "  ") != nil {
		return doc
	}
	return b.String()
}
