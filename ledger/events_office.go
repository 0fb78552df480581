package ledger

// The event types of the election office (package office, "canvass serve").
// They live in their own file so that the office can grow its vocabulary
// without touching the base catalogue; init appends them to Catalogue and
// registers each with its payload struct, so LookupType, append, verify,
// NewEvent and DecodePayload all know them.

func init() {
	zeros := []Payload{OfficeCreated{}, ServiceStart{}, UserEnrolled{}, ElectionCreated{}, FileUpload{},
		ElectionTabulation{}, RequestCreated{}, RequestSigned{}, RequestRefused{}, RequestExecuted{}}
	for i, et := range officeEvents {
		registerType(et, zeros[i])
	}
}

var officeEvents = []EventType{
	{
		ID: "office-created", Severity: "critical",
		Description: "An election office was created by 'canvass init'; its first administrators await enrollment.",
		Payload: []Field{
			{Name: "origin", Kind: KindString, Required: true, Doc: "the office's origin (the log's key name)"},
			{Name: "admins", Kind: KindStrings, Required: true, Doc: "the administrator accounts created, each pending enrollment with a one-time code"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the jurisdiction of the administrators, e.g. \"state\""},
		},
	},
	{
		ID: "service-start", Severity: "notice",
		Description: "'canvass serve' started. Records exactly which binary is running.",
		Payload: []Field{
			{Name: "version", Kind: KindString, Required: true, Doc: "canvass's version and VCS revision"},
			{Name: "binary_sha256", Kind: KindSHA256, Required: true, Doc: "SHA-256 of the running executable"},
			{Name: "address", Kind: KindString, Doc: "the address the service listens on"},
		},
	},
	{
		ID: "user-enrolled", Severity: "notice",
		Description: "A user completed enrollment: set a password, confirmed a TOTP second factor and registered a personal signing key. UserId is the user.",
		Payload: []Field{
			{Name: "subject", Kind: KindString, Required: true, Doc: "the account that enrolled"},
			{Name: "signing_key", Kind: KindVKey, Doc: "the public part of the user's personal signing key when it is a signed-note key (its verifier key); approvals are checked against it"},
			{Name: "webauthn_credential_id", Kind: KindString, Doc: "when the personal signing key is a WebAuthn credential instead: its credential id (standard base64)"},
			{Name: "webauthn_public_key", Kind: KindString, Doc: "the WebAuthn credential's public key, a COSE_Key (standard base64); approvals are checked against it with auth.VerifyWebAuthnSignature"},
			{Name: "webauthn_rp_id", Kind: KindString, Doc: "the WebAuthn relying party ID (the office's host name) the credential is bound to"},
		},
	},
	{
		ID: "election-created", Severity: "notice",
		Description: "An election was created in the office, in test mode. UserId is the official who created it.",
		Payload: []Field{
			{Name: "election", Kind: KindString, Required: true, Doc: "the election's id"},
			{Name: "name", Kind: KindString, Required: true, Doc: "the election's name"},
			{Name: "date", Kind: KindString, Required: true, Doc: "election day, YYYY-MM-DD"},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the jurisdiction that runs it, e.g. \"state/county-a\""},
		},
	},
	{
		ID: "file-upload", Severity: "info",
		Description: "Files were uploaded to an election (CVR exports, RCTab configurations, manifests). Each is stored once by SHA-256. UserId is the uploader.",
		Payload: []Field{
			{Name: "election", Kind: KindString, Required: true, Doc: "the election's id"},
			{Name: "files", Kind: KindFiles, Required: true, Doc: "the files stored, with their names as uploaded (zip members by their path in the archive)"},
		},
	},
	{
		ID: "election-tabulation", Severity: "info",
		Description: "An election's contest was tabulated in the office. UserId is the official who ran it.",
		Payload: []Field{
			{Name: "election", Kind: KindString, Required: true, Doc: "the election's id"},
			{Name: "tabulation", Kind: KindString, Required: true, Doc: "the tabulation's id"},
			{Name: "mode", Kind: KindEnum, Required: true, Enum: []string{"test", "official"}, Doc: "the election's mode when counted; test results stay marked as such"},
			{Name: "inputs", Kind: KindFiles, Required: true, Doc: "the configuration and CVR files read"},
			{Name: "reports", Kind: KindFiles, Required: true, Doc: "the reports written at the top of the results folder, exactly as 'canvass tabulate' writes them"},
			{Name: "report_index", Kind: KindFile, Doc: "a JSON array of the reports in subfolders (per precinct or batch), each {name, sha256, size}: committed through one file so that the entry stays small however many precincts there are"},
			{Name: "summary", Kind: KindFile, Required: true, Doc: "the canvass results summary (JSON)"},
			{Name: "results", Kind: KindFile, Required: true, Doc: "the NIST SP 1500-100 results report (JSON)"},
			{Name: "software_version", Kind: KindString, Required: true, Doc: "version of canvass that counted"},
			{Name: "contests", Kind: KindStrings, Doc: "the contests tabulated"},
			{Name: "rules_sha256", Kind: KindSHA256, Doc: "for a count with an RCTab configuration, SHA-256 of the canonical JSON of its rules part (the configuration without cvrFileSources[].filePath, outputSettings and tabulatorVersion); a contest's first such count puts its rules in force, and a count under other rules needs an executed rules-change request"},
			{Name: "request", Kind: KindString, Doc: "the rules-change request this count carries out, if any"},
		},
	},
	{
		ID: "request-created", Severity: "notice",
		Description: "A sensitive action was requested; it executes only once two different people allowed to approve it have signed its sign text. UserId is the requester.",
		Payload: []Field{
			{Name: "request", Kind: KindString, Required: true, Doc: "the request's id"},
			{Name: "kind", Kind: KindString, Required: true, Doc: "what kind of action, e.g. \"users\" or \"publication\""},
			{Name: "jurisdiction", Kind: KindString, Required: true, Doc: "the jurisdiction the action applies to"},
			{Name: "action", Kind: KindString, Required: true, Doc: "the action, canonical JSON"},
			{Name: "action_sha256", Kind: KindSHA256, Required: true, Doc: "SHA-256 of the action's canonical JSON"},
			{Name: "sign_text", Kind: KindString, Required: true, Doc: "the text each approver signs (names the origin, the request id, the kind and action_sha256)"},
		},
	},
	{
		ID: "request-signed", Severity: "notice",
		Description: "A person approved a pending request with their personal signing key; more signatures are needed. UserId is the signer.",
		Payload: []Field{
			{Name: "request", Kind: KindString, Required: true, Doc: "the request's id"},
			{Name: "signer", Kind: KindString, Required: true, Doc: "the account that signed"},
			{Name: "signature", Kind: KindString, Required: true, Doc: "the signed note exactly as submitted or, for a WebAuthn signing key, the assertion as auth.WebAuthnSignature JSON (credentialId, authenticatorData, clientDataJSON, signature, userHandle; standard base64)"},
		},
	},
	{
		ID: "request-refused", Severity: "warning",
		Description: "A signature on a request was refused (same person twice, a role not allowed to approve it, a bad signature), or a request with its second signature could no longer execute and is refused for good. UserId is who signed.",
		Payload: []Field{
			{Name: "request", Kind: KindString, Required: true, Doc: "the request's id"},
			{Name: "signer", Kind: KindString, Required: true, Doc: "the account that tried to sign"},
			{Name: "reason", Kind: KindEnum, Required: true, Enum: []string{"same-person", "not-allowed", "bad-signature", "not-pending", "cannot-execute"}, Doc: "why it was refused; \"cannot-execute\" ends the request with status refused"},
		},
	},
	{
		ID: "request-executed", Severity: "critical",
		Description: "A request reached two valid signatures by two different people and its action was carried out. The signatures are exactly as submitted, so anyone can check them against the keys logged at enrollment. UserId is the second signer.",
		Payload: []Field{
			{Name: "request", Kind: KindString, Required: true, Doc: "the request's id"},
			{Name: "kind", Kind: KindString, Required: true, Doc: "the request's kind"},
			{Name: "action_sha256", Kind: KindSHA256, Required: true, Doc: "SHA-256 of the action's canonical JSON (see the request-created event)"},
			{Name: "signers", Kind: KindStrings, Required: true, Doc: "the accounts that signed, in order"},
			{Name: "signatures", Kind: KindStrings, Required: true, Doc: "their signatures in the same order: signed notes exactly as submitted, or WebAuthn assertions as auth.WebAuthnSignature JSON"},
			{Name: "files", Kind: KindFiles, Doc: "files the action wrote (a publication's snapshot)"},
			{Name: "file_index", Kind: KindFile, Doc: "a JSON array of further files the action wrote, each {name, sha256, size} (a snapshot's per-precinct reports)"},
		},
	},
}

