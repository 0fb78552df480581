package ledger

// Sample payloads of the audit event types, for the catalogue-wide tests.
func init() {
	const sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	const file = `{"name":"round-1.json","sha256":"` + sha + `","size":0}`
	for k, v := range map[string]string{
		"audit-created":       `{"audit":"a_1","election":"e_1","jurisdiction":"state","definition":"{}"}`,
		"audit-upload":        `{"audit":"a_1","jurisdiction":"county-a","kind":"manifest","format":"arlo","file":` + file + `}`,
		"audit-round-drawn":   `{"audit":"a_1","round":1,"skip":0,"count":10,"sample":` + file + `}`,
		"audit-board-created": `{"audit":"a_1","board":"bd_1","jurisdiction":"county-a","round":1,"members":["A","B"],"accounts":["bd_1-1","bd_1-2"],"account_jurisdiction":"state/county-a"}`,
		"audit-reading":       `{"audit":"a_1","round":1,"board":"bd_1","ballot":"{}","readings":"{}"}`,
		"audit-board-signed":  `{"audit":"a_1","round":1,"board":"bd_1"}`,
		"audit-round-closed":  `{"audit":"a_1","round":1,"result":` + file + `,"outcome":"done"}`,
	} {
		samplePayloads[k] = v
	}
}
