package witness_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/canvass/canvass/ledger/witness"
)

// The example request body of c2sp.org/tlog-witness.
const specRequest = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`

func TestParseSpecExampleRequest(t *testing.T) {
	r, err := witness.ParseAddCheckpointRequest([]byte(specRequest))
	if err != nil {
		t.Fatal(err)
	}
	if r.OldSize != 20852014 || len(r.Proof) != 4 {
		t.Fatalf("old %d, %d proof lines", r.OldSize, len(r.Proof))
	}
	if base64.StdEncoding.EncodeToString(r.Proof[3][:]) != "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=" {
		t.Errorf("proof[3] = %s", r.Proof[3])
	}
	cp := r.Checkpoint
	if cp.Origin != "example.com/behind-the-sofa" || cp.Size != 20852163 || base64.StdEncoding.EncodeToString(cp.Hash[:]) != "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=" || len(cp.Extensions) != 0 {
		t.Errorf("checkpoint %+v", cp)
	}
	if string(r.Body()) != specRequest {
		t.Errorf("Body() does not reproduce the request:\n%s", r.Body())
	}
}

func TestParseAddCheckpointRequestErrors(t *testing.T) {
	hash := base64.StdEncoding.EncodeToString(make([]byte, 32))
	cp := "example.com/log\n5\n" + hash + "\n\n— example.com/log AAAAAAAA\n"
	tests := []struct {
		name      string
		body      string
		line, off int
		errHas    string
	}{
		{"no newline at all", "old 5", 1, 0, "newline-terminated"},
		{"wrong keyword", "Old 5\n\n" + cp, 1, 0, "must be \"old <size>\""},
		{"two spaces", "old  5\n\n" + cp, 1, 0, "decimal digits"},
		{"leading zero", "old 007\n\n" + cp, 1, 0, "leading zeroes"},
		{"negative", "old -1\n\n" + cp, 1, 0, "decimal digits"},
		{"too large", "old 9223372036854775808\n\n" + cp, 1, 0, "2^63-1"},
		{"short hash", "old 5\nAAAA\n\n" + cp, 2, 6, "decodes to 3 bytes"},
		{"non-canonical base64", "old 5\n" + hash[:42] + "B=\n\n" + cp, 2, 6, "canonical"},
		{"proof line with CR", "old 5\n" + hash + "\r\n\n" + cp, 2, 6, "canonical"},
		{"hash with spaces", "old 5\n " + hash + "\n\n" + cp, 2, 6, "canonical"},
		{"no blank line", "old 5\n" + hash + "\n", 3, 51, "ends before the empty line"},
		{"nothing after blank line", "old 5\n\n", 3, 7, "no checkpoint"},
		{"checkpoint with CR", "old 5\n\nexample.com/log\r\n5\n" + hash + "\n\n— example.com/log AAAAAAAA\n", 3, 22, "CRLF"},
		{"checkpoint without a signature block", "old 5\n\nexample.com/log\n5\n" + hash + "\n", 3, 7, "no blank line"},
		{"signature block without a final newline", "old 5\n\n" + strings.TrimSuffix(cp, "\n"), 7, 99, "end with a newline"},
		{"signature line without em dash", "old 5\n\nexample.com/log\n5\n" + hash + "\n\n- example.com/log AAAAAAAA\n", 7, 71, "em dash"},
		{"signature too short", "old 5\n\nexample.com/log\n5\n" + hash + "\n\n— example.com/log AAAA\n", 7, 71, "4-byte key ID"},
		{"checkpoint missing hash", "old 5\n\nexample.com/log\n5\n\n— example.com/log AAAAAAAA\n", 5, 25, "ends after 2 line"},
		{"empty origin", "old 5\n\n\n5\n" + hash + "\n\n— example.com/log AAAAAAAA\n", 3, 7, "origin line is empty"},
		{"size with leading zero", "old 5\n\nexample.com/log\n05\n" + hash + "\n\n— example.com/log AAAAAAAA\n", 4, 23, "leading zeroes"},
		{"invalid UTF-8", "old 5\n\nexample.com/\xfflog\n5\n" + hash + "\n\n— example.com/log AAAAAAAA\n", 3, 19, "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := witness.ParseAddCheckpointRequest([]byte(tc.body))
			var se *witness.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *SyntaxError", err)
			}
			if se.Line != tc.line || se.Offset != tc.off || !strings.Contains(se.Msg, tc.errHas) {
				t.Fatalf("error %q (line %d, byte %d), want line %d, byte %d, containing %q", se.Msg, se.Line, se.Offset, tc.line, tc.off, tc.errHas)
			}
		})
	}
}

func TestParseCheckpoint(t *testing.T) {
	hash := base64.StdEncoding.EncodeToString(witness.EmptyTreeHash[:])
	tests := []struct {
		name, text string
		want       *witness.Checkpoint // nil: error expected
		errHas     string
	}{
		{"spec example", specCheckpointText, &witness.Checkpoint{Origin: "example.com/behind-the-sofa", Size: 20852163}, ""},
		{"empty tree", "o\n0\n" + hash + "\n", &witness.Checkpoint{Origin: "o", Size: 0, Hash: witness.EmptyTreeHash}, ""},
		{"origin with spaces is allowed", "my log\n0\n" + hash + "\n", &witness.Checkpoint{Origin: "my log", Hash: witness.EmptyTreeHash}, ""},
		{"extensions", "o\n0\n" + hash + "\nx\ny z\n", &witness.Checkpoint{Origin: "o", Hash: witness.EmptyTreeHash, Extensions: []string{"x", "y z"}}, ""},
		{"largest size", "o\n9223372036854775807\n" + hash + "\n", &witness.Checkpoint{Origin: "o", Size: 1<<63 - 1, Hash: witness.EmptyTreeHash}, ""},
		{"size beyond int64", "o\n9223372036854775808\n" + hash + "\n", nil, "2^63-1"},
		{"empty", "", nil, "empty"},
		{"no final newline", "o\n0\n" + hash, nil, "end with a newline"},
		{"two lines", "o\n0\n", nil, "ends after 2"},
		{"empty extension", "o\n0\n" + hash + "\n\n", nil, "extension line is empty"},
		{"size in hex", "o\n0x10\n" + hash + "\n", nil, "decimal digits"},
		{"hash of 31 bytes", "o\n1\n" + base64.StdEncoding.EncodeToString(make([]byte, 31)) + "\n", nil, "31 bytes"},
		{"tab", "o\t\n0\n" + hash + "\n", nil, "control character 0x09"},
		{"too many extensions", "o\n0\n" + hash + "\n" + strings.Repeat("e\n", 33), nil, "more than 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := witness.ParseCheckpoint([]byte(tc.text))
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one containing %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Origin != tc.want.Origin || got.Size != tc.want.Size || len(got.Extensions) != len(tc.want.Extensions) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if !bytes.Equal(got.Text(), []byte(tc.text)) {
				t.Errorf("Text() = %q, want %q", got.Text(), tc.text)
			}
		})
	}
}
