package ledger

// A sample payload of the audit publication type, for the catalogue-wide
// tests.
func init() {
	const sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	samplePayloads["audit-publication"] = `{"audit":"a_1","version":1,"trigger":"seed","round":0,"files":[{"name":"index.html","sha256":"` + sha + `","size":0}]}`
}
