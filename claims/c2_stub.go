package claims

// C2 is a placeholder until its claim file lands.
type C2 struct{}

// ID returns "C2".
func (C2) ID() string { return "C2" }

// Title is a one-line summary.
func (C2) Title() string { return "C2 (not yet implemented)" }

// Statement is the precise statement.
func (C2) Statement() string { return "not yet implemented" }

// Ranges are the sampled regimes.
func (C2) Ranges() Ranges { return FullRanges() }

// InHypotheses reports whether r satisfies the hypotheses.
func (C2) InHypotheses(r Regime) bool { return false }

// Check runs the checks.
func (C2) Check(env Env, r Regime) []Result { return nil }
