package raire

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const guideJSON = `{"metadata":{"candidates":["A","B","C","D"],"contest":"Guide"},
 "num_candidates":4,
 "votes":[{"n":5000,"prefs":[2,1,0]},{"n":1000,"prefs":[1,2,3]},{"n":1500,"prefs":[3,0]},{"n":4000,"prefs":[0,3]},{"n":2000,"prefs":[3]}],
 "winner":2,"trim_algorithm":"MinimizeAssertions",
 "audit":{"type":"OneOnMargin","total_auditable_ballots":13500}}`

// TestGuideJSONBytes pins the exact output bytes for the Guide example.
func TestGuideJSONBytes(t *testing.T) {
	p, err := DecodeProblem(strings.NewReader(guideJSON))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Candidates, ""); got != "ABCD" {
		t.Errorf("candidates from metadata: %q", got)
	}
	res, err := Solve(context.Background(), p)
	var b bytes.Buffer
	if err := EncodeResult(&b, res, err); err != nil {
		t.Fatal(err)
	}
	want := `{"Ok":{"assertions":[` +
		`{"assertion":{"type":"NEB","winner":2,"loser":1},"difficulty":3.375,"margin":4000},` +
		`{"assertion":{"type":"NEN","winner":2,"loser":0,"continuing":[0,2]},"difficulty":27.0,"margin":500},` +
		`{"assertion":{"type":"NEN","winner":0,"loser":3,"continuing":[0,2,3]},"difficulty":27.0,"margin":500},` +
		`{"assertion":{"type":"NEN","winner":2,"loser":3,"continuing":[0,2,3]},"difficulty":5.4,"margin":2500},` +
		`{"assertion":{"type":"NEN","winner":0,"loser":1,"continuing":[0,1,2,3]},"difficulty":4.5,"margin":3000}` +
		`],"difficulty":27.0,"margin":500,"winner":2,"num_candidates":4,"warning_trim_timed_out":false}}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	back, err := DecodeResult(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Assertions) != 5 || back.Difficulty != 27 || back.Winner != 2 {
		t.Errorf("round trip: %+v", back)
	}
	if err := Check(p, back.Winner, assertionsOf(back.Assertions)); err != nil {
		t.Errorf("round trip Check: %v", err)
	}
	b.Reset()
	if err := EncodeSolution(&b, p, res, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `{"metadata":{"candidates":["A","B","C","D"],"contest":"Guide"},"solution":{"Ok":{`) {
		t.Errorf("solution wrapper: %s", b.String())
	}
}

func TestDecodeErrors(t *testing.T) {
	base := func(mod string) string { return strings.Replace(guideJSON, `"winner":2,`, mod, 1) }
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "empty input"},
		{"syntax", `{"num_candidates":4,`, "ends in the middle"},
		{"syntax mid", `{"num_candidates":4 "votes":[]}`, "byte 21"},
		{"pref type", strings.Replace(guideJSON, `[3,0]`, `[3,"A"]`, 1), `votes[2].prefs[1]: expected an integer, got JSON string`},
		{"n type", strings.Replace(guideJSON, `"n":1500`, `"n":1.5`, 1), `votes[2].n: expected an integer, got JSON number`},
		{"unknown field", base(`"winer":2,`), `unknown field "winer"`},
		{"unknown audit field", strings.Replace(guideJSON, `"type":"OneOnMargin"`, `"type":"OneOnMargin","alpha":0.1`, 1), `audit.alpha: unknown field "alpha"`},
		{"trailing", guideJSON + `{}`, "after the problem object"},
		{"no votes", strings.Replace(guideJSON, `"votes"`, `"ballots"`, 1), `unknown field "ballots"`},
		{"missing n", strings.Replace(guideJSON, `"n":1500,`, ``, 1), `votes[2].n: missing`},
		{"missing prefs", strings.Replace(guideJSON, `,"prefs":[3]`, ``, 1), `votes[4].prefs: missing`},
		{"missing audit", strings.Replace(guideJSON, `,
 "audit":{"type":"OneOnMargin","total_auditable_ballots":13500}`, ``, 1), `audit: missing`},
		{"missing total", strings.Replace(guideJSON, `,"total_auditable_ballots":13500`, ``, 1), `audit.total_auditable_ballots: missing`},
		{"bad type", strings.Replace(guideJSON, `OneOnMargin`, `Polling`, 1), `audit.type: "Polling" is not one of`},
		{"macro no gamma", strings.Replace(guideJSON, `"type":"OneOnMargin"`, `"type":"MACRO","confidence":0.05`, 1), `audit.error_inflation_factor: missing`},
		{"bravo no alpha", strings.Replace(guideJSON, `"type":"OneOnMargin"`, `"type":"BRAVO"`, 1), `audit.confidence: missing`},
		{"both alphas", strings.Replace(guideJSON, `"type":"OneOnMargin"`, `"type":"BRAVO","confidence":0.05,"risk_limit":0.05`, 1), `either confidence or risk_limit`},
		{"negative winner", base(`"winner":-3,`), `winner: -3 is not a candidate index`},
		{"bad timeout", base(`"time_limit_seconds":0,`), `time_limit_seconds: 0`},
	}
	for _, tc := range tests {
		_, err := DecodeProblem(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestSolveErrors(t *testing.T) {
	mod := func(f func(p *Problem)) *Problem { p := guide(); f(p); return p }
	tests := []struct {
		name   string
		p      *Problem
		kind   ErrorKind
		json   string
		detail string
	}{
		{"wrong winner", mod(func(p *Problem) { p.Winner = 0 }), ErrWrongWinner, `{"Err":{"WrongWinner":[2]}}`, "reported winner A"},
		{"candidate out of range", mod(func(p *Problem) { p.Votes[1].Prefs = []int{1, 4} }), ErrInvalidCandidateNumber, `{"Err":"InvalidCandidateNumber"}`, "votes[1].prefs[1]: 4"},
		{"duplicate", mod(func(p *Problem) { p.Votes[0].Prefs = []int{2, 1, 2} }), ErrInvalidCandidateNumber, `{"Err":"InvalidCandidateNumber"}`, "ranked twice"},
		{"names", mod(func(p *Problem) { p.Candidates = p.Candidates[:3] }), ErrWrongCandidateNames, `{"Err":"WrongCandidateNames"}`, "3 names"},
		{"total too small", mod(func(p *Problem) { p.Audit.TotalAuditableBallots = 100 }), ErrInvalidBallotCount, `{"Err":"InvalidBallotCount"}`, "less than the 13500"},
		{"negative n", mod(func(p *Problem) { p.Votes[0].N = -1 }), ErrInvalidBallotCount, `{"Err":"InvalidBallotCount"}`, "votes[0].n"},
		{"trim", mod(func(p *Problem) { p.Trim = "Fast" }), ErrInvalidTrimAlgorithm, `{"Err":"InvalidTrimAlgorithm"}`, "trim_algorithm"},
		{"no candidates", &Problem{Winner: -1, Audit: Audit{Type: OneOnMargin, TotalAuditableBallots: 1}}, ErrInvalidNumberOfCandidates, `{"Err":"InvalidNumberOfCandidates"}`, "num_candidates"},
		{"tie", &Problem{NumCandidates: 3, Winner: -1, Votes: []Vote{{10, []int{0}}, {10, []int{1}}, {5, []int{2, 0}}, {5, []int{2, 1}}}, Audit: Audit{Type: OneOnMargin, TotalAuditableBallots: 30}},
			ErrTiedWinners, `{"Err":{"TiedWinners":[0,1,2]}}`, "tied"},
		// 0 and 1 tie for last place but 2 wins either way: not a tied
		// contest, and auditable.
		{"zero margin", &Problem{NumCandidates: 3, Winner: -1, Votes: []Vote{{10, []int{0, 2}}, {10, []int{1, 2}}, {30, []int{2}}}, Audit: Audit{Type: OneOnMargin, TotalAuditableBallots: 50}},
			"", "", ""},
	}
	for _, tc := range tests {
		res, err := Solve(context.Background(), tc.p)
		if tc.kind == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if err := Check(tc.p, res.Winner, assertionsOf(res.Assertions)); err != nil {
				t.Errorf("%s: Check: %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, &Error{Kind: tc.kind}) {
			t.Errorf("%s: error %v, want kind %s", tc.name, err, tc.kind)
			continue
		}
		if !strings.Contains(err.Error(), tc.detail) {
			t.Errorf("%s: message %q lacks %q", tc.name, err, tc.detail)
		}
		var b bytes.Buffer
		if err := EncodeResult(&b, nil, err); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(b.String()) != tc.json {
			t.Errorf("%s: JSON %s, want %s", tc.name, b.String(), tc.json)
		}
	}
}

func TestTimeLimit(t *testing.T) {
	p := problem10x100k()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := Solve(ctx, p)
	if !errors.Is(err, &Error{Kind: ErrTimeoutCheckingWinner}) && !errors.Is(err, &Error{Kind: ErrTimeoutFindingAssertions}) {
		t.Fatalf("expired context: got %v", err)
	}
}

func TestRustFloat(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{27, "27.0"}, {5.4, "5.4"}, {3.375, "3.375"}, {0, "0.0"}, {0.0001, "0.0001"},
		{1e-7, "1e-7"}, {1.5e-7, "1.5e-7"}, {1e16, "1e16"}, {123456789012345, "123456789012345.0"},
		{135.28018, "135.28018"},
	}
	for _, tc := range tests {
		if got := rustFloat(tc.x); got != tc.want {
			t.Errorf("rustFloat(%v) = %s, want %s", tc.x, got, tc.want)
		}
	}
}

// TestDifficultyEstimate: an estimate above the optimum lets the search
// accept easier assertions at once; the result still excludes every
// alternative and is no harder than the estimate.
func TestDifficultyEstimate(t *testing.T) {
	p := guide()
	p.DifficultyEstimate = 30
	res, err := Solve(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Difficulty > 30 || res.Difficulty < 27 {
		t.Errorf("difficulty %v with estimate 30", res.Difficulty)
	}
	if err := Check(p, res.Winner, assertionsOf(res.Assertions)); err != nil {
		t.Error(err)
	}
}
