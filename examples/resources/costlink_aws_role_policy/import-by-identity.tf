import {
  to = costlink_aws_role_policy.prod
  identity = {
    account_id = "222222222222"
    role_name  = "costlink-resource-access"
    type       = "resource"
  }
}
