// Package docs holds the tests of the project's documentation: the
// reference numbers of MODEL.md reproduce through the library, the
// derivations of its section 8 hold numerically, its section numbering is
// the one the code cites, CITATION.cff validates against its schema, and
// no tracked file points outside the repository.
package docs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"attnclust/claims"
	"attnclust/numerics"
	"attnclust/theory"
)

const modelFile = "MODEL.md"

func readModel(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(modelFile)
	if err != nil {
		t.Fatalf("%s: %v", modelFile, err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// TestSections checks that MODEL.md has exactly the section numbering the
// code cites (docs/MODEL.md §N), in order, with one subsection §7.(i+1)
// per claim, in the order of claims.All(), and one pair of hypotheses
// markers per claim, each inside its claim's section.
func TestSections(t *testing.T) {
	text := readModel(t)
	all := claims.All()
	want := []string{"§1", "§2", "§3", "§4", "§4.1", "§4.2", "§4.3", "§5", "§5.1", "§5.2", "§5.3", "§5.4", "§6", "§7"}
	claimSection := map[string]string{}
	next := map[string]string{}
	for i, c := range all {
		sec := fmt.Sprintf("§7.%d", i+1)
		want = append(want, sec)
		claimSection[c.ID()] = sec
		next[sec] = fmt.Sprintf("§7.%d", i+2)
		if i == len(all)-1 {
			next[sec] = "§8"
		}
	}
	want = append(want, "§8", "§8.1", "§8.2", "§8.3", "§8.4", "§8.5", "§9", "§10", "§11")
	head := regexp.MustCompile(`^(#{2,3}) (§[0-9]+(?:\.[0-9]+)?) `)
	var got []string
	pos := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		m := head.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		level := 2
		if strings.Contains(m[2], ".") {
			level = 3
		}
		if len(m[1]) != level {
			t.Errorf("line %d: %s has heading level %d, want %d", i+1, m[2], len(m[1]), level)
		}
		got = append(got, m[2])
		pos[m[2]] = i
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("section headings:\n got %v\nwant %v", got, want)
	}
	lines := strings.Split(text, "\n")
	for _, c := range all {
		id := c.ID()
		begin, end := fmt.Sprintf("<!-- hypotheses:%s:begin -->", id), fmt.Sprintf("<!-- hypotheses:%s:end -->", id)
		b, e := -1, -1
		for i, l := range lines {
			switch strings.TrimSpace(l) {
			case begin:
				if b >= 0 {
					t.Errorf("%s appears twice", begin)
				}
				b = i
			case end:
				if e >= 0 {
					t.Errorf("%s appears twice", end)
				}
				e = i
			}
		}
		sec := claimSection[id]
		if b < 0 || e < 0 || e < b {
			t.Errorf("%s: markers missing or out of order (begin line %d, end line %d)", id, b+1, e+1)
			continue
		}
		if b < pos[sec] || e > pos[next[sec]] {
			t.Errorf("%s: markers (lines %d-%d) are not inside %s", id, b+1, e+1, sec)
		}
	}
}

// refRow is one row of the reference-number table of MODEL.md §10.
type refRow struct {
	id, quantity string
	values       []float64
	decimals     int // decimals of the least precise printed value
	tol          float64
	spec, reason string
}

// referenceRows parses the table between the reference-numbers markers.
func referenceRows(t *testing.T, text string) []refRow {
	t.Helper()
	const begin, end = "<!-- reference-numbers:begin -->", "<!-- reference-numbers:end -->"
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s: reference-number markers missing", modelFile)
	}
	var rows []refRow
	sc := bufio.NewScanner(strings.NewReader(text[i+len(begin) : j]))
	header := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") {
			t.Fatalf("reference table: not a table row: %q", line)
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for k := range cells {
			cells[k] = strings.TrimSpace(cells[k])
		}
		if len(cells) != 6 {
			t.Fatalf("reference table: %d cells, want 6: %q", len(cells), line)
		}
		if header {
			if strings.Join(cells, ",") != "id,quantity,value,tolerance,spec,why this tolerance" {
				t.Fatalf("reference table header: %q", line)
			}
			header = false
			continue
		}
		if strings.Trim(cells[0], "-") == "" {
			continue // the separator row
		}
		r := refRow{id: cells[0], quantity: cells[1], spec: cells[4], reason: cells[5], decimals: math.MaxInt}
		for _, f := range strings.Split(cells[2], ",") {
			f = strings.TrimSpace(f)
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("row %s: value %q: %v", r.id, f, err)
			}
			if strings.ContainsAny(f, "eE") {
				t.Fatalf("row %s: value %q: write values in plain decimal notation", r.id, f)
			}
			dec := 0
			if k := strings.Index(f, "."); k >= 0 {
				dec = len(f) - k - 1
			}
			r.decimals = min(r.decimals, dec)
			r.values = append(r.values, v)
		}
		tol, err := strconv.ParseFloat(cells[3], 64)
		if err != nil || !(tol > 0) {
			t.Fatalf("row %s: tolerance %q must be a positive number", r.id, cells[3])
		}
		r.tol = tol
		if r.reason == "" {
			t.Fatalf("row %s: the tolerance needs its reason", r.id)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("reference table is empty")
	}
	return rows
}

