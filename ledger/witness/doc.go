// Package witness implements the witness side of the C2SP transparency-log
// ecosystem for canvass: timestamped Ed25519 cosignatures
// (c2sp.org/tlog-cosignature, cosignature/v1), trust policies
// (c2sp.org/tlog-policy), and the add-checkpoint protocol
// (c2sp.org/tlog-witness) as an HTTP server and client.
//
// A witness keeps, for every log it knows, the latest checkpoint it has
// cosigned. It cosigns a new checkpoint only if the log signed it and a
// Merkle consistency proof shows that it extends the stored one, so a log
// operator who rewrites, truncates or forks the election log is caught by
// every witness that saw the earlier state.
//
// The package works on the C2SP text formats only; it does not know how
// canvass builds its log. The parsers and the quorum check are pure
// functions; the HTTP server takes its state store ([Store]) and signing key
// ([Cosigner]) from the caller.
//
// References: the specifications under c2sp.org (signed-note,
// tlog-checkpoint, tlog-cosignature, tlog-policy, tlog-witness) and RFC 6962
// for Merkle consistency proofs.
package witness
