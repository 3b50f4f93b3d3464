output "payer" {
  description = "The management (payer) account's billing connection: role ARN, connection ID and health."
  value = {
    account_id    = costlink_aws_connection.payer.account_id
    role_arn      = costlink_aws_role.payer.arn
    connection_id = costlink_aws_connection.payer.id
    health_status = try(costlink_connections_healthy.all[0].statuses[costlink_aws_connection.payer.id], costlink_aws_connection.payer.health_status)
  }
}

output "role_arns" {
  description = "ARN of the cross-account role, by member account name."
  value       = { for name, m in module.member : name => m.role_arn }
}

output "connection_ids" {
  description = "ID of the connection, by member account name."
  value       = { for name, m in module.member : name => m.connection_id }
}

output "health" {
  description = "Health of each member account's connection after apply (healthy, pending or unhealthy), by account name: as the one wait for every connection ended, or as Terraform last read it when wait_for_healthy is false. The no_unhealthy_connections check says why an account is not healthy."
  value       = { for name, m in module.member : name => try(costlink_connections_healthy.all[0].statuses[m.connection_id], m.health_status) }
}
