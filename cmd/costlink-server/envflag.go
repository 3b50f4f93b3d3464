package main

import (
	"flag"
	"fmt"
	"os"
)

// envDefaults sets each flag of envByFlag (flag name → variable) from its
// environment variable when that is set, before the command line is parsed,
// so that the command line wins. A value the flag refuses is an error that
// names the variable.
func envDefaults(fs *flag.FlagSet, envByFlag map[string]string) error {
	for name, env := range envByFlag {
		if v := os.Getenv(env); v != "" {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("%s=%q is not a valid --%s: %w", env, v, name, err)
			}
		}
	}
	return nil
}
