// Package draw draws a risk-limiting audit's sample from the public seed
// and the ballot manifests, and lays it out as rows: the CSV and JSON that
// `canvass rla sample` prints, and the per-jurisdiction retrieval lists an
// audit board works from.
//
// It is the one place both the CLI and the web office call, so that a
// sample drawn in either is byte for byte the same. The algorithms are in
// package rla/sampler; the manifests are parsed by package rla/manifest.
// Like them, this package opens no file: writers are passed in.
//
// Every sampler is asked the same way, with a Request: the seed, how many
// draws earlier rounds took (Skip) and how many to return now (Count).
// Rows come as an iterator so that a sampler that can stream (Colorado's
// with replacement, PPS) never holds the sample in memory; samplers that
// cannot refuse requests beyond MaxDraws rather than exhaust memory.
package draw