// The payload structs of the office's event types, in the same order.

// OfficeCreated is the payload of "office-created" events. An election office was created by 'canvass init'; its first administrators await enrollment.
type OfficeCreated struct {
	// Origin is the office's origin (the log's key name).
	Origin string `json:"origin"`
	// Admins is the administrator accounts created, each pending enrollment with a one-time code.
	Admins []string `json:"admins"`
	// Jurisdiction is the jurisdiction of the administrators, e.g. "state".
	Jurisdiction string `json:"jurisdiction"`
}

// EventType implements Payload.
func (OfficeCreated) EventType() string { return "office-created" }

// ServiceStart is the payload of "service-start" events. 'canvass serve' started. Records exactly which binary is running.
type ServiceStart struct {
	// Version is canvass's version and VCS revision.
	Version string `json:"version"`
	// BinarySHA256 is SHA-256 of the running executable.
	BinarySHA256 string `json:"binary_sha256"`
	// Address is the address the service listens on.
	Address string `json:"address,omitempty"`
}

// EventType implements Payload.
func (ServiceStart) EventType() string { return "service-start" }

// UserEnrolled is the payload of "user-enrolled" events. A user completed enrollment: set a password, confirmed a TOTP second factor and registered a personal signing key. UserId is the user.
type UserEnrolled struct {
	// Subject is the account that enrolled.
	Subject string `json:"subject"`
	// SigningKey is the public part of the user's personal signing key when it is a signed-note key (its verifier key); approvals are checked against it.
	SigningKey string `json:"signing_key,omitempty"`
	// WebAuthnCredentialID is, when the personal signing key is a WebAuthn credential instead, its credential id (standard base64).
	WebAuthnCredentialID string `json:"webauthn_credential_id,omitempty"`
	// WebAuthnPublicKey is the WebAuthn credential's public key, a COSE_Key (standard base64); approvals are checked against it with auth.VerifyWebAuthnSignature.
	WebAuthnPublicKey string `json:"webauthn_public_key,omitempty"`
	// WebAuthnRPID is the WebAuthn relying party ID (the office's host name) the credential is bound to.
	WebAuthnRPID string `json:"webauthn_rp_id,omitempty"`
}

