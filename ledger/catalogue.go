package ledger

// FieldKind is the type of one payload field.
type FieldKind string

// Payload field kinds. Every kind is a JSON type plus a constraint that
// append and verify both enforce.
const (
	// KindString is a non-empty string of at most 4096 bytes.
	KindString FieldKind = "string"
	// KindCount is an integer ≥ 0.
	KindCount FieldKind = "count"
	// KindSHA256 is a SHA-256 digest: 64 lower-case hexadecimal digits.
	KindSHA256 FieldKind = "sha256"
	// KindHash is a Merkle tree hash as checkpoints write it: standard
	// base64 of 32 bytes.
	KindHash FieldKind = "tree-hash"
	// KindFile is a file commitment: {"name": string, "sha256": sha256,
	// "size": count}, all three required and nothing else.
	KindFile FieldKind = "file"
	// KindFiles is a non-empty array of file commitments.
	KindFiles FieldKind = "files"
	// KindStrings is a non-empty array of non-empty strings.
	KindStrings FieldKind = "strings"
	// KindEnum is a string from the field's Enum list.
	KindEnum FieldKind = "enum"
	// KindVKey is a C2SP signed-note verifier key, name+hash+base64.
	KindVKey FieldKind = "vkey"
)

// Field describes one member of an event type's payload object.
type Field struct {
	// Name is the JSON key, in lower snake case.
	Name string
	// Kind is the field's type.
	Kind FieldKind
	// Required fields must be present; optional ones may be omitted.
	Required bool
	// Enum lists the allowed values of a KindEnum field.
	Enum []string
	// Doc says what the field records.
	Doc string
}

// EventType is one entry of the catalogue: the id written in an event's
// Type field, what it means, its default severity and its payload schema.
type EventType struct {
	// ID is the value of the event's Type field.
	ID string
	// Description says what happened when an event of this type is logged.
	Description string
	// Severity is the default Severity of the event (one of Severities).
	Severity string
	// Payload lists the payload fields; no others are allowed.
	Payload []Field
}

// Severities are the allowed values of an event's Severity, least to most
// severe.
var Severities = []string{"info", "notice", "warning", "critical"}

// Dispositions are the allowed values of an event's Disposition: NIST SP
// 1500-101's EventDispositionType.
var Dispositions = []string{"success", "failure", "na", "other"}

var fileField = func(name, doc string) Field {
	return Field{Name: name, Kind: KindFile, Required: true, Doc: doc}
}

