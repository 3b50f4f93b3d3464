# The management (payer) account comes first: it carries the billing export.
resource "costlink_aws_connection" "payer" {
  name           = "payer"
  type           = "billing"
  role_arn       = "arn:aws:iam::111111111111:role/costlink/costlink-billing-access"
  billing_bucket = "acme-billing-export"
}

# Then any number of member accounts. Apply waits until the platform can use
# the role (health "healthy"), or fails with what to change.
resource "costlink_aws_connection" "prod" {
  name     = "prod-payments"
  role_arn = costlink_aws_role.prod.arn
  regions  = ["us-east-1", "eu-south-1"]

  timeouts {
    create = "15m"
  }

  depends_on = [costlink_aws_connection.payer, costlink_aws_role_policy.prod]
}