// EventType implements Payload.
func (UserEnrolled) EventType() string { return "user-enrolled" }

// ElectionCreated is the payload of "election-created" events. An election was created in the office, in test mode. UserId is the official who created it.
type ElectionCreated struct {
	// Election is the election's id.
	Election string `json:"election"`
	// Name is the election's name.
	Name string `json:"name"`
	// Date is election day, YYYY-MM-DD.
	Date string `json:"date"`
	// Jurisdiction is the jurisdiction that runs it, e.g. "state/county-a".
	Jurisdiction string `json:"jurisdiction"`
}

// EventType implements Payload.
func (ElectionCreated) EventType() string { return "election-created" }

// FileUpload is the payload of "file-upload" events. Files were uploaded to an election (CVR exports, RCTab configurations, manifests). Each is stored once by SHA-256. UserId is the uploader.
type FileUpload struct {
	// Election is the election's id.
	Election string `json:"election"`
	// Files is the files stored, with their names as uploaded (zip members by their path in the archive).
	Files []FileCommitment `json:"files"`
}

// EventType implements Payload.
func (FileUpload) EventType() string { return "file-upload" }

// ElectionTabulation is the payload of "election-tabulation" events. An election's contest was tabulated in the office. UserId is the official who ran it.
type ElectionTabulation struct {
	// Election is the election's id.
	Election string `json:"election"`
	// Tabulation is the tabulation's id.
	Tabulation string `json:"tabulation"`
	// Mode is the election's mode when counted; test results stay marked as such.
	Mode string `json:"mode"`
	// Inputs is the configuration and CVR files read.
	Inputs []FileCommitment `json:"inputs"`
	// Reports is the reports written at the top of the results folder, exactly as 'canvass tabulate' writes them.
	Reports []FileCommitment `json:"reports"`
	// ReportIndex is a JSON array of the reports in subfolders (per precinct or batch), each {name, sha256, size}.
	ReportIndex *FileCommitment `json:"report_index,omitempty"`
	// Summary is the canvass results summary (JSON).
	Summary FileCommitment `json:"summary"`
	// Results is the NIST SP 1500-100 results report (JSON).
	Results FileCommitment `json:"results"`
	// SoftwareVersion is version of canvass that counted.
	SoftwareVersion string `json:"software_version"`
	// Contests is the contests tabulated.
	Contests []string `json:"contests,omitempty"`
	// RulesSHA256 is, for a count with an RCTab configuration, SHA-256 of the canonical JSON of its rules part.
	RulesSHA256 string `json:"rules_sha256,omitempty"`
	// Request is the rules-change request this count carries out, if any.
	Request string `json:"request,omitempty"`
}

