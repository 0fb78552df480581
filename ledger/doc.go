// Package ledger is canvass's tamper-evident election log: an append-only
// transparency log in the C2SP formats whose entries are canonical JSON
// events.
//
// The log is a set of static files laid out exactly as C2SP tlog-tiles
// specifies (checkpoint, tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>]),
// hashed as RFC 6962 Merkle trees and committed to by C2SP tlog-checkpoint
// signed notes. Any C2SP client can read it; any web server can serve it.
//
// The package is split by concern, following golang.org/x/mod/sumdb/tlog:
//
//   - canonjson.go: the canonical JSON that entries are written in.
//   - event.go, catalogue.go, payload.go, payloads.go: the event schema
//     (NIST SP 1500-101 Event fields plus a typed payload), the catalogue
//     of event types and one payload struct per type.
//   - checkpoint.go, tiles.go, proof.go: C2SP formats (checkpoints, tile
//     paths and entry bundles, tlog-proof).
//   - verify.go: the pure verifier. It reads the log only through a
//     [Fetcher] the caller supplies ([DirFetcher] and [HTTPFetcher]), so
//     the same code checks both.
//   - quorum.go: witness policies (C2SP tlog-policy), parsed and checked
//     by package ledger/witness so that logs, witnesses and verifiers read
//     them the same way.
//   - log.go, witnessing.go, keys.go: the writer, which sequences and
//     durably stores entries through a [Driver] and signs with a
//     note.Signer, and publishes checkpoints once a witness quorum has
//     cosigned them; appender.go: the concurrent, group-committing
//     [Appender] over it.
//   - driver.go: the storage interface; dir.go, files.go, lock_*.go,
//     keyfile.go: the POSIX directory driver and the key and state
//     files, which are the only files that touch the operating system
//     (built off js, so the rest builds for WebAssembly).
//   - export.go: NIST SP 1500-101 ElectionEventLog export.
//   - serve.go: a read-only HTTP handler for exactly the tlog-tiles paths,
//     over a Fetcher.
package ledger
