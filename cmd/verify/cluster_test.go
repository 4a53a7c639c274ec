package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The files that run the suite elsewhere (GitHub Actions, Slurm) cannot
// run here; these tests parse them, check their structure, and check that
// every verify command they run uses subcommands and flags that exist.

// repoRoot is the repository root, seen from the package directory.
var repoRoot = filepath.Join("..", "..")

// workflow is the part of a GitHub Actions workflow these files use;
// decoding with known fields only refuses a misspelt key.
type workflow struct {
	Name        string            `yaml:"name"`
	On          yaml.Node         `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Jobs        map[string]wfJob  `yaml:"jobs"`
}

type wfJob struct {
	RunsOn         string     `yaml:"runs-on"`
	Needs          stringList `yaml:"needs"`
	TimeoutMinutes int        `yaml:"timeout-minutes"`
	Strategy       struct {
		FailFast bool             `yaml:"fail-fast"`
		Matrix   map[string][]int `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []wfStep `yaml:"steps"`
}

type wfStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// stringList is a YAML list of strings, or one string.
type stringList []string

// UnmarshalYAML accepts one string or a list.
func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = []string{n.Value}
		return nil
	}
	var s []string
	err := n.Decode(&s)
	*l = s
	return err
}

func loadWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if wf.Name == "" || wf.On.Kind == 0 || len(wf.Jobs) == 0 {
		t.Fatalf("%s: no name, trigger or jobs", name)
	}
	for id, j := range wf.Jobs {
		if j.RunsOn == "" || len(j.Steps) == 0 {
			t.Errorf("%s: job %s: no runs-on or no steps", name, id)
		}
		for _, n := range j.Needs {
			if _, ok := wf.Jobs[n]; !ok {
				t.Errorf("%s: job %s needs unknown job %s", name, id, n)
			}
		}
		for k, s := range j.Steps {
			if (s.Uses == "") == (s.Run == "") {
				t.Errorf("%s: job %s step %d: want exactly one of uses and run", name, id, k)
			}
		}
	}
	return wf
}

// shellWords splits a command line into words (single and double quotes,
// backslash-newline continuations; no expansion).
func shellWords(s string) []string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	var out []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// verifyCalls returns the verify invocations in a script: the words after
// "go run ./cmd/verify" or after a word ending in "/verify" (a built
// binary), up to the end of the line.
func verifyCalls(script string) [][]string {
	var calls [][]string
	for _, line := range strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n") {
		w := shellWords(line)
		for i := range w {
			var rest []string
			switch {
			case i+2 < len(w) && w[i] == "go" && w[i+1] == "run" && w[i+2] == "./cmd/verify":
				rest = w[i+3:]
			case strings.HasSuffix(w[i], "/verify") && (i == 0 || w[i-1] == "exec") && !strings.HasPrefix(w[i], "./cmd"):
				rest = w[i+1:]
			default:
				continue
			}
			calls = append(calls, rest)
			break
		}
	}
	return calls
}

// helpSections returns the usage text of each subcommand, from verify
// help.
func helpSections(t *testing.T) map[string]string {
	t.Helper()
	code, help, _ := runArgs("help")
	if code != exitOK {
		t.Fatalf("verify help: code %d", code)
	}
	sec := map[string]string{}
	for _, sub := range []string{"run", "merge"} {
		marker := "usage: verify " + sub
		if sub == "run" {
			marker = "usage: verify [run]"
		}
		i := strings.Index(help, marker)
		if i < 0 {
			t.Fatalf("verify help lacks %q", marker)
		}
		rest := help[i+len(marker):]
		if j := strings.Index(rest, "usage: verify"); j >= 0 {
			rest = rest[:j]
		}
		sec[sub] = rest
	}
	return sec
}

// checkCall checks one verify invocation: its subcommand exists, and so
// does every flag it passes (as listed by verify help); it returns the
// subcommand and the flags.
func checkCall(t *testing.T, where string, call []string, help map[string]string) (string, map[string]string) {
	t.Helper()
	sub := "run"
	if len(call) > 0 && !strings.HasPrefix(call[0], "-") {
		sub, call = call[0], call[1:]
	}
	usage, ok := help[sub]
	if !ok {
		t.Errorf("%s: verify %s: no such subcommand", where, sub)
		return sub, nil
	}
	flags := map[string]string{}
	for i := 0; i < len(call); i++ {
		w := call[i]
		if !strings.HasPrefix(w, "-") || strings.HasPrefix(w, "$") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(name) + `\b`).MatchString(usage) {
			t.Errorf("%s: verify %s: flag -%s is not in verify help", where, sub, name)
		}
		if !hasVal && i+1 < len(call) && !strings.HasPrefix(call[i+1], "-") && name != "quick" {
			val, i = call[i+1], i+1
		}
		flags[name] = val
	}
	return sub, flags
}

func TestQuickWorkflow(t *testing.T) {
	wf := loadWorkflow(t, "verify-quick.yml")
	help := helpSections(t)
	found := false
	for id, j := range wf.Jobs {
		var out string
		for k, s := range j.Steps {
			for _, call := range verifyCalls(s.Run) {
				sub, flags := checkCall(t, fmt.Sprintf("verify-quick.yml job %s step %d", id, k), call, help)
				if sub == "run" {
					if _, ok := flags["quick"]; ok && flags["check"] == "fixtures/expected_verdicts.json" {
						found, out = true, flags["out"]
					}
				}
			}
			if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && out != "" {
				if strings.TrimSuffix(s.With["path"], "/") != out || s.If != "always()" {
					t.Errorf("the artifact step keeps %q (if %q), want the report directory %q always", s.With["path"], s.If, out)
				}
				out = "kept"
			}
		}
		if found && out != "kept" {
			t.Error("the quick report is not kept as an artifact")
		}
	}
	if !found {
		t.Error("no step runs the quick sweep with -check fixtures/expected_verdicts.json")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "fixtures", "expected_verdicts.json")); err != nil {
		t.Error(err)
	}
}

