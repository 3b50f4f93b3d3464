# The cross-account role in a member account, reached through the role
# AWS Organizations creates in every account it vends.
resource "costlink_aws_role" "prod" {
  assume_role_arn = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"

  tags = {
    managed-by = "terraform"
  }
}
