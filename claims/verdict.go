package claims

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Verdict is the outcome of one check.
type Verdict int

const (
	// Inconclusive: the margin is within the numerical error bound, or the
	// numerics did not converge.
	Inconclusive Verdict = iota
	// Holds: the margin exceeds the certified error bound.
	Holds
	// Fails: the violation exceeds the certified error bound.
	Fails
)

// String returns "HOLDS", "FAILS" or "INCONCLUSIVE".
func (v Verdict) String() string {
	switch v {
	case Holds:
		return "HOLDS"
	case Fails:
		return "FAILS"
	}
	return "INCONCLUSIVE"
}

// MarshalJSON encodes the verdict as its name.
func (v Verdict) MarshalJSON() ([]byte, error) { return json.Marshal(v.String()) }

// UnmarshalJSON decodes a verdict name.
func (v *Verdict) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := ParseVerdict(s)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// ParseVerdict is the inverse of Verdict.String.
func ParseVerdict(s string) (Verdict, error) {
	switch s {
	case "HOLDS":
		return Holds, nil
	case "FAILS":
		return Fails, nil
	case "INCONCLUSIVE":
		return Inconclusive, nil
	}
	return 0, fmt.Errorf("unknown verdict %q (want HOLDS, FAILS or INCONCLUSIVE)", s)
}

// Decide returns HOLDS when margin > errBound, FAILS when
// margin < -errBound, and INCONCLUSIVE otherwise, including when either
// number is NaN or errBound is negative or infinite.
func Decide(margin, errBound float64) Verdict {
	if math.IsNaN(margin) || math.IsNaN(errBound) || errBound < 0 || math.IsInf(errBound, 0) {
		return Inconclusive
	}
	switch {
	case margin > errBound:
		return Holds
	case margin < -errBound:
		return Fails
	}
	return Inconclusive
}

// Quantity is one named number that entered a verdict, with its error
// bound (0 when exact) and units.
type Quantity struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Err   float64 `json:"err"`
}

// Result is the verdict of one check of one claim on one regime.
type Result struct {
	Claim   string  `json:"claim"` // claim ID, e.g. "C1"
	Check   string  `json:"check"` // check ID, e.g. "C1.minimizer"
	Regime  Regime  `json:"regime"`
	Verdict Verdict `json:"verdict"`
	// Margin is how much the statement holds by (negative: violated), in
	// Units; Err bounds the numerical error of Margin.
	Margin float64 `json:"margin"`
	Err    float64 `json:"err"`
	Units  string  `json:"units"`
	// InHypotheses reports whether the regime satisfies the claim's
	// documented hypotheses: a FAILS there refutes the claim as stated;
	// elsewhere it maps where the claim stops holding.
	InHypotheses bool `json:"in_hypotheses"`
	// Values are the numbers that decided the verdict, in a fixed order.
	Values []Quantity `json:"values,omitempty"`
	// Note explains an INCONCLUSIVE or a FAILS in words.
	Note string `json:"note,omitempty"`
	// Spec is an eval spec (JSON) reproducing the decisive evaluation.
	Spec string `json:"spec,omitempty"`
	// Role says what the verdict is evidence of (claim, map,
	// refuted-reading, sanity); Kind what kind of evidence it is
	// (certified, estimated, sampled, statistical); Level is the
	// confidence level of a statistical verdict (0 otherwise).
	Role  Role    `json:"role"`
	Kind  Kind    `json:"kind"`
	Level float64 `json:"level,omitempty"`

	// narrow marks a check whose own hypotheses are narrower than the
	// claim's and not met by the regime (see Claim.Statement).
	narrow bool
}

// result builds a Result with the verdict decided from margin and err.
// A non-finite margin or error (no certified bound) gives INCONCLUSIVE
// with both stored as 0 and a note, so results always encode as JSON.
func result(claim, check string, r Regime, margin, err float64, units string, vals ...Quantity) Result {
	res := Result{Claim: claim, Check: check, Regime: r, Verdict: Decide(margin, err),
		Margin: margin, Err: err, Units: units}
	if !finite(margin) || !finite(err) {
		res.Margin, res.Err = 0, 0
		res.Note = fmt.Sprintf("no certified error bound (margin %v, bound %v)", margin, err)
	}
	for _, q := range vals {
		if !finite(q.Value) || !finite(q.Err) {
			res.Note = strings.TrimSpace(res.Note + fmt.Sprintf(" %s is not finite (%v, err %v)", q.Name, q.Value, q.Err))
			q.Value, q.Err = sanitize(q.Value), sanitize(q.Err)
		}
		res.Values = append(res.Values, q)
	}
	return res
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// sanitize maps NaN to 0 and infinities to +-MaxFloat64 for JSON.
func sanitize(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return 0
	case math.IsInf(x, 1):
		return math.MaxFloat64
	case math.IsInf(x, -1):
		return -math.MaxFloat64
	}
	return x
}

// inconclusive builds an INCONCLUSIVE Result for a numerical failure
// (margin and error are left at zero; the note says what failed).
func inconclusive(claim, check string, r Regime, format string, args ...any) Result {
	return Result{Claim: claim, Check: check, Regime: r, Verdict: Inconclusive,
		Note: "numerics failed: " + fmt.Sprintf(format, args...)}
}
