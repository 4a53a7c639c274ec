package claims

import (
	"encoding/json"
	"testing"
)

// TestExtremeRegimesHonest runs C0 and C1 on extreme but valid regimes
// (tiny and huge sigma, separation 1000 sigma, lambda sigma^2 up to 1e8,
// weights 1e-6 and 1 - 1e-6, d = 1e5, hardmax): every result encodes as
// JSON (no NaN or Inf escapes), and no HOLDS is issued unless the margin
// exceeds the error bound.
func TestExtremeRegimesHonest(t *testing.T) {
	base := Regime{D: 3, Sigma: 1, Pi1: 0.5, Geometry: Orthogonal, Separation: 5, Variant: "distance", LambdaSigma2: 1, Seed: 1}
	mod := func(f func(*Regime)) Regime { r := base; f(&r); return r }
	regimes := map[string]Regime{
		"sigma 1e-8":         mod(func(r *Regime) { r.Sigma = 1e-8 }),
		"sigma 1e3":          mod(func(r *Regime) { r.Sigma = 1e3 }),
		"separation 1e3":     mod(func(r *Regime) { r.Separation = 1e3 }),
		"lambda sigma^2 1e8": mod(func(r *Regime) { r.LambdaSigma2 = 1e8 }),
		"lambda sigma^2 0":   mod(func(r *Regime) { r.LambdaSigma2 = 0 }),
		"weight 1e-6":        mod(func(r *Regime) { r.Pi1 = 1e-6 }),
		"weight 1-1e-6":      mod(func(r *Regime) { r.Pi1 = 1 - 1e-6 }),
		"d 1e5":              mod(func(r *Regime) { r.D = 100000 }),
		"hardmax far apart":  mod(func(r *Regime) { r.Variant, r.Separation = "hardmax", 1e3 }),
		"dot unequal norms":  mod(func(r *Regime) { r.Variant, r.Geometry, r.NormRatio = "dot", Unequal, 50 }),
	}
	for name, r := range regimes {
		t.Run(name, func(t *testing.T) {
			for _, c := range []Claim{C0{}, C1{}} {
				if r.D > 1000 && c.ID() == "C0" {
					continue // full-dimensional Monte Carlo at d = 1e5 is covered by numerics' sweep
				}
				for _, res := range c.Check(Env{Quick: true}, r) {
					if _, err := json.Marshal(res); err != nil {
						t.Errorf("%s: result does not encode: %v", res.Check, err)
					}
					if res.Verdict == Holds && !(res.Margin > res.Err) {
						t.Errorf("%s: HOLDS with margin %v <= error %v", res.Check, res.Margin, res.Err)
					}
					if res.Verdict == Fails && c.ID() == "C0" {
						t.Errorf("%s FAILS on %s: margin %.3g err %.2g %s", res.Check, r, res.Margin, res.Err, res.Note)
					}
				}
			}
		})
	}
}
