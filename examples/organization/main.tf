# Onboards a whole AWS Organization to costlink with ONE provider configuration:
# the management (payer) account's billing connection first, then every member
# account through the member-account module and for_each, then one wait for
# all of them.
#
# Run it with credentials of the management account: the billing role is made
# with them, and every member account is reached by assuming the role AWS
# Organizations creates in the accounts it vends (var.member_access_role_name).

# The connection service: COSTLINK_API_URL and COSTLINK_API_KEY (a key with the
# connections:write scope). AWS: the SDK's standard credential chain (AWS_*
# variables, profiles, SSO, web identity as in Terraform Cloud's dynamic
# credentials). Nothing here is account-specific, so one block serves every
# account below.
provider "costlink" {}

# 1. The management (payer) account: the role the platform assumes to read the
#    billing export, its generated read-only policy, and the billing connection.
#    Resource connections are refused until it exists.

resource "costlink_aws_role" "payer" {
  name            = "costlink-billing-access"
  assume_role_arn = var.payer_assume_role_arn

  lifecycle {
    # At plan, before anything is made, and without calling AWS: a role
    # assumed in another account would put the billing role, and everything
    # after it, there.
    precondition {
      condition     = var.payer_assume_role_arn == null || try(split(":", var.payer_assume_role_arn)[4], "") == var.payer_account_id
      error_message = "payer_assume_role_arn is a role in account ${try(split(":", var.payer_assume_role_arn)[4], "?")}, not in the payer account ${var.payer_account_id}: name a role in the payer account, or leave it unset to use the management account's own credentials."
    }
    # A new role's account_id is known at plan (the provider asks STS whose
    # credentials it has), so this stops the plan too when the provider's
    # own credentials are in another account than the payer's.
    postcondition {
      condition     = self.account_id == var.payer_account_id
      error_message = "The billing role would be made in account ${self.account_id}, not in the payer account ${var.payer_account_id}: run with the management account's credentials or set payer_assume_role_arn."
    }
  }
}

resource "costlink_aws_role_policy" "payer" {
  role_name       = costlink_aws_role.payer.name
  type            = "billing"
  billing_bucket  = var.billing_bucket
  assume_role_arn = var.payer_assume_role_arn
}

resource "costlink_aws_connection" "payer" {
  name             = var.payer_connection_name
  type             = "billing"
  role_arn         = costlink_aws_role.payer.arn
  billing_bucket   = var.billing_bucket
  regions          = var.regions
  wait_for_healthy = false # costlink_connections_healthy.all waits for it

  # The permissions must be on the role before the platform checks it.
  depends_on = [costlink_aws_role_policy.payer]
}

# 2. Every member account: role, generated policy and connection, named after
#    the account ("Prod Payments" becomes "prod-payments").

module "member" {
  source   = "../modules/member-account"
  for_each = var.accounts

  name            = provider::costlink::connection_name(each.key)
  account_id      = each.value
  assume_role_arn = "arn:aws:iam::${each.value}:role/${var.member_access_role_name}"
  regions         = var.regions

  depends_on = [costlink_aws_connection.payer]
}

# 3. One wait for every connection. The connections above register without
#    waiting, so none holds one of Terraform's parallel slots while IAM
#    propagates its role: the whole organization waits about one propagation
#    window (about five minutes), not accounts / parallelism windows. The
#    apply fails with each connection's cause and fix when waiting will not
#    help, and the next plan proposes to wait again while any is not healthy.

resource "costlink_connections_healthy" "all" {
  count = var.wait_for_healthy ? 1 : 0

  ids = concat([costlink_aws_connection.payer.id], [for m in module.member : m.connection_id])
}

# 4. Every plan reports each connection the platform cannot use, and why, as
#    the service last checked it. A failed check is a warning: it neither
#    stops the run nor counts as a change, so `plan -detailed-exitcode` on a
#    green organization exits 0. The data source is outside the check on
#    purpose: Terraform reads a data source scoped to a check block again
#    during apply and shows that read as a change in every plan
#    (hashicorp/terraform#35226). What an apply changes is reported by the
#    wait above.

data "costlink_connections" "unhealthy" {
  health_status = "unhealthy"
}

check "no_unhealthy_connections" {
  assert {
    condition = length(data.costlink_connections.unhealthy.connections) == 0
    error_message = join("\n", [
      for c in data.costlink_connections.unhealthy.connections :
      "${c.name} (${c.account_id}) is unhealthy: ${join(" ", [for d in c.health_details : "${d.message} Fix: ${d.remediation}"])}"
    ])
  }
}
