package raire

import (
	"context"
	"strings"
	"testing"
)

const guideArlo = `1
Contest,guide,4,A,B,C,D,winner,C
` // ballots appended by guideArloBallots

func guideArloBallots() string {
	var b strings.Builder
	b.WriteString(guideArlo)
	rows := []struct {
		n     int
		prefs string
	}{{5000, "C,B,A"}, {1000, "B,C,D"}, {1500, "D,A"}, {4000, "A,D"}, {2000, "D"}}
	id := 0
	for _, r := range rows {
		for range r.n {
			id++
			b.WriteString("guide,b" + itoa(id) + "," + r.prefs + "\n")
		}
	}
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

func TestReadArloGuide(t *testing.T) {
	cs, err := ReadArlo(strings.NewReader(guideArloBallots()), "guide.raire")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != "guide" {
		t.Fatalf("contests %+v", cs)
	}
	p := cs[0].Problem
	if p.Winner != 2 || p.Audit.TotalAuditableBallots != 13500 || len(p.Votes) != 5 {
		t.Fatalf("problem: winner %d, total %d, %d votes", p.Winner, p.Audit.TotalAuditableBallots, len(p.Votes))
	}
	p.Trim = MinimizeAssertions
	res, err := Solve(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := guide()
	wantRes, _ := Solve(context.Background(), want)
	if len(res.Assertions) != len(wantRes.Assertions) || res.Difficulty != 27 {
		t.Fatalf("got %v, want %v", res.Assertions, wantRes.Assertions)
	}
	for i := range res.Assertions {
		if !res.Assertions[i].Assertion.Equal(wantRes.Assertions[i].Assertion) {
			t.Errorf("assertion %d: %v, want %v", i, res.Assertions[i].Assertion, wantRes.Assertions[i].Assertion)
		}
	}
}

func TestReadArloErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "no Contest line"},
		{"count", "x\n", `line 1: contest count: "x"`},
		{"count mismatch", "2\nContest,1,2,a,b\n", "says 2 contests but the file declares 1"},
		{"short contest", "Contest,1\n", "line 1: Contest: want"},
		{"bad n", "Contest,1,z,a\n", `line 1: number of candidates: "z"`},
		{"candidate count", "Contest,1,3,a,b\n", "declares 3 candidates but lists 2"},
		{"dup candidate", "Contest,1,2,a,a\n", `candidate 2: candidate "a" is listed twice`},
		{"bad winner", "Contest,1,2,a,b,winner,c\n", `winner: "c" is not one of`},
		{"dup contest", "Contest,1,2,a,b\nContest,1,2,a,b\n", `line 2: contest id: contest "1" is declared twice`},
		{"unknown contest", "Contest,1,2,a,b\n2,x,a\n", `line 2: contest id: ballot for contest "2"`},
		{"unknown candidate", "Contest,1,2,a,b\n1,x,a\n1,y,c\n", `line 3: preference 1: "c" is not a candidate`},
		{"duplicate ranking", "Contest,1,2,a,b\n1,x,a,b,a\n", `line 2: preference 3: candidate "a" is ranked twice on ballot "x"`},
		{"no ballot id", "Contest,1,2,a,b\n1\n", `ballot id: missing`},
	}
	for _, tc := range tests {
		_, err := ReadArlo(strings.NewReader(tc.in), "t.raire")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "t.raire") {
			t.Errorf("%s: error %q does not name the file", tc.name, err)
		}
	}
}
