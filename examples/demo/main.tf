# The stack `make demo` applies: the payer account's billing connection and
# two member accounts, each with its role, generated policy and connection,
# all through one provider configuration, and one wait until every
# connection is healthy. The API and AWS endpoints come
# from the environment the demo script sets (COSTLINK_API_URL,
# COSTLINK_API_KEY, AWS_ENDPOINT_URL and credentials for the emulator).

terraform {
  required_version = ">= 1.8"
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}

provider "costlink" {}

variable "payer_account_id" {
  description = "The management (payer) account."
  type        = string
  default     = "111111111111"
}

variable "member_accounts" {
  description = "Member accounts to connect: account name => account ID."
  type        = map(string)
  default = {
    "Demo Prod"    = "222222222222"
    "Demo Staging" = "333333333333"
  }
}

locals {
  payer_access = "arn:aws:iam::${var.payer_account_id}:role/OrganizationAccountAccessRole"
}

resource "costlink_aws_role" "payer" {
  name            = "costlink-billing-access"
  assume_role_arn = local.payer_access
}

resource "costlink_aws_role_policy" "payer" {
  role_name       = costlink_aws_role.payer.name
  type            = "billing"
  billing_bucket  = "demo-billing-export"
  assume_role_arn = local.payer_access
}

resource "costlink_aws_connection" "payer" {
  name           = "payer"
  type           = "billing"
  role_arn       = costlink_aws_role.payer.arn
  billing_bucket = "demo-billing-export"

  wait_for_healthy = false # costlink_connections_healthy.all waits for it

  depends_on = [costlink_aws_role_policy.payer]
}

module "member" {
  source   = "../modules/member-account"
  for_each = var.member_accounts

  name       = provider::costlink::connection_name(each.key)
  account_id = each.value
  regions    = ["us-east-1", "eu-south-1"]

  depends_on = [costlink_aws_connection.payer]
}

resource "costlink_connections_healthy" "all" {
  ids = concat([costlink_aws_connection.payer.id], [for m in module.member : m.connection_id])
}

data "costlink_connections" "all" {
  depends_on = [costlink_connections_healthy.all]
}

output "connections" {
  description = "Every connection with its account and health."
  value = join("\n", concat(
    [format("%-16s %-14s %-10s %s", "NAME", "ACCOUNT", "TYPE", "HEALTH")],
    [for c in data.costlink_connections.all.connections : format("%-16s %-14s %-10s %s", c.name, c.account_id, c.type, c.health_status)],
  ))
}

output "member_health" {
  description = "Health of each member account's connection, as the wait for every connection ended."
  value       = { for name, m in module.member : name => costlink_connections_healthy.all.statuses[m.connection_id] }
}
