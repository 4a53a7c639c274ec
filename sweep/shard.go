package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"attnclust/claims"
)

// ShardFormat and ShardVersion identify a shard file. The version changes
// whenever the meaning of a unit key or the layout of a unit's value
// changes; Merge refuses any other version.
const (
	ShardFormat  = "attnclust-shard"
	ShardVersion = 1
)

// RunInfo identifies a run: everything that determines its content.
// Shards of one run carry equal RunInfo; Merge refuses the others. The
// fields besides the Config's are passed through to the report (the
// command that reproduces it, the catalog file, the versions) and pin the
// code and platform that computed the numbers: the same source built for
// another architecture may round differently (fused multiply-add).
type RunInfo struct {
	Seed     uint64          `json:"seed"`
	InHyp    int             `json:"regimes"`
	Outside  int             `json:"outside"`
	ClaimIDs []string        `json:"claims"`
	Quick    bool            `json:"quick"`
	Figures  bool            `json:"figures"`
	Catalog  []claims.Regime `json:"catalog"`
	// CatalogPath is the catalog's file name ("" for none).
	CatalogPath string `json:"catalog_path"`
	// Command reproduces the report's content unsharded.
	Command string `json:"command"`
	// SuiteVersion, GoVersion and Platform ("GOOS/GOARCH") name the code,
	// the toolchain and the platform of the shard's binary.
	SuiteVersion string `json:"suite_version"`
	GoVersion    string `json:"go_version"`
	Platform     string `json:"platform"`
}

// Config returns the sweep configuration of the run, with workers
// parallel checks.
func (ri RunInfo) Config(workers int) Config {
	return Config{Seed: ri.Seed, InHyp: ri.InHyp, Outside: ri.Outside, ClaimIDs: ri.ClaimIDs,
		Quick: ri.Quick, Workers: workers, Figures: ri.Figures, Catalog: ri.Catalog}
}

// Shard is the partial result of one shard of a run: the values of the
// units of work assigned to it (see Unit), enough for Merge to rebuild
// the run's Outcome exactly once every shard is given.
type Shard struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Run     RunInfo `json:"run"`
	// Index (1-based) and Count: this is shard Index of Count.
	Index int `json:"shard"`
	Count int `json:"shards"`
	// Units are the recorded units, in key order.
	Units []Unit `json:"units"`
}

// ParseShardSpec parses "i/n" (1 <= i <= n <= 100000) into i and n.
func ParseShardSpec(s string) (index, count int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("want i/n (shard i of n, 1 <= i <= n), got %q", s)
	}
	var i, n int
	if _, err := fmt.Sscanf(a+" "+b, "%d %d", &i, &n); err != nil || fmt.Sprint(i) != strings.TrimSpace(a) || fmt.Sprint(n) != strings.TrimSpace(b) {
		return 0, 0, fmt.Errorf("want i/n with integers i and n, got %q", s)
	}
	if n < 1 || n > maxShards || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want 1 <= i <= n <= %d, got %d/%d", maxShards, i, n)
	}
	return i, n, nil
}

// maxShards bounds the number of shards (a shard holds at least one
// unit only when there are fewer shards than units; more is allowed but
// this many is already far beyond any run's unit count).
const maxShards = 100_000

// ExecuteShard computes shard index (1-based) of count of the run cfg
// (with the same units, in the same order, as Execute) and returns its
// partial result, labelled with info (whose run fields must describe
// cfg). Each claim's jobs, threshold slices and figure cells are dealt
// round-robin over the shards; each shard also shrinks the
// counterexamples its own results select (see engine). Progress lines go
// to progress when it is not nil.
func ExecuteShard(cfg Config, s Suite, info RunInfo, index, count int, progress io.Writer) (sh *Shard, err error) {
	if count < 1 || index < 1 || index > count {
		return nil, fmt.Errorf("shard %d/%d: want 1 <= i <= n", index, count)
	}
	if got := runInfoOf(cfg); !sameRunFields(got, info) {
		return nil, errors.New("shard: the run information does not describe the configuration")
	}
	e := &engine{mode: modeShard, index: index - 1, count: count, units: map[string]Unit{}}
	s.eng = e
	defer func() {
		if p := recover(); p != nil {
			sh, err = nil, fmt.Errorf("shard %d/%d: %v", index, count, p)
		}
	}()
	Execute(cfg, s, progress)
	return &Shard{Format: ShardFormat, Version: ShardVersion, Run: info, Index: index, Count: count, Units: e.sortedUnits()}, nil
}

