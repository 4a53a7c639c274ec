// Package baselines holds the classical clustering methods the trained
// attention layer is compared with, run on the same samples: k-means
// (k-means++ seeding, then Lloyd's iteration) and the EM algorithm for an
// isotropic Gaussian mixture with K components and a common variance.
//
// Both are deterministic functions of their inputs and seeds, and
// allocate O(n K) memory; they never read the labels of a sample.
package baselines
