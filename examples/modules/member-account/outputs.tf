output "role_arn" {
  description = "ARN of the cross-account role."
  value       = costlink_aws_role.this.arn
}

output "connection_id" {
  description = "ID of the connection: list it in a costlink_connections_healthy to wait until the platform can use the role."
  value       = costlink_aws_connection.this.id
}

output "health_status" {
  description = "Health of the connection when Terraform last read it or waited for it (pending right after it is created without waiting): healthy when the platform can use the role."
  value       = costlink_aws_connection.this.health_status
}
