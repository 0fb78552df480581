package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// rlaRun runs canvass with args and returns the exit code and streams.
func rlaRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func rlaWriteTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRLASampleCorla(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"colorado test vector", []string{"--seed", "3546311556112163624615351222", "--ballots", "876", "--count", "5", "--without-replacement"},
			"740\n180\n264\n789\n238\n"},
		{"second round", []string{"--seed", "3546311556112163624615351222", "--ballots", "876", "--count", "2", "--skip", "3", "--without-replacement"},
			"789\n238\n"},
		{"with replacement", []string{"--seed", "0", "--ballots", "2", "--count", "3"}, "1\n1\n2\n"},
		{"json", []string{"--seed", "1", "--ballots", "1000", "--count", "3", "--json"}, "[\n  97,\n  89,\n  163\n]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := rlaRun(t, append([]string{"rla", "sample", "--sampler", "corla"}, tt.args...)...)
			if code != 0 || out != tt.want {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, tt.want)
			}
		})
	}
}

func TestRLASampleCorlaManifest(t *testing.T) {
	dir := t.TempDir()
	c3 := rlaWriteTemp(t, dir, "c3.csv", "CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n3,1,A,300,\"Shelf A, row 2\"\n3,2,A,76,Shelf B\n")
	c1 := rlaWriteTemp(t, dir, "c1.csv", "CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n1,13,1,300,Bin 1\n1,14,2,200,Bin 2\n")
	// N = 876 as in ColoradoRLA's test vector. County 1 comes first
	// although its file is second: ballots 1..300 and 301..500; county 3
	// has 501..800 and 801..876.
	code, out, errs := rlaRun(t, "rla", "sample", "--sampler", "corla", "--seed", "3546311556112163624615351222",
		"--count", "3", "--without-replacement", "--manifest", c3, "--manifest", c1)
	want := "draw,ballot_number,county_id,scanner_id,batch_id,ballot_position,storage_location\n" +
		"1,740,3,1,A,240,\"Shelf A, row 2\"\n" +
		"2,180,1,13,1,180,Bin 1\n" +
		"3,264,1,13,1,264,Bin 1\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant %q", code, out, errs, want)
	}
	code, _, errs = rlaRun(t, "rla", "sample", "--sampler", "corla", "--seed", "3546311556112163624615351222",
		"--count", "3", "--ballots", "900", "--manifest", c3, "--manifest", c1)
	if code != 1 || !strings.Contains(errs, "--ballots 900 disagrees with the manifests' 876 ballots") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

type rlaArloCase struct {
	Seed            string              `json:"seed"`
	Manifests       map[string][][3]any `json:"manifests"`
	Count           int                 `json:"count"`
	Skip            int                 `json:"skip"`
	WithReplacement bool                `json:"with_replacement"`
	Draws           []struct {
		TicketNumber   string  `json:"ticket_number"`
		Jurisdiction   string  `json:"jurisdiction"`
		Tabulator      *string `json:"tabulator"`
		Batch          string  `json:"batch"`
		BallotPosition int     `json:"ballot_position"`
		TimesSampled   int     `json:"times_sampled"`
	} `json:"draws"`
}

