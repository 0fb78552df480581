package server

import "testing"

// Fuzz targets for the batch and decision request bodies (fuzzDecoder in
// fuzz_test.go).

func FuzzSheetRequest(f *testing.F) {
	fuzzDecoder[sheetRequest](f, `{"contests":{"Council":{"Cho":15,"Diaz":9},"Levy":{"Yes":15,"No":10}}}`,
		`{"contests":{"Council":{"Cho":15}},"reason":"recount"}`, `{"contests":{"C":{"A":-1}}}`, `{"contests":{"C":{"A":1.5}}}`,
		`{"contests":{"C":{"A":1e30}}}`, `{"contests":{"C":null}}`)
}

func FuzzFinalizeRequest(f *testing.F) {
	fuzzDecoder[finalizeRequest](f, `{"not_found":true,"comment":"box 3 missing from the vault"}`, `{}`, `{"not_found":"yes"}`)
}

func FuzzReasonRequest(f *testing.F) {
	fuzzDecoder[reasonRequest](f, `{"reason":"sheet 1 recount"}`, `{"reason":""}`, `{"reason":1}`)
}

func FuzzHandCountRequest(f *testing.F) {
	fuzzDecoder[handCountRequest](f, `{"contests":["Council"],"reason":"margin too close"}`, `{"contests":[],"reason":"x"}`, `{"contests":[null]}`)
}
