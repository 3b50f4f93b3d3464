# The management (payer) account comes first: it carries the billing export.
resource "costlink_aws_connection" "payer" {
  name           = "payer"
  type           = "billing"
  role_arn       = "arn:aws:iam::111111111111:role/costlink/costlink-billing-access"
  billing_bucket = "acme-billing-export"
}

# Then any number of member accounts.
resource "costlink_aws_connection" "prod" {
  name     = "prod-payments"
  role_arn = "arn:aws:iam::222222222222:role/costlink/costlink-resource-access"
  regions  = ["us-east-1", "eu-south-1"]

  depends_on = [costlink_aws_connection.payer]
}
