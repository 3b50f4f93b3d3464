//go:build generate

// Package tools pins the documentation generator in a module of its own, so
// its dependencies stay out of the provider's go.mod.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Generate docs/ from the provider schema, templates/ and examples/, with the terraform on PATH.
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name costlink
