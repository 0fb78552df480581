// Package sampler draws risk-limiting-audit samples that anyone can
// reproduce from the public seed alone.
//
// It holds three samplers, each defined exactly enough to be reimplemented
// in a few lines of another language:
//
//   - Corla: Rivest's 2011 sampler as ColoradoRLA uses it. Draw i is
//     1 + SHA-256(seed + "," + i) mod N.
//   - Consistent sampling (Sample, ArloSample): Rivest's consistent sampler
//     as Arlo uses it, with 18-digit tickets and Python-rendered ballot ids,
//     so that the same seed and manifests give Arlo's ballots.
//   - PPS: batches drawn with probability proportional to an error bound,
//     for batch-comparison (MACRO) audits, using only SHA-256 and exact
//     rational arithmetic. ArloPPEB reproduces Arlo's own numpy-based draw
//     for cross-checking.
//
// The package is pure: it reads no files. Manifests are parsed by package
// rla/manifest and passed in as values.
package sampler
