package server

import (
	"net/http"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// connectionsPath is where connections live; a connection's URL adds its ID.
const connectionsPath = "/v1/aws/connections"

type listResponse struct {
	Connections []connectionJSON `json:"connections"`
	NextCursor  string           `json:"next_cursor"`
}

func (s *server) listConnections(w http.ResponseWriter, r *http.Request) error {
	opts, err := listOptions(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.store.ListConnections(r.Context(), orgID(r), opts)
	if err != nil {
		return err
	}
	resp := listResponse{Connections: make([]connectionJSON, len(page.Connections)), NextCursor: encodeCursor(page.Next)}
	for i, c := range page.Connections {
		resp.Connections[i] = toJSON(c)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *server) createConnection(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := req.connection()
	if err != nil {
		return err
	}
	c.OrgID = orgID(r)
	idem, err := idempotency(r, c)
	if err != nil {
		return err
	}
	created, err := s.store.CreateConnection(r.Context(), c, idem)
	if err != nil {
		return err
	}
	if created.Replayed {
		// The connection the key created, as it is now: the client that
		// lost the first response adopts the record, not a stale copy.
		w.Header().Set("Idempotent-Replayed", "true")
		writeConnection(w, http.StatusCreated, created.Connection)
		return nil
	}
	writeConnection(w, http.StatusCreated, created.Connection)
	s.checkSoon(created.Connection)
	return nil
}

func (s *server) getConnection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.Connection(r.Context(), orgID(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeConnection(w, http.StatusOK, c)
	return nil
}

func (s *server) updateConnection(w http.ResponseWriter, r *http.Request) error {
	var req patchRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	// The precondition is checked inside the update's transaction, against
	// the version about to be changed.
	c, err := s.store.UpdateConnection(r.Context(), orgID(r), r.PathValue("id"), func(c *store.Connection) error {
		if err := checkIfMatch(r, c.Version); err != nil {
			return err
		}
		return req.apply(c)
	})
	if err != nil {
		return err
	}
	writeConnection(w, http.StatusOK, c)
	if c.Health.Status == store.HealthPending {
		s.checkSoon(c) // a new role, regions or bucket
	}
	return nil
}

func (s *server) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteConnection(r.Context(), orgID(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func writeConnection(w http.ResponseWriter, status int, c store.Connection) {
	writeConnectionBody(w, status, c.ID, c.Version, renderConnection(c))
}

// writeConnectionBody sends a rendered connection with its ETag, and its
// Location when it was just created.
func writeConnectionBody(w http.ResponseWriter, status int, id string, version int64, body []byte) {
	w.Header().Set("ETag", etag(version))
	if status == http.StatusCreated {
		w.Header().Set("Location", connectionsPath+"/"+id)
	}
	writeBody(w, status, body)
}
