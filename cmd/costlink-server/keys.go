package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// keysCreate creates an API key for an organization, creating the
// organization first if needed, and prints only the key on stdout so that
// scripts can capture it: export COSTLINK_API_KEY=$(costlink-server keys create ...).
func keysCreate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keys create", stderr)
	db := dbFlag(fs)
	org := fs.String("org", "", "organization name (required); created if it does not exist")
	scopes := fs.String("scopes", strings.Join(store.Scopes, ","), "comma-separated scopes: "+strings.Join(store.Scopes, ", "))
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *org == "" {
		return flagError(fs, "--org NAME is required")
	}
	scopeList := strings.Split(*scopes, ",")
	for i := range scopeList {
		scopeList[i] = strings.TrimSpace(scopeList[i])
	}
	if err := store.CheckScopes(scopeList); err != nil {
		return flagError(fs, "--scopes: "+err.Error())
	}

	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	ctx := context.Background()
	o, err := st.EnsureOrganization(ctx, *org)
	if err != nil {
		return failure(stderr, err)
	}
	token, key, err := st.CreateAPIKey(ctx, o.ID, scopeList)
	if err != nil {
		return failure(stderr, err)
	}
	fmt.Fprintf(stderr, "created API key %s for organization %s (%s) with scopes %s\n", key.ID, o.Name, o.ID, strings.Join(key.Scopes, ","))
	fmt.Fprintln(stdout, token)
	return exitOK
}
