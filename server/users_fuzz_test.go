package server

import "testing"

func FuzzDecodeNewUser(f *testing.F) {
	fuzzDecoder[userRequest](f, `{"name":"tech","roles":["official"],"jurisdiction":"state/hennepin","party":"Green","expires_in":"4h"}`,
		`{"name":"tech","roles":["observer"],"expires":"2026-11-03T23:00:00Z"}`, `{"expires_in":4}`)
}

func FuzzDecodeUserChange(f *testing.F) {
	fuzzDecoder[userChangeRequest](f, `{"roles":["observer"],"jurisdiction":"state","disabled":true,"party":""}`,
		`{"disabled":false}`, `{"party":null}`, `{"roles":null}`, `{"disabled":"yes"}`, `{"roles":[1]}`)
}
