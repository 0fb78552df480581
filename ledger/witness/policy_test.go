package witness_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/transparency-dev/tessera"
	"golang.org/x/mod/sumdb/note"

	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/ledger/witness/internal/witnesstesting"
)

// policyFixture holds a log and named witnesses, and builds policy text
// with {log} and {W} placeholders replaced by vkeys.
type policyFixture struct {
	t         testing.TB
	log       *witnesstesting.Log
	witnesses map[string]*witness.Cosigner
}

func newPolicyFixture(t testing.TB, names ...string) *policyFixture {
	f := &policyFixture{t: t, log: witnesstesting.NewLog(t, origin), witnesses: map[string]*witness.Cosigner{}}
	for _, n := range names {
		f.witnesses[n] = witnesstesting.NewCosigner(t, "witness.example/"+n)
	}
	return f
}

func (f *policyFixture) expand(s string) string {
	s = strings.ReplaceAll(s, "{log}", f.log.VKey)
	for n, c := range f.witnesses {
		s = strings.ReplaceAll(s, "{"+n+"}", c.VerifierKey())
	}
	return s
}

// cosigned returns the log's checkpoint of size 5 cosigned by the named
// witnesses.
func (f *policyFixture) cosigned(names ...string) []byte {
	signers := []note.Signer{f.log.Signer}
	for _, n := range names {
		signers = append(signers, f.witnesses[n])
	}
	msg, err := note.Sign(&note.Note{Text: string(f.log.Text(5))}, signers...)
	if err != nil {
		f.t.Fatal(err)
	}
	return msg
}

const specPolicy = `log {log}

witness X1 {X1}
witness X2 {X2}
witness X3 {X3}
group X-witnesses 2 X1 X2 X3

witness Y1 {Y1}
witness Y2 {Y2}
witness Y3 {Y3}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`

