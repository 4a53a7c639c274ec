package theory

// Eval is a certified evaluation of a population risk and its gradient at
// one parameter point.
type Eval struct {
	Risk    float64     // R(theta)
	RiskErr float64     // bound on |computed Risk - exact R(theta)|, >= 0
	Grad    [][]float64 // dR/dmu_h, one row of length d per head
	// GradErr bounds the Euclidean norm of the error of the whole gradient
	// (all heads stacked), >= 0.
	GradErr float64
}

// Objective is a population risk over the K head parameters of a fixed
// data model and layer, evaluated with certified error bounds. Numerical
// back ends in package numerics implement it; a different reading of the
// paper's model plugs in by implementing it too (and Model below).
//
// Implementations must be safe for concurrent use and must return an error,
// never NaN or Inf, when they cannot evaluate a point.
type Objective interface {
	// Dim is the token dimension d; Heads the number K of heads.
	Dim() int
	Heads() int
	// Eval returns the risk and gradient at heads (K rows of length Dim).
	Eval(heads [][]float64) (Eval, error)
}

// Model is one reading of the trained layer: it turns a data model and a
// layer into the population-risk objective over the heads. Claims are
// written against Model, so a variant or an alternative parametrization
// plugs in without touching them.
type Model interface {
	// Name identifies the model in reports.
	Name() string
	// Objective returns the risk of layer on data from mix.
	Objective(mix Mixture, layer Prototype) (Objective, error)
}