// Catalogue is the list of event types the log accepts, in documentation
// order. Events of any other type are rejected, by append and by verify.
// docs/events.md is generated from this table (see TestEventsDoc).
var Catalogue = []EventType{
	{
		ID: "login", Severity: "info",
		Description: "A user signed in. UserId is the user.",
		Payload: []Field{
			{Name: "method", Kind: KindString, Required: true, Doc: "how the user authenticated, e.g. \"password+totp\" or \"webauthn\""},
			{Name: "address", Kind: KindString, Doc: "network address or terminal the user signed in from"},
			{Name: "session", Kind: KindString, Doc: "opaque session identifier (never a secret session token)"},
		},
	},
	{
		ID: "logout", Severity: "info",
		Description: "A user's session ended. UserId is the user.",
		Payload: []Field{
			{Name: "reason", Kind: KindEnum, Required: true, Enum: []string{"user", "timeout", "revoked", "shutdown"}, Doc: "why the session ended"},
			{Name: "session", Kind: KindString, Doc: "the session identifier from the login event"},
		},
	},
	{
		ID: "login-failure", Severity: "warning",
		Description: "An attempt to sign in failed. Disposition is \"failure\".",
		Payload: []Field{
			{Name: "username", Kind: KindString, Required: true, Doc: "the user name that was tried (never the password)"},
			{Name: "reason", Kind: KindEnum, Required: true, Enum: []string{"bad-credentials", "bad-second-factor", "locked", "unknown-user", "disabled", "expired", "cloned-authenticator"}, Doc: "why the attempt was refused (\"expired\": a time-boxed emergency account past its end; \"cloned-authenticator\": a security key's signature counter did not increase)"},
			{Name: "address", Kind: KindString, Doc: "network address or terminal of the attempt"},
		},
	},
	{
		ID: "user-change", Severity: "notice",
		Description: "A user account was created, changed, disabled, enabled or deleted. UserId is the administrator who did it.",
		Payload: []Field{
			{Name: "subject", Kind: KindString, Required: true, Doc: "the account that changed"},
			{Name: "action", Kind: KindEnum, Required: true, Enum: []string{"create", "update", "disable", "enable", "delete", "reset-credentials"}, Doc: "what was done to the account"},
			{Name: "approved_by", Kind: KindString, Doc: "second person who approved the change, for two-person rules"},
		},
	},
	{
		ID: "role-change", Severity: "notice",
		Description: "A role was granted to or revoked from a user. UserId is the administrator who did it.",
		Payload: []Field{
			{Name: "subject", Kind: KindString, Required: true, Doc: "the account whose roles changed"},
			{Name: "role", Kind: KindString, Required: true, Doc: "the role, e.g. \"audit-board\" or \"administrator\""},
			{Name: "action", Kind: KindEnum, Required: true, Enum: []string{"grant", "revoke"}, Doc: "whether the role was granted or revoked"},
			{Name: "approved_by", Kind: KindString, Doc: "second person who approved the change"},
		},
	},
	{
		ID: "cvr-upload", Severity: "info",
		Description: "A cast vote record export was uploaded.",
		Payload: []Field{
			fileField("file", "the uploaded file"),
			{Name: "format", Kind: KindString, Required: true, Doc: "the vendor format, e.g. \"dominion-json\", \"ess-xlsx\", \"nist-cdf-json\""},
			{Name: "records", Kind: KindCount, Doc: "number of cast vote records read from the file"},
			{Name: "tabulator", Kind: KindString, Doc: "tabulator or batch the file came from"},
		},
	},
	{
		ID: "software-install", Severity: "critical",
		Description: "Software was installed or upgraded on an election system (a trusted build).",
		Payload: []Field{
			{Name: "component", Kind: KindString, Required: true, Doc: "what was installed, e.g. \"canvass\" or \"ems-server\""},
			{Name: "version", Kind: KindString, Required: true, Doc: "version of the newly installed software"},
			{Name: "new_sha256", Kind: KindSHA256, Required: true, Doc: "SHA-256 of the newly installed binary or image"},
			{Name: "old_sha256", Kind: KindSHA256, Doc: "SHA-256 of the binary or image it replaced; absent only on a first install"},
			{Name: "old_version", Kind: KindString, Doc: "version of the software it replaced"},
			{Name: "host", Kind: KindString, Doc: "the machine it was installed on"},
		},
	},
	{
		ID: "seed-roll", Severity: "notice",
		Description: "The random seed for an audit was generated by rolling dice in public.",
		Payload: []Field{
			{Name: "seed", Kind: KindString, Required: true, Doc: "the seed exactly as rolled (e.g. 20 decimal digits)"},
			{Name: "rolled_by", Kind: KindStrings, Required: true, Doc: "who rolled the dice"},
			{Name: "witnesses", Kind: KindStrings, Required: true, Doc: "who watched the roll"},
			{Name: "audit", Kind: KindString, Doc: "the audit the seed is for"},
		},
	},
	{
		ID: "manifest-upload", Severity: "info",
		Description: "A ballot manifest (the list of paper ballot batches and their counts) was uploaded.",
		Payload: []Field{
			fileField("file", "the uploaded manifest"),
			{Name: "batches", Kind: KindCount, Doc: "number of batches in the manifest"},
			{Name: "ballots", Kind: KindCount, Doc: "number of ballots in the manifest"},
			{Name: "jurisdiction", Kind: KindString, Doc: "county or jurisdiction the manifest covers"},
		},
	},
	{
		ID: "sample-drawn", Severity: "notice",
		Description: "A sample of ballots was drawn for an audit round.",
		Payload: []Field{
			{Name: "seed", Kind: KindString, Required: true, Doc: "the seed the sample was drawn from"},
			{Name: "algorithm", Kind: KindString, Required: true, Doc: "the sampler, e.g. \"consistent-sampler-sha256\" or \"rivest-sampler\""},
			{Name: "round", Kind: KindCount, Required: true, Doc: "audit round number, from 1"},
			{Name: "sample_size", Kind: KindCount, Required: true, Doc: "number of ballots drawn"},
			{Name: "sample", Kind: KindFile, Required: true, Doc: "the published list of drawn ballots"},
			{Name: "manifest_sha256", Kind: KindSHA256, Doc: "SHA-256 of the ballot manifest sampled from"},
			{Name: "contests", Kind: KindStrings, Doc: "contests under audit"},
		},
	},
	{
		ID: "audit-board-entry", Severity: "info",
		Description: "An audit board recorded its reading of a paper ballot.",
		Payload: []Field{
			{Name: "ballot_id", Kind: KindString, Required: true, Doc: "the ballot's identifier (batch and position, or imprinted id)"},
			{Name: "contest", Kind: KindString, Required: true, Doc: "the contest read"},
			{Name: "interpretation", Kind: KindString, Required: true, Doc: "what the board read, e.g. a candidate name, \"overvote\", \"blank\", or a ranking"},
			{Name: "board", Kind: KindString, Required: true, Doc: "the audit board's name"},
			{Name: "members", Kind: KindStrings, Required: true, Doc: "the board members who agreed on the reading"},
			{Name: "round", Kind: KindCount, Doc: "audit round number"},
			{Name: "comment", Kind: KindString, Doc: "the board's note, if any"},
		},
	},
	{
		ID: "results-publication", Severity: "notice",
		Description: "Results were published.",
		Payload: []Field{
			{Name: "files", Kind: KindFiles, Required: true, Doc: "every published file"},
			{Name: "status", Kind: KindEnum, Required: true, Enum: []string{"unofficial", "official", "amended"}, Doc: "status of the results"},
			{Name: "election", Kind: KindString, Doc: "the election the results are for"},
		},
	},
	{
		ID: "tabulation-run", Severity: "info",
		Description: "Contests were tabulated.",
		Payload: []Field{
			{Name: "inputs", Kind: KindFiles, Required: true, Doc: "the CVR files and configuration read"},
			{Name: "outputs", Kind: KindFiles, Required: true, Doc: "the reports written"},
			{Name: "software_version", Kind: KindString, Required: true, Doc: "version of the tabulator, e.g. \"canvass v1.2.0 (abc123)\""},
			{Name: "contests", Kind: KindStrings, Doc: "the contests tabulated"},
		},
	},
	{
		ID: "configuration-change", Severity: "notice",
		Description: "A system or election setting was changed.",
		Payload: []Field{
			{Name: "setting", Kind: KindString, Required: true, Doc: "name of the setting"},
			{Name: "new_value", Kind: KindString, Required: true, Doc: "the new value (never a secret: log a SHA-256 of secrets instead)"},
			{Name: "old_value", Kind: KindString, Doc: "the previous value"},
			{Name: "approved_by", Kind: KindString, Doc: "second person who approved the change"},
		},
	},
	{
		ID: "checkpoint-published", Severity: "info",
		Description: "This or another log published a checkpoint (recorded for cross-logging between logs).",
		Payload: []Field{
			{Name: "origin", Kind: KindString, Required: true, Doc: "the checkpoint's origin line"},
			{Name: "size", Kind: KindCount, Required: true, Doc: "tree size"},
			{Name: "root", Kind: KindHash, Required: true, Doc: "root hash, base64 as in the checkpoint"},
			{Name: "cosigners", Kind: KindStrings, Doc: "names of the witnesses that cosigned it"},
		},
	},
	{
		ID: "log-witnessed", Severity: "info",
		Description: "A witness cosigned a checkpoint of a log.",
		Payload: []Field{
			{Name: "origin", Kind: KindString, Required: true, Doc: "the checkpoint's origin line"},
			{Name: "witness", Kind: KindString, Required: true, Doc: "the witness's key name"},
			{Name: "size", Kind: KindCount, Required: true, Doc: "tree size cosigned"},
			{Name: "root", Kind: KindHash, Required: true, Doc: "root hash cosigned, base64"},
			{Name: "timestamp", Kind: KindCount, Required: true, Doc: "the cosignature's timestamp, seconds since the Unix epoch"},
		},
	},
	{
		ID: "key-rotation", Severity: "critical",
		Description: "A signing key was replaced.",
		Payload: []Field{
			{Name: "key_use", Kind: KindEnum, Required: true, Enum: []string{"log", "witness", "results-signing", "user-credential"}, Doc: "what the key signs"},
			{Name: "new_vkey", Kind: KindVKey, Required: true, Doc: "verifier key of the new key"},
			{Name: "old_vkey", Kind: KindVKey, Doc: "verifier key of the key it replaces"},
			{Name: "reason", Kind: KindString, Doc: "why the key was rotated"},
		},
	},
}

var catalogueIndex = func() map[string]*EventType {
	m := make(map[string]*EventType, len(Catalogue))
	for i := range Catalogue {
		m[Catalogue[i].ID] = &Catalogue[i]
	}
	return m
}()

// LookupType returns the catalogue entry for a Type id.
func LookupType(id string) (*EventType, bool) {
	t, ok := catalogueIndex[id]
	return t, ok
}
