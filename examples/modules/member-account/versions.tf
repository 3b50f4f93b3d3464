terraform {
  required_version = ">= 1.8"
  required_providers {
    costlink = {
      source = "costlink/costlink"
    }
  }
}
