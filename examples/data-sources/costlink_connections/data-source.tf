# Every member account the platform cannot use, for a dashboard or a check.
data "costlink_connections" "unhealthy" {
  type          = "resource"
  health_status = "unhealthy"
}

output "unhealthy_accounts" {
  value = {
    for c in data.costlink_connections.unhealthy.connections : c.name => [for d in c.health_details : d.code]
  }
}

check "every_account_connected" {
  assert {
    condition     = length(data.costlink_connections.unhealthy.connections) == 0
    error_message = "Unhealthy connections: ${join(", ", [for c in data.costlink_connections.unhealthy.connections : c.name])}"
  }
}
