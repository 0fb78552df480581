package office

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/rla"
)

func talliesDef() *audit.Definition {
	return &audit.Definition{Type: audit.BatchComparison, Contests: []audit.ContestDefinition{
		{Name: "Council", Jurisdictions: []string{"a", "b"}, Reported: rla.Counts{{Name: "Cho", Votes: 1}, {Name: "Diaz", Votes: 1}}},
		{Name: "Levy", Jurisdictions: []string{"a"}, Reported: rla.Counts{{Name: "Yes", Votes: 1}, {Name: "No", Votes: 1}}},
	}}
}

// FuzzReadBatchTallies checks that any file either reads into complete
// tallies (every contest of the jurisdiction with every choice, in
// definition order, counts ≥ 0, batch names unique) or is refused with a
// 422 naming the file.
func FuzzReadBatchTallies(f *testing.F) {
	for _, s := range []string{
		"Batch Name,Council - Cho,Council - Diaz,Levy - Yes,Levy - No\nB1,30,18,30,20\nB2,1,2,3,4\n",
		"\ufeffBatch Name,Levy - No,Council - Diaz,Council - Cho,Levy - Yes\nB1,1,2,3,4\n",
		"Batch Name,Cho,Diaz\nB1,30,18\n",
		"Batch Name,Cho,Diaz,Council - Cho\nB1,1,2,3\n",
		"Batch Name,Council - Cho,Council - Diaz,Levy - Yes,Levy - No\nB1,-1,18,30,20\n",
		"Batch Name,Council - Cho,Council - Diaz,Levy - Yes,Levy - No\nB1,1,2,3\n",
		"Batch Name,Council - Cho,Council - Diaz,Levy - Yes,Levy - No\n\"B1,1,2,3,4\n",
		"", "Batch Name\n", "\xff\xfe",
	} {
		f.Add([]byte(s), s[:min(len(s), 1)] == "B")
	}
	def := talliesDef()
	f.Fuzz(func(t *testing.T, data []byte, second bool) {
		j := "a"
		if second {
			j = "b"
		}
		out, err := readBatchTallies("t.csv", data, def, j)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(oe.Msg, "t.csv") {
				t.Fatalf("refusal %v is not a 422 naming the file", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, bt := range out {
			if bt.Batch == "" || seen[bt.Batch] || bt.Row < 2 {
				t.Fatalf("batch %q (row %d) empty, repeated or before the header", bt.Batch, bt.Row)
			}
			seen[bt.Batch] = true
			for _, c := range jurisdictionContests(def, j) {
				got := bt.Contests[c.Name]
				if len(got) != len(c.Reported) {
					t.Fatalf("batch %q contest %s: %v", bt.Batch, c.Name, got)
				}
				for i, cv := range got {
					if cv.Name != c.Reported[i].Name || cv.Votes < 0 {
						t.Fatalf("batch %q contest %s: %v", bt.Batch, c.Name, got)
					}
				}
			}
			if len(bt.Contests) != len(jurisdictionContests(def, j)) {
				t.Fatalf("batch %q has contests %v", bt.Batch, bt.Contests)
			}
		}
	})
}

func TestReadBatchTallies(t *testing.T) {
	def := talliesDef()
	out, err := readBatchTallies("t.csv", []byte("\ufeffBatch Name,Levy - No,Council - Diaz,Council - Cho,Levy - Yes\r\nB1, 1 ,2,3,4\r\n"), def, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Row != 2 || out[0].Contests["Council"][0] != (rla.CandidateVotes{Name: "Cho", Votes: 3}) || out[0].Contests["Levy"][1] != (rla.CandidateVotes{Name: "No", Votes: 1}) {
		t.Fatalf("tallies %+v", out)
	}
	for _, bad := range []struct{ data, j, msg string }{
		{"Batch Name,Cho,Diaz\nB1,1,2\n", "a", `row 1, column "Cho"`},
		{"Batch Name,Cho,Diaz\nB1,1,x\n", "b", `row 2, column "Diaz"`},
		{"Batch Name,Cho,Diaz\nB1,1,2\n\nB1,3,4\n", "b", `row 4, column "Batch Name": batch "B1" already appears in row 2`},
		{"Cho,Diaz\nB1,1\n", "b", `no "Batch Name" column`},
		{"Batch Name,Cho\nB1,1\n", "b", `no column for "Council - Diaz"`},
		{"Batch Name,Cho,Diaz\n", "b", "no batch rows"},
	} {
		_, err := readBatchTallies("t.csv", []byte(bad.data), def, bad.j)
		if err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%q: %v, want %s", bad.data, err, bad.msg)
		}
	}
}
