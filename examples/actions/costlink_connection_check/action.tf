# Check a connection now, for example in a CI job:
#
#   terraform apply -invoke=action.costlink_connection_check.staging
#
# It prints the health the check found and fails (exit code 1) with each
# reason and its fix when the platform cannot use the role.
action "costlink_connection_check" "staging" {
  config {
    id = costlink_aws_connection.staging.id
  }
}
