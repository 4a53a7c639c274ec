// Package theory holds the formal objects of the attention-based clustering
// setting (Maulen-Soto, Marion, Boyer, arXiv:2505.13112): the Gaussian
// mixture that generates tokens, the two-head attention layer over learned
// keys with its variants, the parameter-free identity-QKV layer, the
// population-risk interface that numerical back ends implement, and the
// closed forms that tests pin exactly.
//
// Everything here is pure: no I/O, no global state, no randomness except
// through a caller-supplied source. Pointwise quantities (the layer's output
// on one token, the loss on one token and its gradient) are computed here;
// population expectations live in package numerics.
//
// Conventions. Vectors are []float64 of length d; a set of K head
// parameters (or centroids) is [][]float64 with K rows. Scores are
// exponentiated only through log-sum-exp, so no input overflows.
package theory
