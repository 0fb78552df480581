// Package office is the election office behind "canvass serve": people and
// their roles, sign-in, elections, uploaded files, tabulations, two-person
// requests and publications.
//
// The election log (package ledger) is the source of truth. Every state
// change is validated and authorized, written to the log as one event,
// durably, and only then applied to the database (package store), which is
// a projection of the log: one pure function, project, turns each logged
// event into the records it changes, both live and when "canvass rebuild"
// recreates the database from the log. Large content lives once in the
// content-addressed file store (package office/blobs) and the log commits
// to it by name, size and SHA-256.
//
// Credentials (password hashes, sealed TOTP secrets, lockout counters,
// enrollment-code hashes) are the only state that is not in the log: they
// must never be published. docs/office.md says how to back them up.
package office
