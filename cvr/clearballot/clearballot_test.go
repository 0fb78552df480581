package clearballot

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

func TestRegistered(t *testing.T) { fixture.CheckRegistered(t, "clearBallot", Read) }

// TestKansasPrimary reads RCTab's clear_ballot_kansas_primary fixture and
// checks it against the expected report and against cells read by eye.
func TestKansasPrimary(t *testing.T) {
	const name = "clear_ballot_kansas_primary"
	fc := fixture.LoadConfig(t, name)
	if fc.Sources[0].Provider != "clearBallot" {
		t.Fatalf("provider %q", fc.Sources[0].Provider)
	}
	e, ballots, err := fixture.ReadAll(t, Read, fc.Sources[0].Source)
	if err != nil {
		t.Fatal(err)
	}
	fixture.CheckReport(t, fc, e, ballots)
	c := e.Contests[0]
	if c.ID != "Democratic Primary" || c.Ranks != 5 || c.VoteFor != 1 {
		t.Errorf("contest %q ranks %d vote for %d", c.ID, c.Ranks, c.VoteFor)
	}
	tests := []struct {
		i     int
		marks string
		id    string
	}{
		// Row 1: Choice_10_1 (Klobuchar, rank 1), Choice_16_1 (Castro, 2),
		// Choice_28_1 (Gabbard, 3), Choice_32_1 (Biden, 4), Choice_44_1
		// (Bullock, 5).
		{0, "1:Amy Klobuchar 2:Julian Castro 3:Tulsi Gabbard 4:Joe Biden 5:Steven Bullock", "ED-004+10003"},
		{49, "1:Michael Bennet 2:Amy Klobuchar 3:Pete Buttigieg 4:Cory Booker 5:John Delaney", "ED-004+10101"},
	}
	for _, tt := range tests {
		b := ballots[tt.i]
		if got := fixture.Describe(c, b.Marks); got != tt.marks {
			t.Errorf("ballot %d: %q, want %q", tt.i, got, tt.marks)
		}
		wantID := fmt.Sprintf("clear_ballot_kansas_primary.cvr.csv-%d", tt.i+1)
		if b.SuppliedID != tt.id || b.ID != wantID || b.Precinct != "1" || b.Batch != "ED-004" || b.BallotStyle != "10" || b.Tabulator != "Don-DeFord" {
			t.Errorf("ballot %d: %+v", tt.i, b.CVR)
		}
	}
}

const hdr = "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade," +
	"Choice_1_1:Mayor:1:Vote For 1:Ann:NP,Choice_2_1:Mayor:1:Vote For 1:Bo:NP,Choice_3_1:Mayor:1:Vote For 1:Write-in:," +
	"Choice_4_1:Mayor:2:Vote For 1:Ann:NP,Choice_5_1:Mayor:2:Vote For 1:Bo:NP,Choice_6_1:Mayor:2:Vote For 1:Write-in:," +
	"Choice_7_1:Council:1:Vote For 2:Cy:NP,Choice_8_1:Council:1:Vote For 2:Di:NP\n"

func row(n int, cells string) string {
	return fmt.Sprintf("%d,B1,%d,B1+%d,P%d,7,Precinct,Scanner-1,0,0,%s\n", n, n, n, n%2, cells)
}

