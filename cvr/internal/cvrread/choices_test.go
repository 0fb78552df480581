package cvrread_test

import (
	"slices"
	"testing"

	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

func TestChoicesDeclared(t *testing.T) {
	// A contest built as a literal, as a caller may do: its candidates
	// must be found although it has no index yet.
	c := &election.Contest{Candidates: []election.Candidate{{Name: "Ann", Aliases: []string{"A1"}}, {Name: "Bob", ID: "b-7"}}}
	ch := cvrread.NewChoices(c, true)
	for _, tt := range []struct {
		token string
		want  election.Choice
		ok    bool
	}{
		{"Ann", 0, true}, {"A1", 0, true}, {"Bob", 1, true}, {"b-7", 1, true},
		{" Ann", 0, false},      // matching is exact, unlike Contest.Lookup
		{"Ann\u00a0", 0, false}, // Unicode space is part of the token
		{"Zed", 0, false},       // declared: unknown is not added
		{"", 0, false},
	} {
		got, ok, err := ch.Lookup(tt.token)
		if err != nil || ok != tt.ok || ok && got != tt.want {
			t.Errorf("Lookup(%q) = %d, %v, %v; want %d, %v", tt.token, got, ok, err, tt.want, tt.ok)
		}
	}
	if len(c.Candidates) != 2 {
		t.Errorf("declared lookups added candidates: %v", c.Candidates)
	}
	w := ch.WriteIn()
	if c.Candidates[w].Name != election.UndeclaredWriteInName || !c.Candidates[w].WriteIn {
		t.Fatalf("WriteIn() = %d: %+v", w, c.Candidates[w])
	}
	if got, ok, _ := ch.Lookup(election.UndeclaredWriteInName); !ok || got != w {
		t.Errorf("the added write-in is not indexed: %d %v", got, ok)
	}
	if ch.WriteIn() != w || len(c.Candidates) != 3 {
		t.Errorf("second WriteIn() added another candidate: %v", c.Candidates)
	}
}

func TestChoicesDiscovered(t *testing.T) {
	c := &election.Contest{}
	ch := cvrread.NewChoices(c, false)
	var got []election.Choice
	for _, tok := range []string{"Zed", "Amy", "Zed", "Amy"} {
		i, ok, err := ch.Lookup(tok)
		if !ok || err != nil {
			t.Fatalf("Lookup(%q) = %d, %v, %v", tok, i, ok, err)
		}
		got = append(got, i)
	}
	if !slices.Equal(got, []election.Choice{0, 1, 0, 1}) || len(c.Candidates) != 2 || c.Candidates[1].Name != "Amy" {
		t.Errorf("choices %v, candidates %v", got, c.Candidates)
	}
	// A token that another candidate already claims (here as an alias the
	// exact map does not hold) is the contest's error.
	c.Candidates[0].Aliases = nil
	if _, err := c.AddCandidate(election.Candidate{Name: "Cy", Aliases: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ch.Lookup("x"); ok || err == nil {
		t.Errorf("Lookup of a clashing token: ok %v err %v; want the contest's error", ok, err)
	}
}

func TestDeclareCandidates(t *testing.T) {
	cands := []election.Candidate{{Name: "Ann"}, {Name: "Bob"}}
	empty := &election.Contest{ID: "m", Ranks: 3}
	if err := cvrread.DeclareCandidates(empty, cands); err != nil || len(empty.Candidates) != 2 {
		t.Errorf("empty contest: %v, %v", empty.Candidates, err)
	}
	if ch, ok := empty.Lookup("Bob"); !ok || ch != 1 {
		t.Errorf("declared candidate not indexed: %d %v", ch, ok)
	}
	full := &election.Contest{Candidates: []election.Candidate{{Name: "Cy"}}}
	if err := cvrread.DeclareCandidates(full, cands); err != nil || len(full.Candidates) != 1 {
		t.Errorf("contest with candidates was changed: %v, %v", full.Candidates, err)
	}
	clash := &election.Contest{}
	if err := cvrread.DeclareCandidates(clash, []election.Candidate{{Name: "Ann"}, {Name: "Ann"}}); err == nil {
		t.Error("a repeated name was accepted")
	}
}
