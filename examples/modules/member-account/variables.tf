variable "name" {
  description = "Connection name: lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters. provider::costlink::connection_name() makes one from any account name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be lowercase letters, digits and dashes, start and end with a letter or digit, and be at most 63 characters: wrap it in provider::costlink::connection_name()."
  }
}

variable "account_id" {
  description = "ID of the member account (12 digits)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be exactly 12 digits."
  }
}

variable "assume_role_arn" {
  description = "Role the provider assumes to reach the account. Defaults to the OrganizationAccountAccessRole that AWS Organizations creates in every account it vends."
  type        = string
  default     = null
}

variable "regions" {
  description = "Regions the connection covers. Regions such as ap-east-1 and eu-south-1 need STS activated in the account first."
  type        = set(string)
  default     = []
}

variable "role_name" {
  description = "Name of the cross-account role the module creates."
  type        = string
  default     = "costlink-resource-access"
}

variable "wait_for_healthy" {
  description = "Whether this connection's apply waits until the platform can use the role. Off by default: each waiting connection holds one of Terraform's parallel slots for the minutes IAM takes to propagate, so wait for many accounts at once with costlink_connections_healthy over the module's connection_id outputs instead. Turn it on for one account to have the provider read its role and say why the platform is refused."
  type        = bool
  default     = false
}
