# The roles of a member account that the platform may assume for this
# organization, reached through the role AWS Organizations creates in every
# account it vends: an import by identity reaches the account the same way.
list "costlink_aws_role" "prod" {
  provider         = costlink
  include_resource = true

  config {
    assume_role_arn = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    path_prefix     = "/costlink/"
  }
}
