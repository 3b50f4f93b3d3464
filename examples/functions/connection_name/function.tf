# "Prod.Payments EU" becomes "prod-payments-eu".
output "connection_name" {
  value = provider::costlink::connection_name("Prod.Payments EU")
}

# Name one connection per member account after the account's name.
resource "costlink_aws_connection" "member" {
  for_each = var.accounts # account ID => { name = "...", role_arn = "..." }

  name     = provider::costlink::connection_name(each.value.name)
  role_arn = each.value.role_arn
}
