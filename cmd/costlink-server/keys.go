package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// maxKeyLifetime bounds --expires-in: a key meant to live longer should not
// expire at all, which is the default.
const maxKeyLifetime = 365 * 24 * time.Hour

// keys runs a keys subcommand.
func keys(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageError(stderr, "keys needs a subcommand: create, list or revoke")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "create":
		return keysCreate(rest, stdout, stderr)
	case "list":
		return keysList(rest, stdout, stderr)
	case "revoke":
		return keysRevoke(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		return usageError(stderr, fmt.Sprintf("unknown keys subcommand %q: use create, list or revoke", sub))
	}
}

// keysCreate creates an API key for an organization, creating the
// organization first if needed, and prints only the key on stdout so that
// scripts can capture it: export COSTLINK_API_KEY=$(costlink-server keys create ...).
func keysCreate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keys create", stderr)
	db := dbFlag(fs)
	org := fs.String("org", "", "organization name (required); created if it does not exist")
	scopes := fs.String("scopes", strings.Join(store.Scopes, ","), "comma-separated scopes: "+strings.Join(store.Scopes, ", "))
	expiresIn := fs.String("expires-in", "", "make the key stop working after this many days or hours, e.g. 90d or 12h (at most 365d); by default it never expires")
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
	var opts []store.KeyOption
	if *expiresIn != "" {
		life, err := parseSpan(*expiresIn)
		if err == nil && life > maxKeyLifetime {
			err = fmt.Errorf("%q is longer than 365d: omit --expires-in for a key that does not expire", *expiresIn)
		}
		if err != nil {
			return flagError(fs, "--expires-in: "+err.Error())
		}
		opts = append(opts, store.WithExpiry(time.Now().Add(life)))
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
	token, key, err := st.CreateAPIKey(ctx, o.ID, scopeList, opts...)
	if err != nil {
		return failure(stderr, err)
	}
	fmt.Fprintf(stderr, "created API key %s for organization %s (%s) with scopes %s, expiring %s\n",
		key.ID, o.Name, o.ID, strings.Join(key.Scopes, ","), tableTime(key.ExpiresAt, "never"))
	fmt.Fprintln(stdout, token)
	return exitOK
}

// keysList prints the keys of one organization or all: never a key's
// secret, which the store does not have, nor its hash.
func keysList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keys list", stderr)
	db := dbFlag(fs)
	org := fs.String("org", "", "list only this organization's keys")
	asJSON := fs.Bool("json", false, jsonFlagUsage)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	list, err := st.ListAPIKeys(context.Background(), *org)
	if errors.Is(err, store.ErrNotFound) {
		return failure(stderr, fmt.Errorf("there is no organization named %q", *org))
	}
	if err != nil {
		return failure(stderr, err)
	}
	if err := keyListing(list, time.Now()).write(stdout, *asJSON); err != nil {
		return failure(stderr, err)
	}
	return exitOK
}

// keyJSON is a key in keys list --json.
type keyJSON struct {
	ID             string     `json:"id"`
	Organization   string     `json:"organization"`
	OrganizationID string     `json:"organization_id"`
	Scopes         []string   `json:"scopes"`
	CreatedAt      time.Time  `json:"created_at"`
	LastUsedAt     *time.Time `json:"last_used_at"`
	ExpiresAt      *time.Time `json:"expires_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
}

func keyListing(list []store.KeyListing, now time.Time) listing {
	l := listing{header: []string{"ID", "ORGANIZATION", "SCOPES", "CREATED", "LAST USED", "EXPIRES", "REVOKED"}}
	out := make([]keyJSON, len(list))
	for i, k := range list {
		expires := tableTime(k.ExpiresAt, "never")
		if !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) {
			expires += " (expired)"
		}
		l.rows = append(l.rows, []string{k.ID, k.OrgName, strings.Join(k.Scopes, ","), tableTime(k.CreatedAt, ""),
			tableTime(k.LastUsedAt, "never"), expires, tableTime(k.RevokedAt, "-")})
		out[i] = keyJSON{ID: k.ID, Organization: k.OrgName, OrganizationID: k.OrgID, Scopes: k.Scopes, CreatedAt: k.CreatedAt,
			LastUsedAt: jsonTime(k.LastUsedAt), ExpiresAt: jsonTime(k.ExpiresAt), RevokedAt: jsonTime(k.RevokedAt)}
	}
	l.json = out
	return l
}

// keysRevoke revokes a key; the service refuses it from its next request
// on, as it reads keys from the database on every request.
func keysRevoke(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keys revoke", stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: costlink-server keys revoke [flags] ID\n")
		fs.PrintDefaults()
	}
	db := dbFlag(fs)
	id, code, ok := oneArgument(fs, args, "the ID of the key to revoke (see keys list)")
	if !ok {
		return code
	}
	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	key, already, err := st.RevokeAPIKey(context.Background(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return failure(stderr, fmt.Errorf("there is no API key with ID %q: see costlink-server keys list", id))
	case err != nil:
		return failure(stderr, err)
	case already:
		fmt.Fprintf(stdout, "API key %s of organization %s was already revoked at %s\n", key.ID, key.OrgName, tableTime(key.RevokedAt, ""))
	default:
		fmt.Fprintf(stdout, "revoked API key %s of organization %s at %s: requests with it now answer 401\n", key.ID, key.OrgName, tableTime(key.RevokedAt, ""))
	}
	return exitOK
}

// oneArgument parses args into fs around exactly one positional argument,
// given before or after the flags, and returns it. When ok is false the
// command must stop and exit with code.
func oneArgument(fs *flag.FlagSet, args []string, what string) (arg string, code int, ok bool) {
	// The flag package stops at the first argument: parse what follows it too.
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		arg = fs.Arg(0)
		err = fs.Parse(fs.Args()[1:])
	}
	if code, ok := flagsParsed(fs, err); !ok {
		return "", code, false
	}
	if arg == "" {
		return "", flagError(fs, "give "+what), false
	}
	return arg, exitOK, true
}