func TestPolicyQuorum(t *testing.T) {
	f := newPolicyFixture(t, "X1", "X2", "X3", "Y1", "Y2", "Y3", "A", "B", "C")
	tests := []struct {
		name    string
		policy  string
		signers []string
		ok      bool
	}{
		{"spec example: two X and one Y", specPolicy, []string{"X1", "X3", "Y2"}, true},
		{"spec example: everyone", specPolicy, []string{"X1", "X2", "X3", "Y1", "Y2", "Y3"}, true},
		{"spec example: one X is too few", specPolicy, []string{"X1", "Y1", "Y2", "Y3"}, false},
		{"spec example: no Y", specPolicy, []string{"X1", "X2", "X3"}, false},
		{"spec example: nobody", specPolicy, nil, false},
		{"2 of 3 with 2", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g 2 A B C\nquorum g\n", []string{"A", "C"}, true},
		{"2 of 3 with 1", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g 2 A B C\nquorum g\n", []string{"B"}, false},
		{"2 of 3 with an outsider", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g 2 A B C\nquorum g\n", []string{"B", "X1"}, false},
		{"all of 3 with 3", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g all A B C\nquorum g\n", []string{"A", "B", "C"}, true},
		{"all of 3 with 2", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g all A B C\nquorum g\n", []string{"A", "B"}, false},
		{"single witness quorum met", "log {log}\nwitness A {A}\nquorum A\n", []string{"A"}, true},
		{"single witness quorum missing", "log {log}\nwitness A {A}\nwitness B {B}\nquorum A\n", []string{"B"}, false},
		{"quorum none", "log {log}\nquorum none\n", nil, true},
		{"quorum none ignores witnesses", "log {log}\nwitness A {A}\nquorum none\n", nil, true},
		{"nested: any of (A, all of (B, C))", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup bc all B C\ngroup q any A bc\nquorum q\n", []string{"B", "C"}, true},
		{"nested: B alone", "log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup bc all B C\ngroup q any A bc\nquorum q\n", []string{"B"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := witness.ParsePolicy([]byte(f.expand(tc.policy)))
			if err != nil {
				t.Fatal(err)
			}
			v, err := p.Verify(f.cosigned(tc.signers...))
			if tc.ok {
				if err != nil {
					t.Fatalf("quorum not met: %v", err)
				}
				if v.Checkpoint.Size != 5 || !slices.Equal(v.LogKeys, []string{origin}) {
					t.Errorf("verified %+v", v)
				}
				var got []string
				for _, c := range v.Cosignatures {
					got = append(got, c.Witness)
				}
				var want []string
				for _, s := range tc.signers {
					if strings.Contains(tc.policy, "witness "+s+" ") {
						want = append(want, s)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("cosignatures from %v, want %v", got, want)
				}
				return
			}
			var qe *witness.QuorumError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v, want a *QuorumError", err)
			}
			for _, s := range tc.signers {
				if strings.Contains(tc.policy, "witness "+s+" ") && !slices.Contains(qe.Signed, s) {
					t.Errorf("QuorumError.Signed %v lacks %s", qe.Signed, s)
				}
			}
			if len(qe.Signed)+len(qe.Missing) != len(p.Witnesses) || !strings.Contains(err.Error(), "missing from") {
				t.Errorf("QuorumError %v does not account for every witness", err)
			}
		})
	}
}

func TestPolicyVerifyRejects(t *testing.T) {
	f := newPolicyFixture(t, "A", "B")
	p, err := witness.ParsePolicy([]byte(f.expand("log {log}\nwitness A {A}\nwitness B {B}\ngroup g any A B\nquorum g\n")))
	if err != nil {
		t.Fatal(err)
	}
	good := f.cosigned("A")
	if _, err := p.Verify(good); err != nil {
		t.Fatal(err)
	}
	// Flip one base64 character well past the key ID and timestamp.
	badWitnessSig := []byte(string(good))
	i := strings.Index(string(good), "— witness.example/A ") + len("— witness.example/A ") + 40
	if badWitnessSig[i] == 'A' {
		badWitnessSig[i] = 'B'
	} else {
		badWitnessSig[i] = 'A'
	}
	onlyWitness, _ := note.Sign(&note.Note{Text: string(f.log.Text(5))}, f.witnesses["A"])
	otherOrigin := witnesstesting.NewLog(t, "other.example/log")
	otherCp, _ := note.Sign(&note.Note{Text: string(otherOrigin.Text(3))}, otherOrigin.Signer, f.witnesses["A"])
	tests := []struct {
		name, errHas string
		msg          []byte
	}{
		{"witness signature altered", "does not verify", badWitnessSig},
		{"no log signature", "not signed by the log", onlyWitness},
		{"origin not in policy", "not a log in the policy", otherCp},
		{"text altered", "does not verify", []byte(strings.Replace(string(good), "\n5\n", "\n6\n", 1))},
		{"not a note", "malformed", []byte("hello\n")},
		{"unsigned", "malformed", f.log.Text(5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Verify(tc.msg)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
		})
	}
	// Passing the policy's own log key again is harmless.
	logV, _ := note.NewVerifier(f.log.VKey)
	if _, err := p.Verify(good, logV); err != nil {
		t.Fatalf("with the policy's log key passed again: %v", err)
	}
	// A log known from elsewhere can be passed in.
	noLogs, _ := witness.ParsePolicy([]byte(f.expand("witness A {A}\nquorum A\n")))
	if _, err := noLogs.Verify(good, logV); err != nil {
		t.Fatalf("with an explicit log key: %v", err)
	}
	if _, err := noLogs.Verify(good); err == nil {
		t.Fatal("policy without logs verified a checkpoint without a log key")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	f := newPolicyFixture(t, "A", "B", "C")
	tests := []struct {
		name   string
		policy string
		line   int
		errHas string
	}{
		{"unknown keyword", "log {log}\nwitnesses A {A}\nquorum none\n", 2, "unknown keyword"},
		{"forward reference in group", "log {log}\ngroup g any A\nwitness A {A}\nquorum g\n", 2, "not a witness or group defined on an earlier line"},
		{"forward reference in quorum", "quorum A\nwitness A {A}\n", 1, "not none or a witness or group"},
		{"self reference", "witness A {A}\ngroup g any g A\nquorum g\n", 2, "not a witness or group defined"},
		{"threshold 0", "witness A {A}\nwitness B {B}\ngroup g 0 A B\nquorum g\n", 3, "between 1 and the number of members, 2"},
		{"threshold above n", "witness A {A}\nwitness B {B}\ngroup g 3 A B\nquorum g\n", 3, "between 1"},
		{"threshold word", "witness A {A}\ngroup g one A\nquorum g\n", 2, "all, any or a decimal"},
		{"negative threshold", "witness A {A}\ngroup g -1 A\nquorum g\n", 2, "all, any or a decimal"},
		{"group without members", "witness A {A}\ngroup g any\nquorum g\n", 2, "at least one member"},
		{"member listed twice", "witness A {A}\nwitness B {B}\ngroup g 2 A A B\nquorum g\n", 3, "listed twice"},
		{"none as member", "witness A {A}\ngroup g any A none\nquorum g\n", 2, "none cannot be a group member"},
		{"witness named none", "witness none {A}\nquorum none\n", 1, "predefined"},
		{"duplicate witness name", "witness A {A}\nwitness A {B}\nquorum A\n", 2, "already defined on line 1"},
		{"group reuses witness name", "witness A {A}\ngroup A any A\nquorum A\n", 2, "already defined on line 1"},
		{"duplicate witness key", "witness A {A}\nwitness B {A}\nquorum A\n", 2, "same public key as the witness on line 1"},
		{"duplicate log", "log {log}\nlog {log}\nquorum none\n", 2, "duplicates"},
		{"witness with a log-type key", "witness A {log}\nquorum A\n", 1, "0x04"},
		{"log with a bad vkey", "log example.com/log+00000000+AAAA\nquorum none\n", 1, "log"},
		{"log with a url and more", "log {log} https://log.example extra\nquorum none\n", 1, "want \"log <vkey> [<url>]\""},
		{"witness without a key", "witness A\nquorum none\n", 1, "want \"witness <name> <vkey> [<url>]\""},
		{"two quorum lines", "witness A {A}\nquorum A\nquorum none\n", 3, "already defined on line 2"},
		{"quorum with two names", "witness A {A}\nwitness B {B}\nquorum A B\n", 3, "want \"quorum <name>\""},
		{"missing quorum", "log {log}\nwitness A {A}\n", 3, "no quorum line"},
		{"empty file", "", 1, "no quorum line"},
		{"CRLF", "log {log}\r\nquorum none\r\n", 1, "CRLF"},
		{"control character", "# comment\x01\nquorum none\n", 1, "0x01"},
		{"DEL character", "quorum none\x7f\n", 1, "0x7f"},
		{"bad witness URL", "witness A {A} http://[::1\nquorum A\n", 1, "URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := witness.ParsePolicy([]byte(f.expand(tc.policy)))
			var se *witness.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *SyntaxError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.errHas) {
				t.Fatalf("error %v, want line %d and %q", err, tc.line, tc.errHas)
			}
		})
	}
}

func TestParsePolicyAccepts(t *testing.T) {
	f := newPolicyFixture(t, "A", "B")
	tests := []struct {
		name, policy string
		check        func(t *testing.T, p *witness.Policy)
	}{
		{"tabs, indentation and comments", "\t# a comment\n  log\t{log}   https://log.example/  \n\n\twitness A\t{A}\n   # quorum A\nquorum\tA\t\n", func(t *testing.T, p *witness.Policy) {
			if len(p.Logs) != 1 || p.Logs[0].URL != "https://log.example/" || p.Quorum != "A" || p.QuorumLine != 6 {
				t.Errorf("parsed %+v", p)
			}
		}},
		{"no final newline", "witness A {A}\nquorum A", func(t *testing.T, p *witness.Policy) {
			if p.Quorum != "A" {
				t.Errorf("quorum %q", p.Quorum)
			}
		}},
		{"opaque high-bit names", "witness K\xe2\x84\xaa {A}\nwitness K {B}\ngroup g 2 K\xe2\x84\xaa K\nquorum g\n", func(t *testing.T, p *witness.Policy) {
			if len(p.Witnesses) != 2 || p.Groups[0].Threshold != 2 {
				t.Errorf("parsed %+v", p)
			}
		}},
		{"non-breaking space is part of a name", "witness A\xc2\xa0B {A}\nquorum A\xc2\xa0B\n", func(t *testing.T, p *witness.Policy) {
			if p.Witnesses[0].Name != "A\xc2\xa0B" {
				t.Errorf("name %q", p.Witnesses[0].Name)
			}
		}},
		{"keywords as witness names", "witness log {A}\nwitness all {B}\ngroup any all log all\nquorum any\n", func(t *testing.T, p *witness.Policy) {
			if p.Groups[0].Threshold != 2 {
				t.Errorf("parsed %+v", p.Groups)
			}
		}},
		{"decimal threshold", "witness A {A}\nwitness B {B}\ngroup g 2 A B\nquorum g\n", func(t *testing.T, p *witness.Policy) {
			if p.Groups[0].Threshold != 2 || !slices.Equal(p.Groups[0].Members, []string{"A", "B"}) {
				t.Errorf("parsed %+v", p.Groups)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := witness.ParsePolicy([]byte(f.expand(tc.policy)))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
			// Format round-trips.
			q, err := witness.ParsePolicy(p.Format())
			if err != nil {
				t.Fatalf("reparsing Format output: %v\n%s", err, p.Format())
			}
			if !reflect.DeepEqual(stripLines(p), stripLines(q)) {
				t.Errorf("Format round trip changed the policy:\n%s", p.Format())
			}
		})
	}
}

// stripLines returns p's content without line numbers and verifiers, for
// comparing policies parsed from different text.
func stripLines(p *witness.Policy) string {
	var b strings.Builder
	for _, l := range p.Logs {
		fmt.Fprintf(&b, "log %s %s\n", l.Key, l.URL)
	}
	for _, w := range p.Witnesses {
		fmt.Fprintf(&b, "witness %q %s %s\n", w.Name, w.Key, w.URL)
	}
	for _, g := range p.Groups {
		fmt.Fprintf(&b, "group %q %d %q\n", g.Name, g.Threshold, g.Members)
	}
	fmt.Fprintf(&b, "quorum %q %v\n", p.Quorum, p.QuorumLine != 0)
	return b.String()
}

// TestPoliciesAcceptedByTessera checks the common subset with tessera's
// parser (tessera.NewWitnessGroupFromPolicy), which a canvass log may use
// to submit checkpoints: tessera must accept every policy here, and its
// quorum decision must equal ours for every subset of cosigners.
func TestPoliciesAcceptedByTessera(t *testing.T) {
	f := newPolicyFixture(t, "A", "B", "C", "X1", "X2", "X3", "Y1", "Y2", "Y3")
	withURLs := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if fs := strings.Fields(l); len(fs) == 3 && fs[0] == "witness" {
				l += " https://" + strings.ToLower(fs[1]) + ".witness.example/"
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	policies := []string{
		withURLs(specPolicy),
		withURLs("log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup g 2 A B C\nquorum g\n"),
		withURLs("witness A {A}\nquorum A\n"),
		withURLs("log {log}\nwitness A {A}\nwitness B {B}\nwitness C {C}\ngroup bc all B C\ngroup q any A bc\nquorum q\n"),
		"log {log}\nquorum none\n",
		withURLs("# comment\n\tlog {log}\n\nwitness A\t{A}\nwitness B {B}\ngroup g all A B\nquorum g\n"),
	}
	all := []string{"A", "B", "C", "X1", "X2", "X3", "Y1", "Y2", "Y3"}
	for i, text := range policies {
		text = f.expand(text)
		p, err := witness.ParsePolicy([]byte(text))
		if err != nil {
			t.Fatalf("policy %d: %v", i, err)
		}
		wg, err := tessera.NewWitnessGroupFromPolicy([]byte(text))
		if err != nil {
			t.Fatalf("policy %d: tessera rejects a policy we accept: %v\n%s", i, err, text)
		}
		// Every subset of up to 9 witnesses would be 512 notes per policy;
		// subsets of the policy's own witnesses suffice.
		var names []string
		for _, w := range p.Witnesses {
			names = append(names, w.Name)
		}
		if len(names) == 0 {
			names = all[:2] // outsiders only
		}
		for mask := 0; mask < 1<<len(names); mask++ {
			var signers []string
			for j, n := range names {
				if mask&(1<<j) != 0 {
					signers = append(signers, n)
				}
			}
			cp := f.cosigned(signers...)
			var extra []note.Verifier
			if len(p.Logs) == 0 { // tessera ignores log lines; we need the key
				v, _ := note.NewVerifier(f.log.VKey)
				extra = append(extra, v)
			}
			_, ourErr := p.Verify(cp, extra...)
			if ours, theirs := ourErr == nil, wg.Satisfied(cp); ours != theirs {
				t.Errorf("policy %d, cosigners %v: we say %v (%v), tessera says %v", i, signers, ours, ourErr, theirs)
			}
		}
	}
}

func TestParseLogList(t *testing.T) {
	f := newPolicyFixture(t, "A")
	second := witnesstesting.NewLog(t, "other.example/log")
	l, err := witness.ParseLogList([]byte(f.expand("# logs this witness serves\nlog {log} https://log.example/\nlog " + second.VKey + "\nwitness A {A}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Origins(), []string{origin, "other.example/log"}) || len(l.Verifiers(origin)) != 1 || l.Verifiers("nope") != nil {
		t.Fatalf("parsed %+v", l.Origins())
	}
	if _, err := witness.ParseLogList([]byte(f.expand("witness A {A}\nquorum A\n"))); err == nil {
		t.Fatal("accepted a log list without logs")
	}
	if _, err := witness.ParseLogList([]byte("log nonsense\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad log line: %v", err)
	}
}
