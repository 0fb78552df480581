// Package auth holds the security primitives of the canvass web office:
// password hashing and policy, TOTP second factors, lockout after repeated
// failures, server-side session tokens, one-time enrollment codes, sealing of
// secrets at rest, and the two-person rule's signed approvals (signed-note
// Ed25519 keys and WebAuthn credentials).
//
// The package does no HTTP and touches no database: the caller stores the
// hashes, sealed blobs and counters it returns. docs/security.md describes the
// policies and formats and why they were chosen.
package auth
