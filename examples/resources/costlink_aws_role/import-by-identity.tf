import {
  to = costlink_aws_role.prod
  identity = {
    account_id = "222222222222"
    name       = "costlink-resource-access"
  }
}
