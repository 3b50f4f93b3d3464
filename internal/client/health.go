package client

import (
	"context"
	"net/http"
	"time"
)

// Health statuses.
const (
	HealthPending   = "pending"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// Health is the outcome of a connection's latest health check.
type Health struct {
	Status        string         `json:"status"`          // HealthPending until the first check of the current role
	CheckedAt     *time.Time     `json:"checked_at"`      // nil before the first check
	LastHealthyAt *time.Time     `json:"last_healthy_at"` // nil when never healthy
	PolicyVersion string         `json:"policy_version"`
	Details       []HealthDetail `json:"details"`
}

// HealthDetail is one reason a connection is unhealthy.
type HealthDetail struct {
	Code        string `json:"code"` // e.g. assume_role_denied, policy_missing
	Message     string `json:"message"`
	Remediation string `json:"remediation"` // what to change
}

// GetHealth returns the connection's health as last checked.
func (c *Client) GetHealth(ctx context.Context, id string) (*Health, error) {
	return c.health(ctx, http.MethodGet, id, "/health")
}

// CheckHealth runs a health check of the connection now and returns it.
func (c *Client) CheckHealth(ctx context.Context, id string) (*Health, error) {
	return c.health(ctx, http.MethodPost, id, "/health/check")
}

func (c *Client) health(ctx context.Context, method, id, suffix string) (*Health, error) {
	path, err := connectionPath(id)
	if err != nil {
		return nil, err
	}
	var h Health
	if _, err := c.do(ctx, request{method: method, path: path + suffix}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}
