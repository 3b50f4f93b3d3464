package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// healthTimeoutsBlock is the timeouts block of a resource whose create and
// update wait for health. createWait and updateWait say what each timeout
// bounds; the library has no option for the block's own description, so it is
// set on the block it returns.
func healthTimeoutsBlock(ctx context.Context, createWait, updateWait string) schema.Block {
	format := fmt.Sprintf(" A duration such as `\"30s\"`, `\"15m\"` or `\"1h\"`; %.0f minutes by default.", defaultHealthTimeout.Minutes())
	block := timeouts.Block(ctx, timeouts.Opts{
		Create:            true,
		Update:            true,
		CreateDescription: createWait + format,
		UpdateDescription: updateWait + format,
	}).(schema.SingleNestedBlock) // what v0.7.0 returns; TestSchemaDescriptions would panic if that changed
	block.MarkdownDescription = "How long create and update wait for health before the apply fails."
	return block
}
