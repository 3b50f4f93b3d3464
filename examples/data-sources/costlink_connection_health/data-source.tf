# Red or green, and why, as the latest check found it: fail the plan's
# checks when the platform cannot use the role. To run a check now, invoke
# the costlink_connection_check action.
data "costlink_connection_health" "prod" {
  name = "prod-payments"
}

check "prod_connection_is_healthy" {
  assert {
    condition = data.costlink_connection_health.prod.healthy
    error_message = join("\n", [
      for d in data.costlink_connection_health.prod.details : "${d.code}: ${d.message} Fix: ${d.remediation}"
    ])
  }
}