func TestShardedWorkflow(t *testing.T) {
	wf := loadWorkflow(t, "sweep-sharded.yml")
	help := helpSections(t)
	n := 0
	if _, err := fmt.Sscan(wf.Env["SHARDS"], &n); err != nil || n < 1 {
		t.Fatalf("env SHARDS = %q", wf.Env["SHARDS"])
	}
	shard, merge := wf.Jobs["shard"], wf.Jobs["merge"]
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(shard.Strategy.Matrix["shard"], want) {
		t.Errorf("matrix %v, want 1..SHARDS = %v", shard.Strategy.Matrix["shard"], want)
	}
	if !slices.Equal(merge.Needs, stringList{"shard"}) {
		t.Errorf("merge needs %v", merge.Needs)
	}
	var shardOut, download string
	for k, s := range shard.Steps {
		for _, call := range verifyCalls(s.Run) {
			sub, flags := checkCall(t, fmt.Sprintf("shard step %d", k), call, help)
			if sub != "run" || flags["shard"] != "${{ matrix.shard }}/$SHARDS" {
				t.Errorf("shard step %d: verify %s -shard %q", k, sub, flags["shard"])
			}
			shardOut = flags["out"]
		}
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && (strings.TrimSuffix(s.With["path"], "/") != shardOut || s.With["name"] != "shard-${{ matrix.shard }}") {
			t.Errorf("shard upload %v, want path %q named by the shard", s.With, shardOut)
		}
	}
	merged := false
	for k, s := range merge.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			if s.With["pattern"] != "shard-*" || s.With["merge-multiple"] != "true" {
				t.Errorf("download %v", s.With)
			}
			download = s.With["path"]
		}
		for _, call := range verifyCalls(s.Run) {
			sub, _ := checkCall(t, fmt.Sprintf("merge step %d", k), call, help)
			if sub != "merge" || !slices.Contains(call, download) {
				t.Errorf("merge step %d: %v does not merge the downloaded %q", k, call, download)
			}
			merged = true
		}
	}
	if shardOut == "" || !merged {
		t.Error("no shard run or no merge")
	}
}

// TestSlurmScript checks the script's syntax and its verify commands, then
// runs it with a stand-in sbatch (each job run at once, the array's tasks
// in turn) on a one-regime sweep, and requires the merged report to be
// the unsharded run's, byte for byte.
func TestSlurmScript(t *testing.T) {
	script := filepath.Join(repoRoot, "cluster", "slurm.sh")
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	help := helpSections(t)
	var subs []string
	for _, call := range verifyCalls(string(b)) {
		sub, _ := checkCall(t, "cluster/slurm.sh", call, help)
		subs = append(subs, sub)
	}
	if !slices.Equal(subs, []string{"run", "merge"}) {
		t.Errorf("verify calls %v, want run then merge", subs)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	if testing.Short() {
		t.Skip("builds the command and runs a small sweep (a few seconds)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	tmp := t.TempDir()
	fake := filepath.Join(tmp, "bin", "sbatch")
	if err := os.MkdirAll(filepath.Dir(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	// the stand-in sbatch: runs the job at once in --chdir; an array job
	// runs its tasks in turn with SLURM_ARRAY_TASK_ID set
	sbatch := `#!/usr/bin/env bash
set -euo pipefail
array= chdir=. args=()
for a in "$@"; do
	case "$a" in
	--array=*) array=${a#--array=} ;;
	--chdir=*) chdir=${a#--chdir=} ;;
	--*) ;;
	*) args+=("$a") ;;
	esac
done
echo "$*" >>"$SBATCH_LOG"
cd "$chdir"
if [[ -n "$array" ]]; then
	for ((i = ${array%-*}; i <= ${array#*-}; i++)); do
		SLURM_ARRAY_TASK_ID=$i bash "${args[@]}" >&2
	done
	echo "101;cluster"
else
	bash "${args[@]}" >&2
	echo 102
fi
`
	if err := os.WriteFile(fake, []byte(sbatch), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "sweep")
	flags := "-quick -regimes 1 -outside 1 -claims C0 -figures=false -catalog= -seed 9"
	cmd := exec.Command(bash, filepath.Join("cluster", "slurm.sh"), "3")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(fake)+string(os.PathListSeparator)+filepath.Dir(goBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"OUT="+out, "VERIFY_FLAGS="+flags, "CPUS=1", "SBATCH_LOG="+filepath.Join(tmp, "sbatch.log"))
	so, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cluster/slurm.sh 3: %v\n%s", err, so)
	}
	log, _ := os.ReadFile(filepath.Join(tmp, "sbatch.log"))
	if !strings.Contains(string(log), "--array=1-3") || !strings.Contains(string(log), "--dependency=afterok:101 ") {
		t.Errorf("sbatch calls:\n%s", log)
	}
	for i := 1; i <= 3; i++ {
		if _, err := os.Stat(filepath.Join(out, "shards", shardFileName(i, 3))); err != nil {
			t.Error(err)
		}
	}
	// the same binary, unsharded
	full := filepath.Join(tmp, "full")
	args := append(strings.Fields(flags), "-out", full)
	one := exec.Command(filepath.Join(out, "verify"), append([]string{"run"}, args...)...)
	one.Dir = repoRoot
	if b, err := one.CombinedOutput(); err != nil {
		t.Fatalf("unsharded run: %v\n%s", err, b)
	}
	sameOutputs(t, full, filepath.Join(out, "report"))
}
