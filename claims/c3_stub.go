package claims

// C3 is a placeholder until its claim file lands.
type C3 struct{}

// ID returns "C3".
func (C3) ID() string { return "C3" }

// Title is a one-line summary.
func (C3) Title() string { return "C3 (not yet implemented)" }

// Statement is the precise statement.
func (C3) Statement() string { return "not yet implemented" }

// Ranges are the sampled regimes.
func (C3) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies the hypotheses.
func (C3) InHypotheses(r Regime) bool { return false }

// Check runs the checks.
func (C3) Check(env Env, r Regime) []Result { return nil }