// EventType implements Payload.
func (ElectionTabulation) EventType() string { return "election-tabulation" }

// RequestCreated is the payload of "request-created" events. A sensitive action was requested; it executes only once two different people allowed to approve it have signed its sign text. UserId is the requester.
type RequestCreated struct {
	// Request is the request's id.
	Request string `json:"request"`
	// Kind is what kind of action, e.g. "users" or "publication".
	Kind string `json:"kind"`
	// Jurisdiction is the jurisdiction the action applies to.
	Jurisdiction string `json:"jurisdiction"`
	// Action is the action, canonical JSON.
	Action string `json:"action"`
	// ActionSHA256 is SHA-256 of the action's canonical JSON.
	ActionSHA256 string `json:"action_sha256"`
	// SignText is the text each approver signs (names the origin, the request id, the kind and action_sha256).
	SignText string `json:"sign_text"`
}

// EventType implements Payload.
func (RequestCreated) EventType() string { return "request-created" }

// RequestSigned is the payload of "request-signed" events. A person approved a pending request with their personal signing key; more signatures are needed. UserId is the signer.
type RequestSigned struct {
	// Request is the request's id.
	Request string `json:"request"`
	// Signer is the account that signed.
	Signer string `json:"signer"`
	// Signature is the signed note exactly as submitted or, for a WebAuthn signing key, the assertion as auth.WebAuthnSignature JSON (credentialId, authenticatorData, clientDataJSON, signature, userHandle; standard base64).
	Signature string `json:"signature"`
}

// EventType implements Payload.
func (RequestSigned) EventType() string { return "request-signed" }

// RequestRefused is the payload of "request-refused" events. A signature on a request was refused (same person twice, a role not allowed to approve it, a bad signature), or a request with its second signature could no longer execute and is refused for good. UserId is who signed.
type RequestRefused struct {
	// Request is the request's id.
	Request string `json:"request"`
	// Signer is the account that tried to sign.
	Signer string `json:"signer"`
	// Reason is why it was refused; "cannot-execute" ends the request with status refused.
	Reason string `json:"reason"`
}

// EventType implements Payload.
func (RequestRefused) EventType() string { return "request-refused" }

// RequestExecuted is the payload of "request-executed" events. A request reached two valid signatures by two different people and its action was carried out. The signatures are exactly as submitted, so anyone can check them against the keys logged at enrollment. UserId is the second signer.
type RequestExecuted struct {
	// Request is the request's id.
	Request string `json:"request"`
	// Kind is the request's kind.
	Kind string `json:"kind"`
	// ActionSHA256 is SHA-256 of the action's canonical JSON (see the request-created event).
	ActionSHA256 string `json:"action_sha256"`
	// Signers is the accounts that signed, in order.
	Signers []string `json:"signers"`
	// Signatures is their signatures in the same order: signed notes exactly as submitted, or WebAuthn assertions as auth.WebAuthnSignature JSON.
	Signatures []string `json:"signatures"`
	// Files is files the action wrote (a publication's snapshot).
	Files []FileCommitment `json:"files,omitempty"`
	// FileIndex is a JSON array of further files the action wrote, each {name, sha256, size}.
	FileIndex *FileCommitment `json:"file_index,omitempty"`
}

// EventType implements Payload.
func (RequestExecuted) EventType() string { return "request-executed" }
