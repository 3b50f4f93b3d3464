# ASSUME_ROLE_ARN,ROLE_NAME (or ROLE_NAME in the provider's own account).
# A billing role policy cannot be imported: its documents depend on the billing bucket.
terraform import costlink_aws_role_policy.prod arn:aws:iam::222222222222:role/OrganizationAccountAccessRole,costlink-resource-access
