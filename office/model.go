package office

// The records of the projection. Each is stored as the JSON encoding of its
// struct (fixed field order), so that a live store and a rebuilt one dump
// the same bytes.

// Roles a user can hold.
const (
	RoleAdmin      = "admin"
	RoleOfficial   = "official"
	RoleObserver   = "observer"
	RoleAuditAdmin = "audit-admin"
	RoleAuditBoard = "audit-board"
)

// Roles lists every role, in documentation order.
var Roles = []string{RoleAdmin, RoleOfficial, RoleObserver, RoleAuditAdmin, RoleAuditBoard}

// StateJurisdiction is the jurisdiction that sees every county.
const StateJurisdiction = "state"

// Record kinds.
const (
	kindUser        = "user"
	kindElection    = "election"
	kindFile        = "file"
	kindTabulation  = "tabulation"
	kindRequest     = "request"
	kindPublication = "publication"
	kindCurrent     = "publication-current"
	kindInstall     = "software-install"
	kindOffice      = "office"
)

// User is an account.
type User struct {
	Name         string   `json:"name"`
	Roles        []string `json:"roles"`
	Jurisdiction string   `json:"jurisdiction"`
	// Status is "pending" until the user enrolls, then "active".
	Status string `json:"status"`
	// SigningKey is the verifier key of the user's personal signing key,
	// registered at enrollment.
	SigningKey string `json:"signing_key,omitempty"`
	// WebAuthn is the user's WebAuthn credential, when that is their
	// personal signing key instead of a signed-note key.
	WebAuthn *WebAuthnKey `json:"webauthn,omitempty"`
	// Request is the two-person request that created the account; empty
	// for the administrators created by "canvass init".
	Request string `json:"request,omitempty"`
	// Party is the person's party, where the jurisdiction records parties
	// (audit boards need members of different parties); "" if none.
	Party string `json:"party,omitempty"`
	// Disabled is set (and cleared) by user-change requests: a disabled
	// account can neither sign in nor act, and its sessions end.
	Disabled bool `json:"disabled,omitempty"`
	// Expires, for a time-boxed emergency account, is when it stops
	// working (RFC 3339, UTC); "" for an ordinary account.
	Expires string `json:"expires,omitempty"`
	// Reset is the last user-reset request executed on the account.
	Reset string `json:"reset,omitempty"`
	// RevokedKeys are the signing keys resets revoked (verifier keys, or
	// "webauthn:" and a credential id): never registered again.
	RevokedKeys []string `json:"revoked_keys,omitempty"`
}

// WebAuthnKey is the public part of a WebAuthn credential registered as a
// personal signing key, as the user-enrolled event logs it: what
// auth.VerifyWebAuthnSignature needs to check an approval offline.
type WebAuthnKey struct {
	CredentialID  []byte `json:"credential_id"`
	PublicKeyCOSE []byte `json:"public_key_cose"`
	RPID          string `json:"rp_id"`
}

// HasRole reports whether u holds role.
func (u *User) HasRole(role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Election is one election run by the office.
type Election struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Date         string `json:"date"`
	Jurisdiction string `json:"jurisdiction"`
	// Mode is "test" (logic and accuracy testing) or "official".
	Mode      string `json:"mode"`
	CreatedBy string `json:"created_by"`
}

// FileRef names stored content.
type FileRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// File is an uploaded file of an election.
type File struct {
	Election   string `json:"election"`
	Name       string `json:"name"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	UploadedBy string `json:"uploaded_by"`
	// Withdrawn is set by an executed file-withdrawal request; the file
	// stays in the record but is no longer used.
	Withdrawn bool `json:"withdrawn,omitempty"`
}

// Tabulation is one count of an election's contest.
type Tabulation struct {
	ID       string    `json:"id"`
	Election string    `json:"election"`
	Mode     string    `json:"mode"`
	Inputs   []FileRef `json:"inputs"`
	Reports  []FileRef `json:"reports"`
	// ReportIndex, if set, is a stored JSON array of the reports in
	// subfolders (per precinct or batch), which are too many to list in
	// the log entry itself.
	ReportIndex     *FileRef `json:"report_index,omitempty"`
	Summary         FileRef  `json:"summary"`
	Results         FileRef  `json:"results"`
	SoftwareVersion string   `json:"software_version"`
	Contests        []string `json:"contests,omitempty"`
	CreatedBy       string   `json:"created_by"`
	CreatedAt       string   `json:"created_at"`
	// RulesSHA256 is the SHA-256 of the rules part of its RCTab
	// configuration (rules.go); "" for a direct count.
	RulesSHA256 string `json:"rules_sha256,omitempty"`
	// Request is the rules-change request it carried out, if any.
	Request string `json:"request,omitempty"`
}

// Signature is one approval of a request.
type Signature struct {
	Signer    string `json:"signer"`
	Signature string `json:"signature"`
}

// Request is a two-person request.
type Request struct {
	ID           string      `json:"id"`
	Kind         string      `json:"kind"`
	RequestedBy  string      `json:"requested_by"`
	Jurisdiction string      `json:"jurisdiction"`
	Action       string      `json:"action"`
	ActionSHA256 string      `json:"action_sha256"`
	SignText     string      `json:"sign_text"`
	Status       string      `json:"status"`
	Signatures   []Signature `json:"signatures"`
	CreatedAt    string      `json:"created_at"`
	// Sequence is the log index of the request-created event: what was
	// logged after it was logged after the request's action was public.
	Sequence int64 `json:"sequence,omitempty"`
}

// Publication is one published snapshot of an election's results.
type Publication struct {
	Election   string    `json:"election"`
	Version    int       `json:"version"`
	Tabulation string    `json:"tabulation"`
	Test       bool      `json:"test"`
	Files      []FileRef `json:"files"`
	// FileIndex, if set, is a stored JSON array of further files of the
	// snapshot (its per-precinct reports).
	FileIndex *FileRef `json:"file_index,omitempty"`
	Request   string   `json:"request"`
	At        string   `json:"at"`
}

// current is the version pointer of an election's public results.
type current struct {
	Election string `json:"election"`
	Version  int    `json:"version"`
}

// Install records a software install approved by two people.
type Install struct {
	Request   string `json:"request"`
	Component string `json:"component"`
	Version   string `json:"version"`
	NewSHA256 string `json:"new_sha256"`
	OldSHA256 string `json:"old_sha256,omitempty"`
	At        string `json:"at"`
}

// officeInfo is the office's own record.
type officeInfo struct {
	Origin string `json:"origin"`
}
