# One wait for the whole organization: the connections register without
# waiting (wait_for_healthy = false), so none holds one of Terraform's
# parallel slots while IAM propagates, and this waits for all of them at
# once, failing with each connection's cause and fix.
resource "costlink_connections_healthy" "all" {
  ids = concat(
    [costlink_aws_connection.payer.id, costlink_aws_connection.prod.id],
    [for c in costlink_aws_connection.member : c.id],
  )

  timeouts {
    create = "15m"
  }
}

output "unhealthy_connections" {
  value = [for id, status in costlink_connections_healthy.all.statuses : id if status != "healthy"]
}
