package bench

import (
	"context"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
)

// healthyProber answers every health check healthy at once. The service
// checks what it runs on its own machine in production; on the bench's two
// cores, checks against moto would compete with the Terraform runs they
// follow. AWS's share is measured by onboarding, with the real checker.
type healthyProber struct{}

func (healthyProber) Check(_ context.Context, t health.Target) health.Result {
	return health.Result{Healthy: true, CheckedAt: time.Now().UTC(), PolicyVersion: t.Policy.Version}
}
