provider "costlink" {
  # api_url and api_key default to COSTLINK_API_URL and COSTLINK_API_KEY.
  api_url = "https://api.costlink.example"

  # Optional: how to reach AWS. Without it the SDK's standard chain applies
  # (AWS_* variables, profiles, SSO, web identity as in Terraform Cloud).
  aws {
    region = "us-east-1"
    assume_role {
      role_arn = "arn:aws:iam::111111111111:role/costlink-onboarding"
    }
  }
}