// TestRLASampleArloVectors runs the Arlo sampler vectors through the CLI,
// manifests written as Arlo CSV files, and compares the output bytes.
func TestRLASampleArloVectors(t *testing.T) {
	data, err := os.ReadFile("../../testdata/rla/arlo-generated.json")
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		SamplerArlo []rlaArloCase `json:"sampler_arlo"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.SamplerArlo) == 0 {
		t.Fatal("no vectors")
	}
	for i, v := range all.SamplerArlo {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"rla", "sample", "--sampler", "arlo", "--seed", v.Seed, "--count", fmt.Sprint(v.Count), "--skip", fmt.Sprint(v.Skip)}
			if !v.WithReplacement {
				args = append(args, "--without-replacement")
			}
			k := 0
			for j, rows := range v.Manifests {
				var b strings.Builder
				b.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
				for _, r := range rows {
					tab := ""
					if r[0] != nil {
						tab = r[0].(string)
					}
					fmt.Fprintf(&b, "Box,%s,%s,%d\n", tab, r[1], int(r[2].(float64)))
				}
				k++
				args = append(args, "--manifest", j+"="+rlaWriteTemp(t, dir, fmt.Sprintf("m%d.csv", k), b.String()))
			}
			var want strings.Builder
			want.WriteString("ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled\n")
			for _, d := range v.Draws {
				tab := ""
				if d.Tabulator != nil {
					tab = *d.Tabulator
				}
				fmt.Fprintf(&want, "%s,%s,%s,%s,%d,%d\n", d.TicketNumber, d.Jurisdiction, tab, d.Batch, d.BallotPosition, d.TimesSampled)
			}
			code, out, errs := rlaRun(t, args...)
			if code != 0 || out != want.String() {
				t.Fatalf("exit %d, stderr %q\nstdout\n%s\nwant\n%s", code, errs, out, want.String())
			}
		})
	}
}

func TestRLASampleArloJSONAndQuoting(t *testing.T) {
	dir := t.TempDir()
	m := rlaWriteTemp(t, dir, "m.csv", "Batch Name,Number of Ballots\n\"Batch, \"\"A\"\"\",3\n")
	code, out, errs := rlaRun(t, "rla", "sample", "--sampler", "arlo", "--seed", "1", "--count", "1", "--manifest", "J'ville="+m)
	if code != 0 || !strings.HasPrefix(out, "ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled\n0.") ||
		!strings.Contains(out, ",J'ville,,\"Batch, \"\"A\"\"\",") {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errs, out)
	}
	code, out, errs = rlaRun(t, "rla", "sample", "--sampler", "arlo", "--seed", "1", "--count", "1", "--manifest", "J'ville="+m, "--json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0]["tabulator"] != nil || rows[0]["batch"] != `Batch, "A"` {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errs, out)
	}
}

// TestRLASamplePPS runs the documented PPS example through the CLI.
func TestRLASamplePPS(t *testing.T) {
	dir := t.TempDir()
	adams := rlaWriteTemp(t, dir, "adams.csv", "Tabulator,Batch Name,Weight\nTAB-1,Batch 3,0.25\n,Batch 1,0.4\n,Batch 9,0\n")
	jeff := rlaWriteTemp(t, dir, "jefferson.csv", "Batch Name,Weight\nBatch 2,0.2\nBatch 1,0.15\nBatch 10,1e-1\n")
	code, out, errs := rlaRun(t, "rla", "sample", "--sampler", "pps", "--seed", "12345678901234567890", "--count", "3", "--skip", "7",
		"--weights", "Jefferson="+jeff, "--weights", "Adams="+adams)
	want := "draw,ticket_number,jurisdiction,tabulator,batch,times_sampled\n" +
		"8,0.034928027989118270,Adams,,Batch 1,3\n" +
		"9,0.375323388498252057,Adams,TAB-1,Batch 3,3\n" +
		"10,0.920851009964295564,Jefferson,,Batch 2,2\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q\nstdout\n%s\nwant\n%s", code, errs, out, want)
	}
}

// TestRLASampleArloPPEB reproduces Arlo's MACRO sample test through the CLI.
func TestRLASampleArloPPEB(t *testing.T) {
	var b strings.Builder
	b.WriteString("Batch Name,Weight\n")
	for i := range 20 {
		switch {
		case i < 10:
			fmt.Fprintf(&b, "pct %d,80/200\n", i)
		case i > 10:
			fmt.Fprintf(&b, "pct %d,40/200\n", i)
		}
	}
	w := rlaWriteTemp(t, t.TempDir(), "w.csv", b.String())
	code, out, errs := rlaRun(t, "rla", "sample", "--sampler", "arlo-ppeb", "--seed", "12345678901234567890abcdefghijklmnopqrstuvwxyz😊",
		"--count", "4", "--weights", "Jx 1="+w)
	want := "ticket_number,jurisdiction,batch,times_sampled\n" +
		"0.642074320588256264,Jx 1,pct 8,1\n" +
		"0.634903028357318938,Jx 1,pct 6,1\n" +
		"0.697435332323894639,Jx 1,pct 8,2\n" +
		"0.096486566275573723,Jx 1,pct 0,1\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, stderr %q\nstdout\n%s\nwant\n%s", code, errs, out, want)
	}
}

// TestRLASampleErrors checks exit codes and that each message says what
// to do, and that nothing reaches stdout on failure.
func TestRLASampleErrors(t *testing.T) {
	dir := t.TempDir()
	good := rlaWriteTemp(t, dir, "good.csv", "Batch Name,Number of Ballots\nB1,10\n")
	bad := rlaWriteTemp(t, dir, "bad.csv", "Batch Name,Number of Ballots\nB1,10\nB2,12a\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no sampler", []string{"--seed", "1", "--count", "1"}, 2, "--sampler is required"},
		{"no seed", []string{"--sampler", "corla", "--ballots", "5", "--count", "1"}, 2, "--seed is required"},
		{"no count", []string{"--sampler", "corla", "--seed", "1", "--ballots", "5"}, 2, "--count is required"},
		{"no ballots", []string{"--sampler", "corla", "--seed", "1", "--count", "1"}, 2, "needs --ballots N"},
		{"unknown sampler", []string{"--sampler", "x", "--seed", "1", "--count", "1"}, 2, `unknown sampler "x"`},
		{"stray argument", []string{"--sampler", "corla", "--seed", "1", "--count", "1", "--ballots", "3", "extra"}, 2, `unexpected argument "extra"`},
		{"bad flag", []string{"--nope"}, 2, "flag provided but not defined"},
		{"too many without replacement", []string{"--sampler", "corla", "--seed", "1", "--count", "4", "--ballots", "3", "--without-replacement"}, 1,
			"more draws than items to sample without replacement: 4 draws from 3 ballots"},
		{"arlo no manifest", []string{"--sampler", "arlo", "--seed", "1", "--count", "1"}, 2, "needs --manifest JURISDICTION=FILE.csv"},
		{"arlo manifest syntax", []string{"--sampler", "arlo", "--seed", "1", "--count", "1", "--manifest", good}, 1, "expected JURISDICTION=FILE.csv"},
		{"arlo bad manifest", []string{"--sampler", "arlo", "--seed", "1", "--count", "1", "--manifest", "J=" + bad}, 1,
			bad + `: row 3: column "Number of Ballots": expected a whole number ≥ 0`},
		{"arlo missing file", []string{"--sampler", "arlo", "--seed", "1", "--count", "1", "--manifest", "J=" + filepath.Join(dir, "none.csv")}, 1, "no such file"},
		{"arlo jurisdiction twice", []string{"--sampler", "arlo", "--seed", "1", "--count", "1", "--manifest", "J=" + good, "--manifest", "J=" + good}, 1, `jurisdiction "J" is given twice`},
		{"corla jurisdiction syntax", []string{"--sampler", "corla", "--seed", "1", "--count", "1", "--manifest", "J=" + good}, 1, "takes Colorado manifest files"},
		{"pps no weights", []string{"--sampler", "pps", "--seed", "1", "--count", "1"}, 2, "needs --weights"},
		{"pps with manifest", []string{"--sampler", "pps", "--seed", "1", "--count", "1", "--weights", "J=" + good, "--manifest", "J=" + good}, 2, "do not apply"},
		{"pps bad weights", []string{"--sampler", "pps", "--seed", "1", "--count", "1", "--weights", "J=" + good}, 1, `missing column "Weight"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := rlaRun(t, append([]string{"rla", "sample"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.want) || out != "" {
				t.Fatalf("exit %d (want %d), stdout %q, stderr:\n%s\nwant stderr containing %q", code, tt.code, out, errs, tt.want)
			}
		})
	}
}

