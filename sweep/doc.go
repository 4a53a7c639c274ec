// Package sweep runs the verification suite: it draws the regimes of each
// claim (inside its a priori hypotheses, and an outside sample for the
// map), checks every claim on them and on the named regimes with a worker
// pool, measures the separation thresholds, shrinks counterexamples toward
// the hypothesis boundary, and computes the data behind the report's
// figures. It does no I/O besides the optional progress writer; package
// report renders its Outcome.
//
// Every output is a deterministic function of the Config and the Suite:
// the number of workers and the scheduling change only the wall times.
package sweep