// runInfoOf returns the run fields of cfg (the others empty).
func runInfoOf(cfg Config) RunInfo {
	return RunInfo{Seed: cfg.Seed, InHyp: cfg.InHyp, Outside: cfg.Outside, ClaimIDs: cfg.ClaimIDs,
		Quick: cfg.Quick, Figures: cfg.Figures, Catalog: cfg.Catalog}
}

// sameRunFields compares the Config fields of two RunInfos.
func sameRunFields(a, b RunInfo) bool {
	x, err1 := encodeExact(runInfoOf(a.Config(0)))
	y, err2 := encodeExact(runInfoOf(b.Config(0)))
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// Encode returns the shard file: JSON in the shard codec's exact form
// (floats round-trip bit for bit; infinities and NaN as strings), one
// unit per line.
func (sh *Shard) Encode() ([]byte, error) {
	units := sh.Units
	head := *sh
	head.Units = nil
	b, err := encodeExact(head)
	if err != nil {
		return nil, fmt.Errorf("encoding shard %d/%d: %w", sh.Index, sh.Count, err)
	}
	// b ends with `"units":null}`: replace it by the units, one a line
	const tail = `"units":null}`
	if !bytes.HasSuffix(b, []byte(tail)) {
		return nil, errors.New("encoding shard: unexpected layout")
	}
	var out bytes.Buffer
	out.Write(b[:len(b)-len(tail)])
	out.WriteString("\"units\":[\n")
	for i, u := range units {
		ub, err := encodeExact(u)
		if err != nil {
			return nil, fmt.Errorf("encoding shard %d/%d: unit %s: %w", sh.Index, sh.Count, u.Key, err)
		}
		out.Write(ub)
		if i < len(units)-1 {
			out.WriteByte(',')
		}
		out.WriteByte('\n')
	}
	out.WriteString("]}\n")
	return out.Bytes(), nil
}

// DecodeShard reads a shard file. It refuses another format or version,
// and unknown or missing fields.
func DecodeShard(b []byte) (*Shard, error) {
	var probe struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a shard file: %w", err)
	}
	if probe.Format != ShardFormat {
		return nil, fmt.Errorf("not a shard file (format %q, want %q)", probe.Format, ShardFormat)
	}
	if probe.Version != ShardVersion {
		return nil, fmt.Errorf("shard format version %d, this program reads version %d", probe.Version, ShardVersion)
	}
	var sh Shard
	if err := decodeExact(b, &sh); err != nil {
		return nil, fmt.Errorf("reading shard: %w", err)
	}
	if sh.Count < 1 || sh.Index < 1 || sh.Index > sh.Count {
		return nil, fmt.Errorf("shard %d/%d: want 1 <= i <= n", sh.Index, sh.Count)
	}
	return &sh, nil
}

