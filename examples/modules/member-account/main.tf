# One member account connected to costlink: the cross-account role, its
# generated read-only policy, and the connection record. The connection does
# not wait for health by default: the caller waits for every account at once
# with costlink_connections_healthy over connection_id.

locals {
  assume_role_arn = coalesce(var.assume_role_arn, "arn:aws:iam::${var.account_id}:role/OrganizationAccountAccessRole")
}

resource "costlink_aws_role" "this" {
  name            = var.role_name
  assume_role_arn = local.assume_role_arn
}

resource "costlink_aws_role_policy" "this" {
  role_name       = costlink_aws_role.this.name
  assume_role_arn = local.assume_role_arn
}

resource "costlink_aws_connection" "this" {
  name             = var.name
  role_arn         = costlink_aws_role.this.arn
  regions          = var.regions
  wait_for_healthy = var.wait_for_healthy
  # When the platform cannot use the role, the provider reads it through this
  # role to say why instead of waiting.
  assume_role_arn = local.assume_role_arn

  # The permissions must be on the role before the platform checks it.
  depends_on = [costlink_aws_role_policy.this]
}
