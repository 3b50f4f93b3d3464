package main

import (
	"context"
	"fmt"
	"io"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// migrate brings the database schema up to date; store.Open applies the
// migrations, so this opens the database and reports the version.
func migrate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("migrate", stderr)
	db := dbFlag(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	v, err := st.SchemaVersion(context.Background())
	if err != nil {
		return failure(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: schema at version %d\n", store.Describe(*db), v)
	return exitOK
}
