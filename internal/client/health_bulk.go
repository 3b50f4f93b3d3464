package client

import (
	"context"
	"net/http"
	"slices"
)

// maxBulkCheckIDs is the most IDs one bulk check request may list.
const maxBulkCheckIDs = 1000

// RequestHealthChecks asks the service to check each listed connection soon,
// without waiting for the checks: their results appear in the connections'
// health, as ListAllConnections returns it. It returns the IDs that name no
// connection of the organization. IDs are sent 1,000 to a request.
func (c *Client) RequestHealthChecks(ctx context.Context, ids []string) (missing []string, err error) {
	missing = []string{}
	for chunk := range slices.Chunk(ids, maxBulkCheckIDs) {
		var answer struct {
			Missing []string `json:"missing"`
		}
		body := struct {
			IDs []string `json:"ids"`
		}{chunk}
		if _, err := c.do(ctx, request{method: http.MethodPost, path: connectionsPath + "/health/checks", body: body}, &answer); err != nil {
			return nil, err
		}
		missing = append(missing, answer.Missing...)
	}
	return missing, nil
}
