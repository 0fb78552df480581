package draw

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/canvass/canvass/rla/manifest"
	"github.com/canvass/canvass/rla/sampler"
)

func arloManifest(t *testing.T, csv string) *manifest.Arlo {
	t.Helper()
	m, err := manifest.ReadArlo("m.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func twoJurisdictions(t *testing.T) []Jurisdiction {
	return []Jurisdiction{
		{"Adams County", arloManifest(t, "Container,Batch Name,Number of Ballots\nC2,Batch 1,120\n")},
		{"J'ville", arloManifest(t, "Container,Tabulator,Batch Name,Number of Ballots\nC1,TABULATOR1,Batch 1,80\n")},
	}
}

// The documented example: Arlo's three first tickets.
func TestArloRows(t *testing.T) {
	s, err := Arlo(Request{Seed: "12345678901234567890", Count: 3}, twoJurisdictions(t))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCSV(&b, s); err != nil {
		t.Fatal(err)
	}
	want := "ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled\n" +
		"0.001094425060018210,J'ville,TABULATOR1,Batch 1,44,1\n" +
		"0.003785466539109712,Adams County,,Batch 1,2,1\n" +
		"0.009395312001758094,J'ville,TABULATOR1,Batch 1,25,1\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// WriteJSON streams the bytes encoding/json writes for the whole slice.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	s, err := Arlo(Request{Seed: "1", Count: 5}, []Jurisdiction{{"A & <B>", arloManifest(t, "Tabulator,Batch Name,Number of Ballots\n,\"x \"\"y\"\"\",3\nT,z,2\n")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range [][]ArloRow{s.Collect(), {}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, FromSlice(nil, rows)); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("got\n%s\nwant\n%s", got.String(), want.String())
		}
	}
}

func TestLimits(t *testing.T) {
	js := twoJurisdictions(t)
	ws := []Weights{{Jurisdiction: "J", Path: "w.csv", Weights: []manifest.Weight{{Row: 2, Batch: "B", Weight: bigOne()}}}}
	tests := []struct {
		name  string
		do    func() error
		field string
		want  string
	}{
		{"arlo count over the cap", func() error { _, err := Arlo(Request{Seed: "1", Count: MaxDraws + 1}, js); return err }, "count", "more than the 1000000 draws allowed"},
		{"arlo skip over the cap", func() error { _, err := Arlo(Request{Seed: "1", Skip: MaxDraws, Count: 1}, js); return err }, "skip", "more than the 1000000"},
		{"arlo without replacement", func() error {
			_, err := Arlo(Request{Seed: "1", Count: 201, WithoutReplacement: true}, js)
			return err
		}, "count", "201 draws from 200 ballots in the manifests"},
		{"corla without replacement over the cap", func() error {
			_, err := Corla(Request{Seed: "1", Count: MaxDraws + 1, WithoutReplacement: true}, 1<<40)
			return err
		}, "count", "every ballot drawn is remembered"},
		{"pps skip over the cap", func() error { _, err := PPS(Request{Seed: "1", Skip: MaxDraws + 1, Count: 1}, ws); return err }, "skip", "replays the skipped draws"},
		{"negative count", func() error { _, err := PPS(Request{Seed: "1", Count: -1}, ws); return err }, "count", "0 or more"},
		{"overflow", func() error { _, err := Corla(Request{Seed: "1", Skip: 1 << 62, Count: 1 << 62}, 5); return err }, "skip", "larger than any sample"},
	}
	for _, tt := range tests {
		err := tt.do()
		var re *RangeError
		if !errors.As(err, &re) || re.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want a RangeError on %s mentioning %q", tt.name, err, tt.field, tt.want)
		}
	}
	_, err := Arlo(Request{Seed: "1", Count: 201, WithoutReplacement: true}, js)
	if !errors.Is(err, sampler.ErrTooManyDraws) {
		t.Errorf("arlo without replacement: %v is not ErrTooManyDraws", err)
	}
	if _, err := PPS(Request{Seed: "1", Count: 1, WithoutReplacement: true}, ws); err == nil {
		t.Error("pps without replacement accepted")
	}
}

