provider "costlink" {
  # api_url and api_key default to COSTLINK_API_URL and COSTLINK_API_KEY.
  api_url = "https://api.costlink.example"
}
