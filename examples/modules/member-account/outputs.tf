output "role_arn" {
  description = "ARN of the cross-account role."
  value       = costlink_aws_role.this.arn
}

output "connection_id" {
  description = "ID of the connection."
  value       = costlink_aws_connection.this.id
}

output "health_status" {
  description = "Health of the connection after apply: healthy when the platform can use the role."
  value       = costlink_aws_connection.this.health_status
}