// Merge rebuilds the run's Outcome from all its shards, exactly as
// Execute computes it (its Timings aside), and returns the run's
// information. names[i] names shards[i] in errors (a file name). It
// refuses shards of different runs, code or platforms (naming the first
// field that differs), duplicate or missing shards, and shards whose
// units do not cover the run. s must be the suite the shards ran (its
// claims are looked up by ID).
func Merge(shards []*Shard, names []string, s Suite, workers int) (*Outcome, RunInfo, error) {
	if len(shards) == 0 {
		return nil, RunInfo{}, errors.New("no shards given")
	}
	name := func(i int) string {
		if i < len(names) && names[i] != "" {
			return names[i]
		}
		return fmt.Sprintf("shard #%d", i+1)
	}
	ref := shards[0]
	refRun, err := encodeExact(ref.Run)
	if err != nil {
		return nil, RunInfo{}, err
	}
	seen := map[int]int{}
	for i, sh := range shards {
		if sh.Format != ShardFormat || sh.Version != ShardVersion {
			return nil, RunInfo{}, fmt.Errorf("%s: format %q version %d, want %q version %d", name(i), sh.Format, sh.Version, ShardFormat, ShardVersion)
		}
		if i > 0 {
			run, err := encodeExact(sh.Run)
			if err != nil {
				return nil, RunInfo{}, err
			}
			if !bytes.Equal(run, refRun) {
				return nil, RunInfo{}, fmt.Errorf("%s and %s are shards of different runs (they differ in %s)", name(0), name(i), firstDiff(ref.Run, sh.Run))
			}
		}
		if sh.Count != ref.Count {
			return nil, RunInfo{}, fmt.Errorf("%s is shard %d/%d but %s is shard %d/%d: different numbers of shards", name(0), ref.Index, ref.Count, name(i), sh.Index, sh.Count)
		}
		if j, dup := seen[sh.Index]; dup {
			return nil, RunInfo{}, fmt.Errorf("duplicate shard %d/%d: %s and %s", sh.Index, sh.Count, name(j), name(i))
		}
		seen[sh.Index] = i
	}
	var missing []string
	for k := 1; k <= ref.Count; k++ {
		if _, ok := seen[k]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", k, ref.Count))
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 10 {
			more = fmt.Sprintf(" and %d more", len(missing)-10)
			missing = missing[:10]
		}
		return nil, RunInfo{}, fmt.Errorf("missing shard(s) %s%s (got %d of %d)", strings.Join(missing, ", "), more, len(shards), ref.Count)
	}
	known := map[string]bool{}
	for _, c := range s.Claims {
		known[c.ID()] = true
	}
	for _, id := range ref.Run.ClaimIDs {
		if !known[id] {
			return nil, RunInfo{}, fmt.Errorf("the shards ran claim %s, which this program does not know", id)
		}
	}

	e := &engine{mode: modeReplay, count: ref.Count, units: map[string]Unit{}}
	order := make([]int, 0, len(shards))
	for i := range shards {
		order = append(order, i)
	}
	sort.Slice(order, func(a, b int) bool { return shards[order[a]].Index < shards[order[b]].Index })
	from := map[string]int{}
	for _, i := range order {
		for _, u := range shards[i].Units {
			if j, dup := from[u.Key]; dup {
				return nil, RunInfo{}, fmt.Errorf("unit %s is in both %s and %s", u.Key, name(j), name(i))
			}
			from[u.Key] = i
			e.units[u.Key] = u
		}
	}
	s.eng = e
	o, err := func() (o *Outcome, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("internal error while merging: %v", p)
			}
		}()
		return Execute(ref.Run.Config(workers), s, nil), nil
	}()
	if err == nil {
		err = e.replayErr()
	}
	if err != nil {
		return nil, RunInfo{}, err
	}
	return o, ref.Run, nil
}

// firstDiff names the first RunInfo field whose exact form differs.
func firstDiff(a, b RunInfo) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for _, f := range exactFields(va.Type()) {
		x, _ := encodeExact(va.Field(f.index).Interface())
		y, _ := encodeExact(vb.Field(f.index).Interface())
		if !bytes.Equal(x, y) {
			return fmt.Sprintf("%s: %s vs %s", f.name, abbrev(x), abbrev(y))
		}
	}
	return "the run"
}

// abbrev shortens a JSON value for an error message.
func abbrev(b []byte) string {
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}