func TestCases(t *testing.T) {
	declared := []election.Candidate{{Name: "Ann"}, {Name: "Bo"}}
	tests := []struct {
		name   string
		src    cvr.Source
		in     string
		want   []string
		cands  string
		errMsg string
		errRow int
		field  string
		unk    bool
	}{
		{name: "marks and overvote", src: cvr.Source{ContestID: "Mayor", Candidates: declared, UndeclaredWriteInLabel: "Write-in"},
			in:   hdr + row(1, "1,0,0,0,1,0,1,1") + row(2, "1,1,0,0,0,1,0,0") + row(3, "0,0,0,0,0,0,1,0"),
			want: []string{"1:Ann 2:Bo", "1:Ann 1:Bo 2:Undeclared Write-ins", ""}},
		{name: "discovery, blank cells", src: cvr.Source{ContestID: "Mayor"},
			in:   hdr + row(1, "0,1,,,,1,,"),
			want: []string{"1:Bo 2:Write-in"}, cands: "Ann,Bo,Write-in"},
		{name: "line of empty fields is not a ballot", src: cvr.Source{ContestID: "Mayor"},
			in:   hdr + row(1, "0,1,0,0,0,0,0,0") + ",,,,,,,,,,,,,,,,,\n" + row(3, "1,0,0,0,0,0,0,0"),
			want: []string{"1:Bo", "1:Ann"}},
		{name: "other contest", src: cvr.Source{ContestID: "Council"},
			in:   hdr + row(1, "1,0,0,0,1,0,1,1"),
			want: []string{"1:Cy 1:Di"}, cands: "Cy,Di"},
		{name: "unused unknown column", src: cvr.Source{ContestID: "Mayor", Candidates: declared},
			in: hdr + row(1, "1,0,0,0,1,0,0,0"), want: []string{"1:Ann 2:Bo"}},

		{name: "marked unknown candidate", src: cvr.Source{ContestID: "Mayor", Candidates: declared},
			in: hdr + row(1, "0,0,1,0,0,0,0,0"), errMsg: `"Write-in" is not a declared candidate`, errRow: 2,
			field: `column 13 "Choice_3_1:Mayor:1:Vote For 1:Write-in:"`, unk: true},
		{name: "bad cell", src: cvr.Source{ContestID: "Mayor"}, in: hdr + row(1, "0,2,0,0,0,0,0,0"),
			errMsg: `cell is "2"; expected 1 (marked) or 0`, errRow: 2, field: `column 12 "Choice_2_1:Mayor:1:Vote For 1:Bo:NP"`},
		{name: "bad cell in another contest is not read", src: cvr.Source{ContestID: "Mayor"}, in: hdr + row(1, "0,1,0,0,0,0,x,y"),
			want: []string{"1:Bo"}},
		{name: "contest not in file", src: cvr.Source{ContestID: "Sheriff"}, in: hdr,
			errMsg: `contest "Sheriff" is not in the file; set contestId to one of "Mayor", "Council"`, errRow: 1},
		{name: "contest needed", in: hdr, errMsg: `the file holds 2 contests ("Mayor", "Council"); set contestId`, errRow: 1},
		{name: "short row", src: cvr.Source{ContestID: "Mayor"}, in: hdr + "1,B1,1,x,P,7,S,C,0,0,1\n",
			errMsg: "has 11 fields but the header has 18", errRow: 2},
		{name: "bad rank in header", src: cvr.Source{ContestID: "Mayor"},
			in:     strings.Replace(hdr, "Mayor:2:Vote For 1:Ann", "Mayor:two:Vote For 1:Ann", 1) + row(1, "0,0,0,0,0,0,0,0"),
			errMsg: `rank "two" is not a whole number`, errRow: 1, field: `column 14 "Choice_4_1:Mayor:two:Vote For 1:Ann:NP"`},
		{name: "short header field list", src: cvr.Source{ContestID: "Mayor"},
			in:     strings.Replace(hdr, "Choice_4_1:Mayor:2:Vote For 1:Ann:NP", "Choice_4_1:Mayor:2:Ann", 1),
			errMsg: "has 4 colon-separated fields", errRow: 1, field: `column 14 "Choice_4_1:Mayor:2:Ann"`},
		{name: "duplicate column", src: cvr.Source{ContestID: "Mayor"},
			in:     strings.Replace(hdr, "Choice_4_1:Mayor:2:Vote For 1:Ann:NP", "Choice_4_1:Mayor:1:Vote For 1:Ann:NP", 1),
			errMsg: `candidate "Ann" has a second column for rank 1`, errRow: 1, field: `column 14 "Choice_4_1:Mayor:1:Vote For 1:Ann:NP"`},
		{name: "no choice columns", in: "RowNumber,BallotID,PrecinctID\n1,2,3\n", errMsg: "no Choice_ columns", errRow: 1},
		{name: "not clear ballot", in: "Cast Vote Record,Choice 1\n1,A\n", errMsg: "no BallotID column", errRow: 1},
		{name: "empty", in: "", errMsg: "it is empty"},

		// Source notes R13, RCTab mode: every choice header of every
		// contest has exactly six fields, so Write-in's empty party fails;
		// a choice cell is a whole number, 1 a mark (Java's parseInt
		// reads "+1" as 1), any other number none, anything else fails.
		{name: "R13 empty party fails in RCTab mode", src: cvr.Source{ContestID: "Council", RCTab: true},
			in: hdr + row(1, "0,0,0,0,0,0,1,0"), errMsg: "RCTab needs exactly six", errRow: 1,
			field: `column 13 "Choice_3_1:Mayor:1:Vote For 1:Write-in:"`},
		{name: "R13 choice cells are whole numbers", src: cvr.Source{ContestID: "Mayor", Candidates: declared, RCTab: true},
			in:   strings.ReplaceAll(hdr, "Write-in:,", "Write-in:IND,") + row(1, "1,2,-1,0,+1,0,x,") + row(2, "0,0,0,7,0,0,,"),
			want: []string{"1:Ann 2:Bo", ""}},
		{name: "R13 empty choice cell fails in RCTab mode", src: cvr.Source{ContestID: "Mayor", Candidates: declared, RCTab: true},
			in:     strings.ReplaceAll(hdr, "Write-in:,", "Write-in:IND,") + row(1, "1,,0,0,0,0,0,0"),
			errMsg: `cell is ""; RCTab reads a choice cell as a whole number`, errRow: 2,
			field: `column 12 "Choice_2_1:Mayor:1:Vote For 1:Bo:NP"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.src.Path = "cb.csv"
			e := &election.Election{}
			var got []string
			err := ReadFrom(strings.NewReader(tt.in), tt.src, e, func(rec *election.CVR) error {
				got = append(got, fixture.Describe(e.Contests[rec.Contests[0].Contest], rec.Contests[0].Marks))
				return nil
			})
			if tt.errMsg != "" {
				var ce *cvr.Error
				if !errors.As(err, &ce) {
					t.Fatalf("error %v (%T), want a *cvr.Error", err, err)
				}
				if !strings.Contains(err.Error(), tt.errMsg) || ce.Row != tt.errRow || ce.Field != tt.field || ce.Path != "cb.csv" {
					t.Errorf("error %q (row %d field %q), want %q at row %d field %q", err, ce.Row, ce.Field, tt.errMsg, tt.errRow, tt.field)
				}
				if errors.Is(err, cvr.ErrUnknownCandidate) != tt.unk {
					t.Errorf("errors.Is(ErrUnknownCandidate) = %v", !tt.unk)
				}
				if len(e.Contests) != 0 {
					t.Errorf("failed read left %d contests", len(e.Contests))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("marks %q, want %q", got, tt.want)
			}
			if tt.cands != "" {
				var names []string
				for _, c := range e.Contests[0].Candidates {
					names = append(names, c.Name)
				}
				if strings.Join(names, ",") != tt.cands {
					t.Errorf("candidates %v, want %s", names, tt.cands)
				}
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	err := Read(cvr.Source{Path: filepath.Join(t.TempDir(), "none.csv")}, &election.Election{}, func(*election.CVR) error { return nil })
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "cannot open the Clear Ballot CVR file") {
		t.Errorf("got %v", err)
	}
}

// FuzzClearBallot checks that no input panics the reader and that every
// failure is a *cvr.Error that leaves the election untouched.
func FuzzClearBallot(f *testing.F) {
	b, err := os.ReadFile(fixture.Path(f, "clear_ballot_kansas_primary", "clear_ballot_kansas_primary.cvr.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, "Democratic Primary", true)
	f.Add([]byte(hdr+row(1, "1,0,0,0,1,0,1,1")), "Mayor", false)
	f.Add([]byte(hdr+row(1, "1,1,,0,1,0,1,1")), "", false)
	f.Fuzz(func(t *testing.T, data []byte, contest string, declare bool) {
		// Declared candidates come with RCTab mode, as in a configuration.
		src := cvr.Source{Path: "fuzz.csv", ContestID: contest, UndeclaredWriteInLabel: "Write-in", RCTab: declare}
		if declare {
			src.Candidates = []election.Candidate{{Name: "Ann"}, {Name: "Amy Klobuchar"}}
		}
		e := &election.Election{}
		err := ReadFrom(bytes.NewReader(data), src, e, func(rec *election.CVR) error {
			c := e.Contests[rec.Contests[0].Contest]
			for _, m := range rec.Contests[0].Marks {
				if m.Rank < 1 || m.Choice < 0 || int(m.Choice) >= len(c.Candidates) {
					t.Fatalf("bad mark %+v", m)
				}
			}
			return nil
		})
		fixture.CheckFailedRead(t, err, e)
	})
}

// BenchmarkClearBallot reads a 100,000-ballot Clear Ballot export with
// three contests (5 ranks x 10 candidates in the one read, 80 columns in
// the others).
func BenchmarkClearBallot(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade")
	n := 0
	for _, c := range []struct {
		name  string
		ranks int
	}{{"Mayor", 5}, {"Council", 4}, {"Board", 4}} {
		for r := 1; r <= c.ranks; r++ {
			for k := 0; k < 10; k++ {
				n++
				fmt.Fprintf(&buf, ",Choice_%d_1:%s:%d:Vote For 1:Cand %d:NP", n, c.name, r, k)
			}
		}
	}
	buf.WriteByte('\n')
	rng := rand.New(rand.NewPCG(1, 2))
	cells := make([]byte, 0, 2*n)
	for i := 0; i < 100000; i++ {
		cells = cells[:0]
		for j := 0; j < n; j++ {
			c := byte('0')
			if rng.IntN(10) == 0 {
				c = '1'
			}
			cells = append(cells, ',', c)
		}
		fmt.Fprintf(&buf, "%d,BOX-%d,%d,BOX+%d,%d,3,Precinct,Scanner,0,0%s\n", i+1, i/300, i%300, i, i%97, cells)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		count := 0
		err := ReadFrom(bytes.NewReader(data), cvr.Source{Path: "cb.csv", ContestID: "Mayor"}, &election.Election{}, func(*election.CVR) error { count++; return nil })
		if err != nil || count != 100000 {
			b.Fatal(err, count)
		}
	}
}
