package server

import "net/http"

// healthz tells a load balancer or test harness that the process serves requests.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
