package server

import "testing"

func FuzzDecodeWebAuthnLoginBegin(f *testing.F) {
	fuzzDecoder[webauthnLoginBeginRequest](f, `{"user":"ada","password":"correct horse battery staple"}`, `{"user":"ada","password":1}`, `{"user":"ada","totp":"123456"}`)
}

func FuzzDecodeWebAuthnLoginFinish(f *testing.F) {
	fuzzDecoder[webauthnLoginFinishRequest](f, `{"user":"ada","response":{"id":"AAAA","type":"public-key","response":{"signature":"AA"}}}`, `{"user":"ada","response":"x"}`, `{"user":["ada"]}`)
}
