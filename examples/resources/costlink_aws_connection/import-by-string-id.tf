import {
  to = costlink_aws_connection.prod
  id = "account:222222222222"
}
