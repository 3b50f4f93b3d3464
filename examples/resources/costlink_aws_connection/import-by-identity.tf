import {
  to       = costlink_aws_connection.prod
  identity = { id = "conn_0123456789abcdefghij" }
}
