variable "payer_account_id" {
  description = "ID of the management (payer) account of the AWS Organization (12 digits). The billing role must end up in it."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.payer_account_id))
    error_message = "payer_account_id must be exactly 12 digits, for example 111111111111."
  }
}

variable "payer_assume_role_arn" {
  description = "Role to assume to reach the payer account. Leave null when Terraform runs with the management account's own credentials (AWS Organizations does not create OrganizationAccountAccessRole there)."
  type        = string
  default     = null

  validation {
    condition     = var.payer_assume_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.payer_assume_role_arn))
    error_message = "payer_assume_role_arn must be an IAM role ARN, for example arn:aws:iam::111111111111:role/costlink-onboarding."
  }
}

variable "payer_connection_name" {
  description = "Name of the billing connection: lowercase letters, digits and dashes."
  type        = string
  default     = "payer"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.payer_connection_name))
    error_message = "payer_connection_name must be lowercase letters, digits and dashes, start and end with a letter or digit, and be at most 63 characters."
  }
}

variable "billing_bucket" {
  description = "S3 bucket in the payer account that receives the billing export (Cost and Usage Report or Data Exports)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.billing_bucket)) && !strcontains(var.billing_bucket, "..")
    error_message = "billing_bucket must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit."
  }
}

variable "accounts" {
  description = "Member accounts to connect: account name => account ID. Names become connection names through provider::costlink::connection_name (\"Prod Payments\" => \"prod-payments\"), so they must stay distinct after that."
  type        = map(string)

  validation {
    condition     = alltrue([for id in values(var.accounts) : can(regex("^[0-9]{12}$", id))])
    error_message = "Every account ID in accounts must be exactly 12 digits, for example { \"Prod Payments\" = \"222222222222\" }."
  }

  validation {
    condition     = length(distinct(values(var.accounts))) == length(var.accounts)
    error_message = "An account ID appears more than once in accounts: each account gets one resource connection."
  }
}

variable "member_access_role_name" {
  description = "Role in every member account that the management account may assume: OrganizationAccountAccessRole for accounts AWS Organizations vends, AWSControlTowerExecution under Control Tower."
  type        = string
  default     = "OrganizationAccountAccessRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.member_access_role_name))
    error_message = "member_access_role_name must be an IAM role name: 1 to 64 letters, digits and +=,.@_- characters."
  }
}

variable "regions" {
  description = "Regions the connections cover, for example [\"us-east-1\", \"eu-south-1\"]. Regions whose STS is not active by default (ap-east-1, eu-south-1, ...) must be activated in every account first; health names any that are not."
  type        = set(string)
  default     = ["us-east-1"]

  validation {
    condition     = alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$", r))])
    error_message = "Every entry of regions must be an AWS region name such as us-east-1, eu-south-1 or ap-east-1."
  }
}

variable "wait_for_healthy" {
  description = "Whether apply waits until the platform can use every role (about five minutes of IAM propagation), once for the whole organization with costlink_connections_healthy. With false the apply ends as soon as the connections are registered; the no_unhealthy_connections check still reports, at the next plan, any account that is not green."
  type        = bool
  default     = true
}
