package rapidseed

import (
	"flag"
	"testing"

	_ "pgregory.net/rapid" // registers -rapid.seed
)

func TestApply(t *testing.T) {
	f := flag.Lookup("rapid.seed")
	orig := f.Value.String()
	t.Cleanup(func() { _ = f.Value.Set(orig) })
	tests := []struct {
		name, env, want string
		wantErr         bool
	}{
		{"unset leaves the seed", "", orig, false},
		{"fixed seed", "12345", "12345", false},
		{"zero means random", "0", orig, false},
		{"not a number", "abc", orig, true},
		{"negative", "-3", orig, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_ = f.Value.Set(orig)
			t.Setenv(EnvVar, tc.env)
			err := Apply()
			if (err != nil) != tc.wantErr {
				t.Fatalf("Apply() error = %v, want error %v", err, tc.wantErr)
			}
			if got := f.Value.String(); got != tc.want {
				t.Errorf("rapid.seed = %s, want %s", got, tc.want)
			}
		})
	}
}
