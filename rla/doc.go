// Package rla holds the risk math of risk-limiting audits: ballot polling
// (BRAVO and ALPHA), ballot-level comparison (Arlo's SuperSimple, Colorado's
// Kaplan–Markov and ALPHA with the comparison assorter), batch comparison
// (MACRO, with pending ballots), the conservative conventions that make an
// audit safe when ballots go missing, and the per-ballot discrepancy
// computation that feeds the comparison methods.
//
// Every function is pure: no files, no clocks, no randomness. The numbers
// must match what Arlo (votingworks/arlo, server/audit_math) and ColoradoRLA
// compute, because observers cross-check canvass with those tools; where the
// reference implementations round, cap or special-case, this package does the
// same and the doc comment says so. Where canvass deliberately differs (to be
// more conservative), the doc comment says that too.
//
// Risk limits are fractions (0.05 for 5%). Sizes are numbers of ballots (or
// batches for MACRO) and are never negative. A result whose FullHandCount
// field is set means the audit cannot (or need not) go on by sampling: the
// sample has reached the ballot count or the risk limit cannot be met, and
// the contest must be counted by hand.
//
// The samplers, manifests and RAIRE assertion generation live in the
// subpackages rla/sampler, rla/manifest and rla/raire.
package rla
