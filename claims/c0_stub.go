package claims

// C0 is a placeholder until its claim file lands.
type C0 struct{}

// ID returns "C0".
func (C0) ID() string { return "C0" }

// Title is a one-line summary.
func (C0) Title() string { return "C0 (not yet implemented)" }

// Statement is the precise statement.
func (C0) Statement() string { return "not yet implemented" }

// Ranges are the sampled regimes.
func (C0) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies the hypotheses.
func (C0) InHypotheses(r Regime) bool { return false }

// Check runs the checks.
func (C0) Check(env Env, r Regime) []Result { return nil }
