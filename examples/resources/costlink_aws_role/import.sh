# In the account of the provider's own credentials
terraform import costlink_aws_role.prod costlink-resource-access

# In a member account reached through a role: ASSUME_ROLE_ARN,ROLE_NAME
terraform import costlink_aws_role.prod arn:aws:iam::222222222222:role/OrganizationAccountAccessRole,costlink-resource-access
