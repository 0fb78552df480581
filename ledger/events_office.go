package ledger

// The event types of the election office (package office, "canvass serve").
// They live in their own file so that the office can grow its vocabulary
// without touching the base catalogue; init appends them to Catalogue and
// re-indexes it, so LookupType, append and verify all know them.

func init() {
	Catalogue = append(Catalogue, officeEvents...)
	catalogueIndex = make(map[string]*EventType, len(Catalogue))
	for i := range Catalogue {
		catalogueIndex[Catalogue[i].ID] = &Catalogue[i]
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
			{Name: "signing_key", Kind: KindVKey, Required: true, Doc: "the public part of the user's personal signing key (a signed-note verifier key); approvals are checked against it"},
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
			{Name: "reports", Kind: KindFiles, Required: true, Doc: "the reports written, exactly as 'canvass tabulate' writes them"},
			{Name: "summary", Kind: KindFile, Required: true, Doc: "the canvass results summary (JSON)"},
			{Name: "results", Kind: KindFile, Required: true, Doc: "the NIST SP 1500-100 results report (JSON)"},
			{Name: "software_version", Kind: KindString, Required: true, Doc: "version of canvass that counted"},
			{Name: "contests", Kind: KindStrings, Doc: "the contests tabulated"},
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
			{Name: "signature", Kind: KindString, Required: true, Doc: "the signed note exactly as submitted"},
		},
	},
	{
		ID: "request-refused", Severity: "warning",
		Description: "A signature on a request was refused (same person twice, a role not allowed to approve it, a bad signature). Nothing changed. UserId is who tried.",
		Payload: []Field{
			{Name: "request", Kind: KindString, Required: true, Doc: "the request's id"},
			{Name: "signer", Kind: KindString, Required: true, Doc: "the account that tried to sign"},
			{Name: "reason", Kind: KindEnum, Required: true, Enum: []string{"same-person", "not-allowed", "bad-signature", "not-pending"}, Doc: "why it was refused"},
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
			{Name: "signatures", Kind: KindStrings, Required: true, Doc: "their signed notes, exactly as submitted, in the same order"},
			{Name: "files", Kind: KindFiles, Doc: "files the action wrote (a publication's snapshot)"},
		},
	},
}
