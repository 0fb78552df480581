package election

import (
	"sync"
	"testing"
)

func TestContestLookupAndAdd(t *testing.T) {
	// A contest built as a literal must index the candidates it already has
	// before a new one is added.
	c := &Contest{ID: "mayor", Candidates: []Candidate{
		{Name: "Alice", ID: "7", Aliases: []string{"A. Smith"}},
		{Name: "Bob"},
	}}
	if _, err := c.AddCandidate(Candidate{Name: "Carol", Aliases: []string{"7"}}); err == nil {
		t.Fatal("alias already used by Alice accepted for Carol")
	}
	ch, err := c.AddCandidate(Candidate{Name: "Dan"})
	if err != nil || ch != 2 {
		t.Fatalf("AddCandidate(Dan) = %d, %v", ch, err)
	}
	for token, want := range map[string]Choice{"Alice": 0, "7": 0, "A. Smith": 0, " Bob ": 1, "Dan": 2} {
		if got, ok := c.Lookup(token); !ok || got != want {
			t.Errorf("Lookup(%q) = %d, %v; want %d", token, got, ok, want)
		}
	}
	if _, ok := c.Lookup("Eve"); ok {
		t.Error("unknown name found")
	}
	if _, ok := c.Lookup(""); ok {
		t.Error("empty token found")
	}
}

func TestWriteIn(t *testing.T) {
	c := &Contest{}
	c.AddCandidate(Candidate{Name: "Alice"})
	w := c.WriteIn()
	if w != 1 || !c.Candidates[w].WriteIn || c.Candidates[w].Name != UndeclaredWriteInName {
		t.Fatalf("WriteIn() = %d, %+v", w, c.Candidates)
	}
	if again := c.WriteIn(); again != w || len(c.Candidates) != 2 {
		t.Fatal("WriteIn added a second write-in candidate")
	}
	// A declared candidate named like the write-in label becomes it.
	d := &Contest{}
	d.AddCandidate(Candidate{Name: UndeclaredWriteInName})
	if got := d.WriteIn(); got != 0 || !d.Candidates[0].WriteIn || len(d.Candidates) != 1 {
		t.Fatalf("declared write-in candidate not reused: %d %+v", got, d.Candidates)
	}
}

func TestCVRMarksAndReset(t *testing.T) {
	r := &CVR{ID: "1", Contests: []ContestMarks{{Contest: 3, Marks: []Mark{{Rank: 1, Choice: 2}}}, {Contest: 5}}}
	if ms, ok := r.Marks(3); !ok || len(ms) != 1 {
		t.Fatalf("Marks(3) = %v, %v", ms, ok)
	}
	if ms, ok := r.Marks(5); !ok || len(ms) != 0 {
		t.Fatalf("undervoted contest: Marks(5) = %v, %v", ms, ok)
	}
	if _, ok := r.Marks(4); ok {
		t.Fatal("absent contest reported present")
	}
	r.Reset()
	if r.ID != "" || len(r.Contests) != 0 || cap(r.Contests) != 2 {
		t.Fatalf("Reset: %+v cap %d", r, cap(r.Contests))
	}
}

func TestElectionContest(t *testing.T) {
	e := &Election{Contests: []*Contest{{ID: "1", Name: "Mayor"}, {ID: "Mayor", Name: "Other"}}}
	if _, i, _ := e.Contest("Mayor"); i != 1 {
		t.Fatalf("ID match must win over name match, got %d", i)
	}
	if _, i, ok := e.Contest("1"); !ok || i != 0 {
		t.Fatal("lookup by ID failed")
	}
	if _, _, ok := e.Contest("none"); ok {
		t.Fatal("unknown contest found")
	}
}

func TestCVRMarksFor(t *testing.T) {
	r := &CVR{Contests: []ContestMarks{{Contest: 3, Marks: []Mark{{Rank: 1, Choice: 2}}}}}
	if cm := r.MarksFor(3); cm != &r.Contests[0] || len(cm.Marks) != 1 {
		t.Fatalf("existing entry: %+v", cm)
	}
	cm := r.MarksFor(7)
	if len(r.Contests) != 2 || cm != &r.Contests[1] || cm.Contest != 7 || len(cm.Marks) != 0 {
		t.Fatalf("added entry: %+v in %+v", cm, r.Contests)
	}
	cm.Marks = append(cm.Marks, Mark{Rank: 1, Choice: 0}, Mark{Rank: 2, Choice: 1})
	if ms, ok := r.Marks(7); !ok || len(ms) != 2 {
		t.Fatalf("marks through the pointer: %v %v", ms, ok)
	}

	// The next record: the entries' Marks capacity is reused, emptied.
	r.Reset()
	second := r.MarksFor(9)
	if len(r.Contests) != 1 || second.Contest != 9 || len(second.Marks) != 0 || cap(second.Marks) == 0 {
		t.Fatalf("reused entry: %+v cap %d", second, cap(second.Marks))
	}
	third := r.MarksFor(3)
	if len(third.Marks) != 0 || cap(third.Marks) < 2 {
		t.Fatalf("second reused entry: %+v cap %d", third, cap(third.Marks))
	}
	third.Marks = append(third.Marks, Mark{Rank: 1, Choice: 5})
	if n := testing.AllocsPerRun(100, func() {
		r.Reset()
		r.MarksFor(9).Marks = append(r.MarksFor(9).Marks, Mark{Rank: 1})
		r.MarksFor(3).Marks = append(r.MarksFor(3).Marks, Mark{Rank: 1}, Mark{Rank: 2})
	}); n != 0 {
		t.Errorf("refilling a reset record allocates %v times", n)
	}
}

// Readers on several goroutines may look up candidates in one contest at
// once; the first lookup of a literal contest builds its index. Run with
// -race, this failed while the index was a plain field.
func TestContestLookupConcurrent(t *testing.T) {
	c := &Contest{Candidates: []Candidate{{Name: "Alice"}, {Name: "Bob", Aliases: []string{"B"}}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, tok := range []string{"Alice", "B", "Bob"} {
				if _, ok := c.Lookup(tok); !ok {
					t.Errorf("Lookup(%q) not found", tok)
				}
			}
		})
	}
	wg.Wait()
}

func TestLookupToken(t *testing.T) {
	c := &Contest{Candidates: []Candidate{
		{Name: "Alice", ID: "7", Aliases: []string{"A. Smith", "AS"}},
		{Name: "Bob"},
	}}
	for token, want := range map[string][2]int32{"Alice": {0, 0}, "7": {0, 1}, "A. Smith": {0, 2}, "AS": {0, 3}, " AS ": {0, 3}, "Bob": {1, 0}} {
		ch, tok, ok := c.LookupToken(token)
		if !ok || int32(ch) != want[0] || tok != want[1] {
			t.Errorf("LookupToken(%q) = %d, %d, %v; want %v", token, ch, tok, ok, want)
		}
	}
	if _, _, ok := c.LookupToken("Eve"); ok {
		t.Error("unknown name found")
	}
	if got := c.Candidates[1].Token("Alice"); got != -1 {
		t.Errorf("Bob.Token(Alice) = %d, want -1", got)
	}
}
