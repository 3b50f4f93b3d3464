package server

import "net/http"

// organizationJSON is the caller's organization on the wire: what a
// customer's role must trust and require.
type organizationJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ExternalID   string   `json:"external_id"`
	PrincipalARN string   `json:"principal_arn"`
	Scopes       []string `json:"scopes"` // of the API key that asks: what it may do
}

func (s *server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	org, err := s.store.Organization(r.Context(), orgID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, organizationJSON{ID: org.ID, Name: org.Name, ExternalID: org.ExternalID,
		PrincipalARN: s.principalARN, Scopes: info(r).key.Scopes})
	return nil
}
