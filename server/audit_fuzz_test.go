package server

import (
	"errors"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
)

// Fuzz targets for the audit request bodies (fuzzDecoder in fuzz_test.go).

func FuzzAuditSetupRequest(f *testing.F) {
	fuzzDecoder[office.AuditSetup](f, `{"name":"RLA","election":"e-1","type":"ballot-comparison","math":"supersimple","risk_limit":0.05,"sampler":"arlo","contests":[{"name":"Governor","targeted":true,"jurisdictions":["a","b"]}]}`,
		`{"risk_limit":1e400}`, `{"contests":[{"reported":{"A":1}}]}`)
}

func FuzzSeedRequest(f *testing.F) {
	fuzzDecoder[seedRequest](f, `{"seed":"12345678901234567890","rolled_by":["A"],"witnesses":["B","C"]}`)
}

func FuzzRoundRequest(f *testing.F) {
	fuzzDecoder[roundRequest](f, `{"sample_size":{"draws":10}}`, `{"sample_size":{"key":"0.9"}}`, `{"sample_size":{"draws":-1}}`)
}

func FuzzBoardRequest(f *testing.F) {
	fuzzDecoder[boardRequest](f, `{"members":["A","B"]}`)
}

func FuzzReadingRequest(f *testing.F) {
	fuzzDecoder[readingRequest](f, `{"readings":{"Governor":{"choices":["Alice"]},"Measure":{"status":"no-consensus","comment":"torn"}}}`, `{"readings":{"X":null}}`)
}

// FuzzAuditDefinition checks that turning any decodable setup into a
// definition never panics and refuses only with a field error.
func FuzzAuditDefinition(f *testing.F) {
	f.Add([]byte(`{"name":"RLA","election":"e-1","type":"ballot-comparison","math":"supersimple","risk_limit":0.05,"sampler":"arlo","contests":[{"name":"Governor","targeted":true,"jurisdictions":["a","b"]}]}`))
	f.Add([]byte(`{"name":"RLA","type":"ballot-polling","math":"bravo","risk_limit":0.1,"sampler":"arlo","contests":[{"name":"G","targeted":true,"jurisdictions":["a/b"],"reported":{"A":3,"B":1}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s office.AuditSetup
		if decodeBytes(b, &s) != nil {
			return
		}
		def, err := s.Definition()
		if err != nil {
			var fe *audit.FieldError
			if !errors.As(err, &fe) && !errors.Is(err, audit.ErrInvalid) {
				t.Fatalf("refusal %v is not a definition error", err)
			}
			return
		}
		if def.Validate() != nil {
			t.Fatal("an accepted definition does not validate")
		}
	})
}