// Streaming samplers take any count and skip without allocating for them.
func TestStreaming(t *testing.T) {
	const huge = 1 << 61
	s, err := Corla(Request{Seed: "0", Skip: huge, Count: huge}, 2)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range s.Rows {
		if n++; n == 3 {
			break
		}
	}
	allocs := testing.AllocsPerRun(3, func() {
		k := 0
		for range s.Rows {
			if k++; k == 10000 {
				break
			}
		}
	})
	if allocs > 5 {
		t.Errorf("%v allocations for 10,000 streamed draws", allocs)
	}
	ws := []Weights{{Jurisdiction: "J", Weights: []manifest.Weight{{Row: 2, Batch: "B", Weight: bigOne()}}}}
	p, err := PPS(Request{Seed: "1", Skip: MaxDraws, Count: huge}, ws)
	if err != nil {
		t.Fatal(err)
	}
	_ = p // drawing it would replay a million draws; that it is accepted is the point
}

// Colorado rows with the skip counting on from earlier rounds, and as
// Arlo's columns.
func TestCorlaManifest(t *testing.T) {
	c, err := manifest.ReadColorado("c.csv", strings.NewReader("CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n3,1,A,300,\"Shelf A, row 2\"\n3,2,A,76,Shelf B\n1,13,1,300,Bin 1\n1,14,2,200,Bin 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	state, err := manifest.NewStatewide(c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := CorlaManifest(Request{Seed: "3546311556112163624615351222", Skip: 1, Count: 2, WithoutReplacement: true}, state)
	if err != nil {
		t.Fatal(err)
	}
	rows := s.Collect()
	// ColoradoRLA's vector: 740, 180, ...; 180 is county 1's batch 1.
	if len(rows) != 2 || rows[0].Draw != 2 || rows[0].BallotNumber != 180 || rows[0].CountyID != 1 || rows[0].BallotPosition != 180 {
		t.Fatalf("rows %+v", rows)
	}
	arlo := CorlaAsArlo(rows)
	var b strings.Builder
	if err := WriteCSV(&b, FromSlice(ArloColumns, arlo)); err != nil {
		t.Fatal(err)
	}
	if want := "ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled\n2,1,13,1,180,1\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("Colorado rows as Arlo CSV:\n%s\nwant prefix\n%s", b.String(), want)
	}
	if a := arlo[0]; a.Jurisdiction != "1" || *a.Tabulator != "13" || a.Batch != "1" || a.Container != "Bin 1" || a.TicketNumber != "2" || a.TimesSampled != 1 {
		t.Errorf("as Arlo: %+v", a)
	}
}

func TestRetrievalLists(t *testing.T) {
	tab := func(s string) *string { return &s }
	rows := []ArloRow{
		{TicketNumber: "0.1", Jurisdiction: "B", Tabulator: tab("T2"), Batch: "b1", BallotPosition: 10, TimesSampled: 1, Container: "C1"},
		{TicketNumber: "0.2", Jurisdiction: "A", Batch: "b2", BallotPosition: 9, TimesSampled: 1, Container: "C2"},
		{TicketNumber: "0.3", Jurisdiction: "B", Tabulator: tab("T1"), Batch: "b1", BallotPosition: 2, TimesSampled: 1, Container: "C1"},
		{TicketNumber: "0.4", Jurisdiction: "A", Batch: "b2", BallotPosition: 10, TimesSampled: 1, Container: "C2"},
		{TicketNumber: "0.5", Jurisdiction: "B", Tabulator: tab("T2"), Batch: "b1", BallotPosition: 10, TimesSampled: 2, Container: "C1"},
		{TicketNumber: "0.6", Jurisdiction: "A", Batch: "b1", BallotPosition: 99, TimesSampled: 1, Container: "C2"},
		{TicketNumber: "0.7", Jurisdiction: "A", Batch: "b9", BallotPosition: 1, TimesSampled: 1, Container: "C1"},
	}
	got := RetrievalLists(rows)
	var lines []string
	for _, r := range got {
		for _, b := range r.Ballots {
			lines = append(lines, strings.Join([]string{r.Jurisdiction, b.Container, b.Tabulator, b.Batch, itoa(b.Position), strings.Join(b.Tickets, "+")}, " "))
		}
	}
	want := []string{
		"A C1  b9 1 0.7",
		"A C2  b1 99 0.6",
		"A C2  b2 9 0.2",
		"A C2  b2 10 0.4",
		"B C1 T1 b1 2 0.3",
		"B C1 T2 b1 10 0.1+0.5",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(got) != 2 {
		t.Errorf("%d jurisdictions", len(got))
	}
}
