# Or check after every change to the role's permissions: the apply that
# creates or changes the generated policy runs the check, and fails when the
# connection is unhealthy (the change itself is saved).
resource "costlink_aws_role" "staging" {
  assume_role_arn = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
}

resource "costlink_aws_role_policy" "staging" {
  role_name       = costlink_aws_role.staging.name
  assume_role_arn = costlink_aws_role.staging.assume_role_arn

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.costlink_connection_check.staging]
    }
  }
}

resource "costlink_aws_connection" "staging" {
  name     = "staging"
  role_arn = costlink_aws_role.staging.arn
  regions  = ["us-east-1"]

  depends_on = [costlink_aws_connection.payer, costlink_aws_role_policy.staging]
}
