import {
  to = costlink_aws_role.prod
  id = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole,costlink-resource-access"
}
