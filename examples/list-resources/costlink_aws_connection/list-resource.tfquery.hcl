# Every connection of the organization, with the state an import reads:
# terraform query -generate-config-out=connections.tf writes a resource and
# an import block for each.
list "costlink_aws_connection" "organization" {
  provider         = costlink
  include_resource = true
  limit            = 1000 # Terraform lists 100 unless told otherwise
}

# The production connections of two accounts that are not healthy.
list "costlink_aws_connection" "prod_unhealthy" {
  provider = costlink

  config {
    name_prefix   = "prod-"
    account_ids   = ["222222222222", "333333333333"]
    type          = "resource"
    health_status = "unhealthy"
  }
}