func TestRLASampleHelp(t *testing.T) {
	// Help is the output asked for: stdout, exit 0, nothing on stderr.
	code, out, errs := rlaRun(t, "rla", "sample", "--help")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"--sampler", "-seed", "-count", "-skip", "-ballots", "-without-replacement", "-manifest", "-weights", "-json",
		"ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled", "corla", "arlo-ppeb"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	if code, out, errs := rlaRun(t, "rla", "manifest", "--help"); code != 0 || !strings.Contains(out, "-cvrs") || errs != "" {
		t.Errorf("rla manifest --help: exit %d\n%s", code, out)
	}
	// A bad flag is a usage error: the message and the usage on stderr.
	if code, out, errs := rlaRun(t, "rla", "sample", "--nope"); code != 2 || out != "" || !strings.Contains(errs, "flag provided but not defined: -nope") || !strings.Contains(errs, "Usage: canvass rla sample") {
		t.Errorf("rla sample --nope: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// rlaFakeCVRs is a CVR reader for the tests: each line of the file is
// "tabulator,batch".
func rlaFakeCVRs(src cvr.Source, e *election.Election, h cvr.Handler) error {
	data, err := os.ReadFile(src.Path)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		tab, batch, _ := strings.Cut(line, ",")
		if err := h(&election.CVR{Tabulator: tab, Batch: batch}); err != nil {
			return err
		}
	}
	return nil
}

func init() { cvr.Register("test-lines", rlaFakeCVRs) }

func TestRLAManifest(t *testing.T) {
	dir := t.TempDir()
	m := rlaWriteTemp(t, dir, "m.csv", "Tabulator,Batch Name,Number of Ballots\nT1,B1,2\nT1,B2,1\n")
	good := rlaWriteTemp(t, dir, "good.txt", "T1,B1\nT1,B1\nT1,B2\n")
	off := rlaWriteTemp(t, dir, "off.txt", "T1,B1\nT1,B2\nT2,B9\n")
	code, out, errs := rlaRun(t, "rla", "manifest", "--format", "arlo", "--cvrs", "test-lines="+good, m)
	if code != 0 || out != m+": 2 batches, 3 ballots\nmanifest: 3 ballots; CVRs: 3 ballots; every batch agrees\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = rlaRun(t, "rla", "manifest", "--format", "arlo", "--cvrs", "test-lines="+off, m)
	wantOut := m + ": 2 batches, 3 ballots\nmanifest: 3 ballots; CVRs: 3 ballots; 2 batch(es) differ:\n" +
		"  tabulator \"T1\" batch \"B1\" (manifest row 2): manifest 2, CVRs 1 (-1)\n" +
		"  tabulator \"T2\" batch \"B9\" (not in the manifest): manifest 0, CVRs 1 (+1)\n"
	if code != 1 || out != wantOut || !strings.Contains(errs, "the CVRs disagree on 2 batch(es)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = rlaRun(t, "rla", "manifest", "--format", "arlo", "--json", m)
	if code != 0 || !strings.Contains(out, `"ballots": 3`) || strings.Contains(out, "cvr_check") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	c := rlaWriteTemp(t, dir, "c.csv", "CountyID,ScannerID,BatchID,NumBallots\n7,1,1,2\n")
	cv := rlaWriteTemp(t, dir, "c.txt", "1,1\n1,1\n")
	if code, out, errs := rlaRun(t, "rla", "manifest", "--format", "colorado", "--cvrs", "test-lines="+cv, c); code != 0 || !strings.Contains(out, "every batch agrees") {
		t.Fatalf("colorado: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs := rlaRun(t, "rla", "manifest", "--format", "arlo", "--cvrs", "nope="+good, m); code != 1 || !strings.Contains(errs, `unknown CVR format "nope"`) {
		t.Fatalf("unknown format: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := rlaRun(t, "rla", "manifest", m); code != 2 || !strings.Contains(errs, "--format must be arlo or colorado") {
		t.Fatalf("no format: exit %d, stderr %q", code, errs)
	}
}

// TestRLASampleLimits checks that requests too large to hold are refused
// at once with the flag, the value and what is allowed, and that samplers
// that can stream take any count.
func TestRLASampleLimits(t *testing.T) {
	dir := t.TempDir()
	m := rlaWriteTemp(t, dir, "m.csv", "Batch Name,Number of Ballots\nB1,10\nB2,5\n")
	w := rlaWriteTemp(t, dir, "w.csv", "Batch Name,Weight\nB1,1\nB2,3\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"arlo huge count", []string{"--sampler", "arlo", "--seed", "1", "--count", "1000000000000", "--manifest", "J=" + m}, 1,
			"--count 1000000000000: skip + count is 1000000000000, more than the 1000000 draws allowed because the arlo sampler keeps skip + count tickets in memory"},
		{"arlo huge skip", []string{"--sampler", "arlo", "--seed", "1", "--skip", "1000000000000", "--count", "1", "--manifest", "J=" + m}, 1,
			"--skip 1000000000000: skip + count is 1000000000001, more than the 1000000 draws allowed"},
		{"arlo without replacement beyond the ballots", []string{"--sampler", "arlo", "--seed", "1", "--count", "16", "--without-replacement", "--manifest", "J=" + m}, 1,
			"--count 16: more draws than items to sample without replacement: 16 draws from 15 ballots in the manifests; ask for at most 15 draws in all"},
		{"corla without replacement huge count", []string{"--sampler", "corla", "--seed", "1", "--ballots", "1000000000000", "--count", "2000000", "--without-replacement"}, 1,
			"--count 2000000: skip + count is 2000000, more than the 1000000 draws allowed because without replacement every ballot drawn is remembered"},
		{"corla without replacement huge skip", []string{"--sampler", "corla", "--seed", "1", "--ballots", "5", "--skip", "1000000000000", "--count", "1", "--without-replacement"}, 1,
			"--skip 1000000000000: more draws than items"},
		{"pps huge skip", []string{"--sampler", "pps", "--seed", "1", "--skip", "1000000000000", "--count", "1", "--weights", "J=" + w}, 1,
			"--skip 1000000000000: the pps sampler replays the skipped draws and allows at most 1000000"},
		{"arlo-ppeb count beyond the batches", []string{"--sampler", "arlo-ppeb", "--seed", "1", "--count", "1000000000000", "--weights", "J=" + w}, 1,
			"Arlo audits every batch in that case"},
		{"held for the log", []string{"--sampler", "corla", "--seed", "1", "--ballots", "5", "--count", "1000001", "--log", dir, "--key-file", m}, 2,
			"--count 1000001 with --log: the sample is held in memory until the log records it, so at most 1000000 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := rlaRun(t, append([]string{"rla", "sample"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.want) || out != "" {
				t.Fatalf("exit %d (want %d), stdout %q, stderr:\n%s\nwant stderr containing %q", code, tt.code, out, errs, tt.want)
			}
		})
	}

	// Colorado's sampler with replacement jumps to the skipped counter.
	code, out, errs := rlaRun(t, "rla", "sample", "--sampler", "corla", "--seed", "3546311556112163624615351222", "--ballots", "876", "--skip", "1000000000000000", "--count", "2")
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("huge skip with replacement: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	// Streaming: an unbounded count writes until the reader goes away,
	// without first drawing (or holding) the whole sample.
	for _, args := range [][]string{
		{"--sampler", "corla", "--seed", "1", "--ballots", "1000", "--count", "1000000000000000"},
		{"--sampler", "corla", "--seed", "1", "--ballots", "1000", "--count", "1000000000000000", "--json"},
		{"--sampler", "pps", "--seed", "1", "--count", "1000000000000000", "--weights", "J=" + w},
	} {
		sink := &rlaShortWriter{left: 1 << 20}
		var errb bytes.Buffer
		code := run(append([]string{"rla", "sample"}, args...), strings.NewReader(""), sink, &errb)
		if code != 1 || !strings.Contains(errb.String(), "reader went away") || sink.left != 0 {
			t.Errorf("%v: exit %d, %d bytes unwritten, stderr %q", args, code, sink.left, errb.String())
		}
	}
}

// rlaShortWriter accepts left bytes and then fails, as a closed pipe does.
type rlaShortWriter struct{ left int }

func (w *rlaShortWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, fmt.Errorf("reader went away")
	}
	w.left -= len(p)
	return len(p), nil
}
