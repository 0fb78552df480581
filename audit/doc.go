// Package audit is the deterministic core of a risk-limiting audit
// workflow: the part the web office and `canvass verify` share.
//
// Given an audit's Definition and its inputs (ballot manifests, CVRs or
// batch tallies per jurisdiction), Prepare validates them against each
// other and computes the reported results, margins and, for IRV contests,
// the RAIRE assertions to audit. A round is drawn from the public seed
// with the same library call `canvass rla sample` makes (package
// rla/draw), and closed from the audit boards' readings: discrepancies
// per contest (per assertion for IRV), the risk measured by the very
// `canvass rla risk` request that the report carries, and the decision
// per targeted contest — confirmed, another round of a given size, or a
// full hand count.
//
// The package keeps no hidden state. An Audit is a pure function of its
// definition and inputs; a Round is a pure function of the Audit, the seed
// and the sizes; a RoundResult is a pure function of the Audit, the rounds
// drawn so far and the readings. The office stores each of these as an
// event in the election's log and the verifier replays the events through
// the same functions. Nothing here opens a file, reads a clock or draws a
// random number; writers are passed in. See docs/audit.md.
package audit
