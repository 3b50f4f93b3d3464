terraform {
  # 1.8 is the first release with provider-defined functions
  # (provider::costlink::connection_name).
  required_version = ">= 1.8"

  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}
