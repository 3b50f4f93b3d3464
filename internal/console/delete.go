package console

import (
	"fmt"
	"net/http"
	"net/url"
)

// deleteView is the confirmation page of a delete.
type deleteView struct {
	Connection connection
}

// deletePage asks to confirm a delete: a page of its own, so deleting
// needs no script and never happens on one click.
func (c *console) deletePage(w http.ResponseWriter, r *http.Request, s *Session) {
	var conn connection
	if err := c.api.call(r.Context(), r, s.APIKey, http.MethodGet, connectionURL(r), nil, &conn); err != nil {
		c.renderError(w, r, s, statusOf(err), fieldErrors(err)[""])
		return
	}
	c.render(w, r, s, http.StatusOK, "delete", "Delete "+conn.Name, deleteView{Connection: conn})
}

// deleteConnection removes the connection through the API.
func (c *console) deleteConnection(w http.ResponseWriter, r *http.Request, s *Session) {
	name := r.PostFormValue("name") // for the message only
	if err := c.api.call(r.Context(), r, s.APIKey, http.MethodDelete, connectionURL(r), nil, nil); err != nil {
		c.redirectWithFlash(w, r, s, connectionsPath, fmt.Sprintf("Could not delete %s: %s", name, fieldErrors(err)[""]))
		return
	}
	c.redirectWithFlash(w, r, s, connectionsPath, fmt.Sprintf("Deleted %s.", name))
}

// connectionURL is the API's URL of the connection the page's path names.
func connectionURL(r *http.Request) string {
	return fmt.Sprintf(apiConnectionFmt, url.PathEscape(r.PathValue("id")))
}
