package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
)

// fuzzDecoder checks one request decoder: it never panics, refuses with a
// 4xx, and what it accepts survives a round trip through JSON unchanged.
func fuzzDecoder[T any](f *testing.F, seeds ...string) {
	for _, s := range append(seeds, ``, `{}`, `null`, `[]`, `{"a":1}`, `{} {}`, `{"`, "\x00") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v T
		if err := decodeBytes(b, &v); err != nil {
			if err.Status < 400 || err.Status > 499 || err.Msg == "" {
				t.Fatalf("refusal %+v is not a 4xx with a message", err)
			}
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var w T
		if derr := decodeBytes(again, &w); derr != nil {
			t.Fatalf("re-encoded %s does not decode: %v", again, derr)
		}
		if !reflect.DeepEqual(normalize(v), normalize(w)) {
			t.Fatalf("round trip changed %+v to %+v", v, w)
		}
	})
}

// normalize maps empty slices and nil to one value for comparison.
func normalize(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func FuzzDecodeEnroll(f *testing.F) {
	fuzzDecoder[enrollRequest](f, `{"user":"ada","code":"ABCD-EFGH","password":"correct horse battery","signing_key":"ada+01234567+AAAA"}`)
}

func FuzzDecodeConfirm(f *testing.F) {
	fuzzDecoder[confirmRequest](f, `{"user":"ada","code":"ABCD","totp":"123456"}`)
}

func FuzzDecodeLogin(f *testing.F) {
	fuzzDecoder[loginRequest](f, `{"user":"ada","password":"pw","totp":"123456"}`, `{"user":1}`)
}

func FuzzDecodeUser(f *testing.F) {
	fuzzDecoder[userRequest](f, `{"name":"olga","roles":["official"],"jurisdiction":"state/hennepin"}`, `{"roles":"admin"}`)
}

func FuzzDecodeSignature(f *testing.F) {
	fuzzDecoder[signatureRequest](f, `{"signature":"text\n\n— ada abc=\n"}`)
}

func FuzzDecodeElection(f *testing.F) {
	fuzzDecoder[electionRequest](f, `{"name":"General","date":"2026-11-03","jurisdiction":"state"}`)
}

func FuzzDecodeMode(f *testing.F) {
	fuzzDecoder[modeRequest](f, `{"mode":"official"}`)
}

func FuzzDecodePublication(f *testing.F) {
	fuzzDecoder[publicationRequest](f, `{"tabulation":"t-0123"}`)
}

func FuzzDecodeInstall(f *testing.F) {
	fuzzDecoder[installRequest](f, `{"component":"canvass","version":"v1","new_sha256":"00","old_sha256":"11"}`)
}

func FuzzDecodeTabulation(f *testing.F) {
	fuzzDecoder[office.TabulationRequest](f, `{"rctab_config":{"cvrFileSources":[{"filePath":"a.xlsx"}]}}`, `{"format":"ess","files":["a.xlsx"]}`)
}

// FuzzUploadParts feeds arbitrary multipart bodies to the upload parser:
// it must never panic, and every part it yields has a name as sent.
func FuzzUploadParts(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"expected_sha256\"\r\n\r\n" + strings.Repeat("a", 64) + "\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx,y\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/passwd\"\r\n\r\nx\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: attachment; filename*=UTF-8''%2e%2e%2fx\r\n\r\nx\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		next := uploadParts(multipart.NewReader(bytes.NewReader(body), "b"))
		for i := 0; i < 100; i++ {
			p, err := next()
			if err != nil {
				return
			}
			if p.ExpectedSHA256 != "" && len(p.ExpectedSHA256) != 64 {
				t.Fatalf("expected hash %q accepted", p.ExpectedSHA256)
			}
			io.Copy(io.Discard, p.Body)
		}
	})
}