// evalSpec is the eval spec of `verify eval` (see README): the fields the
// reference rows use, decoded strictly so that a spec this test accepts
// has no field the command would reject as unknown.
type evalSpec struct {
	Layer     string      `json:"layer"`
	Variant   string      `json:"variant"`
	D         int         `json:"d"`
	Sigma     float64     `json:"sigma"`
	Weights   []float64   `json:"weights"`
	Centroids [][]float64 `json:"centroids"`
	Lambda    *float64    `json:"lambda"`
	Heads     [][]float64 `json:"heads"`
	L         *int        `json:"L"`
	Samples   int         `json:"samples"`
	Seed      uint64      `json:"seed"`
}

func loadSpec(path string) (evalSpec, theory.Mixture, error) {
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		return evalSpec{}, theory.Mixture{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s evalSpec
	if err := dec.Decode(&s); err != nil {
		return evalSpec{}, theory.Mixture{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(s.Centroids) == 0 || len(s.Centroids[0]) != s.D {
		return evalSpec{}, theory.Mixture{}, fmt.Errorf("%s: centroids do not match d = %d", path, s.D)
	}
	mix, err := theory.NewMixture(s.Weights, s.Centroids, s.Sigma)
	if err != nil {
		return evalSpec{}, theory.Mixture{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, mix, nil
}

func (s evalSpec) prototype() (theory.Prototype, error) {
	if s.Layer != "prototype" {
		return theory.Prototype{}, fmt.Errorf("layer %q, want prototype", s.Layer)
	}
	v, err := theory.ParseVariant(s.Variant)
	if err != nil {
		return theory.Prototype{}, err
	}
	l := theory.Prototype{Variant: v}
	if v != theory.Hardmax {
		if s.Lambda == nil {
			return theory.Prototype{}, fmt.Errorf("lambda missing")
		}
		l.Lambda = *s.Lambda
	}
	return l, l.Validate()
}

// computed is what the library gives for one row: the values and the
// error figure of the computation (0 when negligible against the
// tolerance, as argued in the row's reason).
type computed struct {
	values []float64
	// err is the computation's error bound (exact rows) or the standard
	// error of the estimate (statistical rows).
	err float64
	// exact: the value is deterministic (a bound-carrying computation or a
	// seeded Monte Carlo replay) and is compared within the tolerance;
	// otherwise it is an independent estimate compared statistically.
	exact bool
}

// minimizerFrom runs damped Newton (minimizer search) from the spec's
// heads and requires a certified strict local minimizer.
func minimizerFrom(mix theory.Mixture, l theory.Prototype, heads [][]float64) (numerics.Critical, error) {
	obj, err := numerics.NewRisk(mix, l)
	if err != nil {
		return numerics.Critical{}, err
	}
	// 1e-12: far below the 5e-8 location tolerance (the Hessian's smallest
	// eigenvalue is above 0.1 in every row, so the location error is below
	// 1e-11), above the gradient's rounding level (~1e-15 here).
	c, err := numerics.FindCritical(obj, heads, numerics.CriticalOptions{GradTol: 1e-12, MaxIter: 100})
	if err != nil {
		return c, err
	}
	if !c.Minimizer() {
		return c, fmt.Errorf("not a certified strict local minimizer: %s", c.Reason)
	}
	return c, nil
}

// evaluate computes one row's quantity from its spec. short selects the
// statistical check of Monte Carlo rows (fewer sequences, another seed).
// mc caches Monte Carlo estimates by spec, so that the value and
// standard-error rows of one run cost one run.
func evaluate(r refRow, short bool, mc map[string]numerics.Estimate) (computed, error) {
	s, mix, err := loadSpec(r.spec)
	if err != nil {
		return computed{}, err
	}
	switch r.quantity {
	case "risk":
		l, err := s.prototype()
		if err != nil {
			return computed{}, err
		}
		obj, err := numerics.NewRisk(mix, l)
		if err != nil {
			return computed{}, err
		}
		ev, err := obj.Eval(s.Heads)
		if err != nil {
			return computed{}, err
		}
		return computed{values: []float64{ev.Risk}, err: ev.RiskErr, exact: true}, nil
	case "minimizer", "distance":
		l, err := s.prototype()
		if err != nil {
			return computed{}, err
		}
		c, err := minimizerFrom(mix, l, s.Heads)
		if err != nil {
			return computed{}, err
		}
		if r.quantity == "minimizer" {
			var v []float64
			for _, h := range c.Heads {
				v = append(v, h...)
			}
			return computed{values: v, exact: true}, nil
		}
		d := 0.0
		for h := range c.Heads {
			d = math.Max(d, theory.Dist(c.Heads[h], mix.Centroids[h])/mix.Sigma)
		}
		return computed{values: []float64{d}, exact: true}, nil
	case "hardmax-beta", "hardmax-risk":
		_, risk, err := theory.HardmaxCritical(mix)
		if err != nil {
			return computed{}, err
		}
		p, _ := mix.Pair()
		// a few ulps of each closed form
		if r.quantity == "hardmax-beta" {
			b := theory.HardmaxBeta(p.Delta, mix.Sigma)
			return computed{values: []float64{b}, err: 8 * 0x1p-52 * b, exact: true}, nil
		}
		return computed{values: []float64{risk}, err: 8 * 0x1p-52 * risk, exact: true}, nil
	case "bayes-error":
		p, err := mix.Pair()
		if err != nil {
			return computed{}, err
		}
		b := p.BayesError(mix.Sigma)
		return computed{values: []float64{b}, err: 8 * 0x1p-52 * b, exact: true}, nil
	case "quant_error", "quant_error_err":
		if s.Layer != "identity" || s.Lambda == nil || s.L == nil {
			return computed{}, fmt.Errorf("%s: not an identity spec with lambda and L", r.spec)
		}
		var e numerics.Estimate
		if *s.L == 0 {
			e, err = numerics.QuantInf(mix, *s.Lambda)
			if err != nil {
				return computed{}, err
			}
			if r.quantity == "quant_error_err" {
				return computed{values: []float64{e.Err}, exact: true}, nil
			}
			return computed{values: []float64{e.Value}, err: e.Err, exact: true}, nil
		}
		samples, seed := s.Samples, s.Seed
		if short {
			samples, seed = samples/10, seed+1
		}
		e, ok := mc[r.spec]
		if !ok {
			e, err = numerics.QuantMC(mix, *s.Lambda, *s.L, samples, seed)
			if err != nil {
				return computed{}, err
			}
			mc[r.spec] = e
		}
		if !short {
			// a replay of the printed run: deterministic for the seed,
			// so its error figure is rounding only
			if r.quantity == "quant_error_err" {
				return computed{values: []float64{e.Err}, exact: true}, nil
			}
			return computed{values: []float64{e.Value}, exact: true}, nil
		}
		if r.quantity == "quant_error_err" {
			return computed{values: []float64{e.Err}}, nil
		}
		return computed{values: []float64{e.Value}, err: e.Err}, nil
	}
	return computed{}, fmt.Errorf("unknown quantity %q", r.quantity)
}

// TestReferenceNumbers reproduces every number of MODEL.md §10 from its
// spec through the library. A row passes when each computed value is
// within the row's tolerance of the printed one; the tolerance must be
// below one unit of the last printed digit (so that any edit of a printed
// digit fails) and, for deterministic quantities, above the computation's
// own error figure. In -short mode the Monte Carlo rows are instead
// checked statistically on a tenth of the sequences with another seed.
func TestReferenceNumbers(t *testing.T) {
	rows := referenceRows(t, readModel(t))
	seen := map[string]bool{}
	mc := map[string]numerics.Estimate{}
	for _, r := range rows {
		if seen[r.id] {
			t.Errorf("duplicate row id %s", r.id)
		}
		seen[r.id] = true
		t.Run(r.id, func(t *testing.T) {
			unit := math.Pow(10, -float64(r.decimals))
			if r.tol >= unit {
				t.Fatalf("tolerance %g does not pin the last printed digit (unit %g)", r.tol, unit)
			}
			got, err := evaluate(r, testing.Short(), mc)
			if err != nil {
				t.Fatalf("%s: %v", r.spec, err)
			}
			if got.exact && got.err >= r.tol {
				t.Fatalf("tolerance %g is below the computation's error %g", r.tol, got.err)
			}
			if len(got.values) != len(r.values) {
				t.Fatalf("%d printed values, the computation has %d", len(r.values), len(got.values))
			}
			for k, v := range r.values {
				if got.exact {
					if math.Abs(got.values[k]-v) > r.tol {
						t.Errorf("value %d: printed %v, computed %.17g (difference %.3g > tolerance %g)", k, v, got.values[k], got.values[k]-v, r.tol)
					}
					continue
				}
				// Statistical check (short mode): the printed estimate and
				// an independent one differ by less than 4 combined
				// standard errors (two-sided level 6e-5). The printed
				// standard error row is checked for consistency with
				// the independent one: sqrt(10) times smaller within 20%
				// (the standard error's own relative error at 2e5
				// sequences of a heavy-tailed error is a few percent).
				if r.quantity == "quant_error_err" {
					want := got.values[k] / math.Sqrt(10)
					if math.Abs(v-want) > 0.2*want {
						t.Errorf("printed standard error %v, expected about %.3g from %d times fewer sequences", v, want, 10)
					}
					continue
				}
				se := math.Hypot(got.err, got.err/math.Sqrt(10))
				if math.Abs(got.values[k]-v) > 4*se {
					t.Errorf("printed %v, independent estimate %.6g +- %.2g: more than 4 combined standard errors apart", v, got.values[k], got.err)
				}
			}
		})
	}
}

// TestReferenceSpecsDistinct guards the table itself: every spec file
// under testdata/specs is used by some row, and every row's spec exists.
func TestReferenceSpecsDistinct(t *testing.T) {
	rows := referenceRows(t, readModel(t))
	used := map[string]bool{}
	for _, r := range rows {
		used[r.spec] = true
		if _, err := os.Stat(filepath.Join("testdata", r.spec)); err != nil {
			t.Errorf("row %s: %v", r.id, err)
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "specs", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel("testdata", f)
		if !used[filepath.ToSlash(rel)] {
			t.Errorf("%s is not used by any row of the reference table", f)
		}
	}
}

// TestNoOutsideReferences fails when a tracked file mentions the
// build-time notes that live outside the repository: the project's formal
// reading is MODEL.md. The forbidden strings are assembled at run time so
// that this file does not match itself.
func TestNoOutsideReferences(t *testing.T) {
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout (%v): nothing to check", err)
	}
	top := strings.TrimSpace(string(root))
	out, err := exec.Command("git", "-C", top, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	forbidden := []string{".." + "/shared", "THEORY" + ".md"}
	n := 0
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(top, name))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet committed
			}
			t.Fatalf("%s: %v", name, err)
		}
		n++
		for i, line := range strings.Split(string(b), "\n") {
			for _, f := range forbidden {
				if strings.Contains(line, f) {
					t.Errorf("%s:%d mentions %q", name, i+1, f)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("git ls-files listed no readable file")
	}
}
