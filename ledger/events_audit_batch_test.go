package ledger

// Sample payloads of the batch-audit event types, for the catalogue-wide tests.
func init() {
	for k, v := range map[string]string{
		"audit-batch-sheet":     `{"audit":"a_1","round":1,"jurisdiction":"county-a","batch":"B1","sheet":"Sheet 1","contests":"{\"Council\":{\"Cho\":30}}"}`,
		"audit-batch-finalized": `{"audit":"a_1","round":1,"jurisdiction":"county-a","batch":"B1","sheets":2,"tallies":"{}","status":"not-found","comment":"box missing"}`,
	} {
		samplePayloads[k] = v
	}
}
