package claims

type C1 struct{}

func (C1) ID() string                       { return "C1" }
func (C1) Title() string                    { return "" }
func (C1) Statement() string                { return "" }
func (C1) Ranges() Ranges                   { return FullRanges() }
func (C1) InHypotheses(r Regime) bool       { return false }
func (C1) Check(env Env, r Regime) []Result { return nil }
