# Red or green, and why: run a check now and fail the plan's checks when the
# platform cannot use the role.
data "costlink_connection_health" "prod" {
  name    = "prod-payments"
  refresh = true
}

check "prod_connection_is_healthy" {
  assert {
    condition = data.costlink_connection_health.prod.healthy
    error_message = join("\n", [
      for d in data.costlink_connection_health.prod.details : "${d.code}: ${d.message} Fix: ${d.remediation}"
    ])
  }
}
