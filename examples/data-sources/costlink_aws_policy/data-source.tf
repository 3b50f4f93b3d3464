# The generated trust policy and permissions, to build the role with another tool.
data "costlink_aws_policy" "resource" {}

output "trust_policy" {
  value = data.costlink_aws_policy.resource.trust_policy_json
}
