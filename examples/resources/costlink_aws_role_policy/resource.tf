# The generated read-only permissions on the role made by costlink_aws_role.
resource "costlink_aws_role_policy" "prod" {
  role_name       = costlink_aws_role.prod.name
  assume_role_arn = costlink_aws_role.prod.assume_role_arn
}
