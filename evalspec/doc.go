// Package evalspec is the eval spec contract of attnclust: one JSON object
// that names an isotropic Gaussian mixture with K components (docs/MODEL.md
// §1), a layer (the prototype attention layer of docs/MODEL.md §2 or the
// in-context identity layer of §6) and a point, and asks for the
// population risk and its gradient there, or for the quantization error.
// Every counterexample of a report carries such a spec, and "verify eval"
// answers it.
//
// The package decodes a spec strictly (Decode), checks one built in Go
// (Spec.Validate), writes one (Encode), and evaluates it (Evaluate, with
// certified error bounds from package numerics). Rejections are
// *FieldError values that name the field; evaluation failures are
// *NumericalError values. EvaluateLines answers many specs given as JSON
// Lines, in parallel, in input order; Sniff tells one spec from JSON
// Lines. Usage is the contract in words.
//
// The number of components K is the length of the weights; centroids
// and heads have one vector per component. Prototype specs take
// 2 <= K <= 8 (MinComponents, MaxComponents); identity specs K = 2.
//
// Output of a prototype spec with K = 2: layer, variant, risk, risk_err
// (certified bound), grad (one row per head), grad_err (bound on the
// Euclidean norm of the stacked gradient's error), misclassification and
// bayes_error (closed forms). With K >= 3 (PrototypeKResult): layer,
// variant, kind ("certified" for hardmax with K = 3, "estimated" for dot
// and distance with K = 3, "statistical" for K >= 4), risk, risk_err or
// risk_se, grad, grad_err or grad_se, misclassification with
// misclassification_err or misclassification_se, bayes_error with
// bayes_error_err or bayes_error_se, and, when some _se field is present,
// level (0.99) and, for the randomized quasi-Monte Carlo rule,
// t_quantile. A field ending in _err is a bound (kind certified) or a
// quadrature estimate (kind estimated); one ending in _se is a standard
// error.
package evalspec

// Usage documents the spec contract, its caps and the output, for command
// help texts.
const Usage = `eval spec: one JSON object with the fields
  layer      "prototype" or "identity"                          (required)
  d          integer token dimension, 1 <= d <= 1e7             (required);
             d <= 1e6 when K >= 3
  sigma      noise standard deviation, 1e-150 <= sigma <= 1e150 (required)
  weights    K mixing weights, each > 0, summing to 1 within 1e-12 (required);
             2 <= K <= 8 for "prototype", K = 2 for "identity"
  centroids  K vectors of length d, |entries| <= 1e150         (required)
  lambda     inverse temperature, 0 <= lambda <= 1e150
             (required; optional and ignored for variant "hardmax")
  prototype only:
    variant  "dot", "distance" or "hardmax"                     (required)
    heads    K vectors of length d, |entries| <= 1e150         (required)
  identity only:
    L        sequence length, integer 0 <= L <= 1e6; 0 means L -> infinity (required)
    samples  Monte Carlo sequences, integer 1 <= samples <= 1e7 (required iff L > 0)
    seed     random seed, integer 0 <= seed < 2^64              (required iff L > 0)
  work cap: samples * L * d <= 2e10.
  Integers are written without fraction or exponent; unknown, duplicate or
  inapplicable fields are rejected; nothing may follow the object.
output (prototype, K = 2): {"layer","variant","risk","risk_err","grad","grad_err",
  "misclassification","bayes_error"}
output (prototype, K >= 3): {"layer","variant","kind","risk","risk_err" or "risk_se",
  "grad","grad_err" or "grad_se","misclassification","misclassification_err" or
  "misclassification_se","bayes_error","bayes_error_err" or "bayes_error_se",
  "level" and "t_quantile" when statistical}
  (_err: a bound, or an estimate when kind is "estimated"; _se: a standard error)
output (identity):  {"layer","quant_error","quant_error_err","input_error"}
`
