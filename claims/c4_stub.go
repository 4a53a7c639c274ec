package claims

// C4 is a placeholder until its claim file lands.
type C4 struct{}

// ID returns "C4".
func (C4) ID() string { return "C4" }

// Title is a one-line summary.
func (C4) Title() string { return "C4 (not yet implemented)" }

// Statement is the precise statement.
func (C4) Statement() string { return "not yet implemented" }

// Ranges are the sampled regimes.
func (C4) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies the hypotheses.
func (C4) InHypotheses(r Regime) bool { return false }

// Check runs the checks.
func (C4) Check(env Env, r Regime) []Result { return nil }
