package ledger

// Sample payloads of the office's event types, for the catalogue-wide tests.
func init() {
	const sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	const file = `{"name":"cvr.xlsx","sha256":"` + sha + `","size":0}`
	for k, v := range map[string]string{
		"office-created":      `{"origin":"county.example/office","admins":["ada","bob"],"jurisdiction":"state"}`,
		"service-start":       `{"version":"v1.0.0 (abc)","binary_sha256":"` + sha + `","address":"127.0.0.1:8080"}`,
		"user-enrolled":       `{"subject":"ada","signing_key":"ada+0123abcd+AXdtwHyuQ2WgQ7yXOMjYOhZYU8s5+pC0XZtNnFh3RAL1"}`,
		"election-created":    `{"election":"e_1","name":"General","date":"2026-11-03","jurisdiction":"state/county-a"}`,
		"file-upload":         `{"election":"e_1","files":[` + file + `]}`,
		"election-tabulation": `{"election":"e_1","tabulation":"t_1","mode":"test","inputs":[` + file + `],"reports":[` + file + `],"summary":` + file + `,"results":` + file + `,"software_version":"v1"}`,
		"request-created":     `{"request":"r_1","kind":"users","jurisdiction":"state","action":"{}","action_sha256":"` + sha + `","sign_text":"canvass-request/v1"}`,
		"request-signed":      `{"request":"r_1","signer":"ada","signature":"note"}`,
		"request-refused":     `{"request":"r_1","signer":"ada","reason":"same-person"}`,
		"request-executed":    `{"request":"r_1","kind":"users","action_sha256":"` + sha + `","signers":["ada","bob"],"signatures":["a","b"]}`,
	} {
		samplePayloads[k] = v
	}
}
