// Package rapidseed fixes the seed of the rapid property tests from the
// environment, so that CI runs are reproducible while local and long runs
// keep drawing fresh seeds.
//
// A package with property tests calls Apply from its TestMain, after
// flag.Parse. When the environment variable ATTNCLUST_RAPID_SEED holds a
// non-zero unsigned integer and the -rapid.seed flag was not given on the
// command line, that value becomes rapid's seed. Otherwise nothing changes
// (rapid then draws a random seed, or uses the flag).
package rapidseed

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

// EnvVar is the environment variable that fixes rapid's seed.
const EnvVar = "ATTNCLUST_RAPID_SEED"

// Apply sets rapid's -rapid.seed flag from EnvVar. It returns an error
// naming the variable when its value is not an unsigned integer, or when
// the rapid flag is not registered (the package does not import rapid).
// It must be called after flag.Parse.
func Apply() error {
	v, ok := os.LookupEnv(EnvVar)
	if !ok || v == "" {
		return nil
	}
	seed, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: want an unsigned integer, got %q", EnvVar, v)
	}
	if flag.Lookup("rapid.seed") == nil {
		return fmt.Errorf("%s: the rapid.seed flag is not registered (import pgregory.net/rapid)", EnvVar)
	}
	given := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rapid.seed" {
			given = true
		}
	})
	if given || seed == 0 {
		return nil
	}
	return flag.Set("rapid.seed", strconv.FormatUint(seed, 10))
}

// Main is a package's TestMain for property tests: it parses the flags,
// applies EnvVar (exit status 2 with the error on stderr when its value
// is bad) and runs the tests.
func Main(m interface{ Run() int }) {
	flag.Parse()
	if err := Apply(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
