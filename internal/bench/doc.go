// Package bench is make bench: the costlink provider driven by the real
// Terraform CLI at 100 and 1,000 connections, side by side with a no-op
// framework provider of the same schema shape (noopprovider) and
// terraform_data, measured in the same run and reported as ratios. Its
// test runs only when COSTLINK_BENCH is set, so go test ./... stays fast.
package bench
