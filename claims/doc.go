// Package claims turns the claims of docs/MODEL.md §7 into executable
// statements. Each claim (C0 to C4, one file each) has a stable ID, a
// precise statement (hypotheses, quantity, tolerance and why), a regime
// generator, and a checker that returns verdicts with certificates.
//
// A verdict compares a margin (how much the statement holds by, in the
// units of its quantity; negative when violated) with a certified bound on
// the numerical error of that margin:
//
//	HOLDS         margin >  error bound
//	FAILS         margin < -error bound
//	INCONCLUSIVE  otherwise, or when the numerics did not converge
//
// so HOLDS is never issued without an error bound behind it. Checks that
// rest on Monte Carlo state their margin in standard errors and say so.
//
// Claims are written against theory.Model, so a different reading of the
// paper's layer, or a deliberately broken one (see the planted-bug tests),
// plugs in through Env.
package claims
