# By connection ID
terraform import costlink_aws_connection.prod conn_0123456789abcdef0123

# By connection name
terraform import costlink_aws_connection.prod prod-payments

# By account ID, with the type when the account has both a billing and a resource connection
terraform import costlink_aws_connection.prod account:222222222222
terraform import costlink_aws_connection.payer account:111111111111:billing
