package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/rla/raire"
)

const raireGuide = `{"metadata":{"candidates":["A","B","C","D"]},"num_candidates":4,
 "votes":[{"n":5000,"prefs":[2,1,0]},{"n":1000,"prefs":[1,2,3]},{"n":1500,"prefs":[3,0]},{"n":4000,"prefs":[0,3]},{"n":2000,"prefs":[3]}],
 "winner":2,"trim_algorithm":"MinimizeAssertions","audit":{"type":"OneOnMargin","total_auditable_ballots":13500}}`

func TestRLARAIRECommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "guide.json")
	if err := os.WriteFile(in, []byte(raireGuide), 0o600); err != nil {
		t.Fatal(err)
	}
	okJSON := `{"Ok":{"assertions":[{"assertion":{"type":"NEB","winner":2,"loser":1},"difficulty":3.375,"margin":4000},` +
		`{"assertion":{"type":"NEN","winner":2,"loser":0,"continuing":[0,2]},"difficulty":27.0,"margin":500},` +
		`{"assertion":{"type":"NEN","winner":0,"loser":3,"continuing":[0,2,3]},"difficulty":27.0,"margin":500},` +
		`{"assertion":{"type":"NEN","winner":2,"loser":3,"continuing":[0,2,3]},"difficulty":5.4,"margin":2500},` +
		`{"assertion":{"type":"NEN","winner":0,"loser":1,"continuing":[0,1,2,3]},"difficulty":4.5,"margin":3000}],` +
		`"difficulty":27.0,"margin":500,"winner":2,"num_candidates":4,"warning_trim_timed_out":false}}` + "\n"
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(okJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(okJSON, `{"assertion":{"type":"NEB","winner":2,"loser":1},"difficulty":3.375,"margin":4000},`, "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongDifficulty := filepath.Join(dir, "wrongdiff.json")
	if err := os.WriteFile(wrongDifficulty, []byte(strings.Replace(okJSON, `"difficulty":3.375`, `"difficulty":3.0`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	arlo := filepath.Join(dir, "small.raire")
	if err := os.WriteFile(arlo, []byte("1\nContest,7,3,x,y,z,winner,x\n7,1,x\n7,2,x,y\n7,3,y\n7,4,z,x\n7,5,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		stdin     string
		code      int
		stdout    string // exact, or prefix when ending in "…"
		stderrHas string
	}{
		{"stdin json", []string{"rla", "raire"}, raireGuide, 0, okJSON, ""},
		{"file json", []string{"rla", "raire", "--in", in}, "", 0, okJSON, ""},
		{"solution", []string{"rla", "raire", "--in", in, "--solution"}, "", 0, `{"metadata":{"candidates":["A","B","C","D"]},"solution":{"Ok":{…`, ""},
		{"text", []string{"rla", "raire", "--in", in, "--format", "text"}, "", 0, "Winner:            C\nElimination order: B, D, A, C\n…", ""},
		{"wrong winner", []string{"rla", "raire"}, strings.Replace(raireGuide, `"winner":2`, `"winner":1`, 1), 1, `{"Err":{"WrongWinner":[2]}}` + "\n", "reported winner B is not the winner; the votes elect C"},
		{"bad json", []string{"rla", "raire"}, strings.Replace(raireGuide, `[3,0]`, `[3,"A"]`, 1), 1, "", "standard input: byte"},
		{"bad json names field", []string{"rla", "raire"}, strings.Replace(raireGuide, `[3,0]`, `[3,"A"]`, 1), 1, "", "votes[2].prefs[1]: expected an integer"},
		{"check ok", []string{"rla", "raire", "--in", in, "--check", good}, "", 0, "ok: 5 assertions are true and rule out every winner but C\n", ""},
		{"check incomplete", []string{"rla", "raire", "--in", in, "--check", bad}, "", 1, "", "do not rule out every elimination order in which A wins; an audit of them would not confirm C"},
		{"check difficulty", []string{"rla", "raire", "--in", in, "--check", wrongDifficulty}, "", 1, "", "claims difficulty 3, but the votes give 3.375"},
		{"arlo", []string{"rla", "raire", "--arlo", "--in", arlo, "--trim", "MinimizeAssertions"}, "", 0, `{"Ok":{"assertions":[{"assertion":{"type":"NEB","winner":0,"loser":1}…`, ""},
		{"arlo text", []string{"rla", "raire", "--arlo", "--in", arlo, "--format", "text"}, "", 0, "Contest 7\nWinner:            x\n…", ""},
		{"arlo bad audit", []string{"rla", "raire", "--arlo", "--in", arlo, "--audit", "Polling"}, "", 1, `{"Err":"InvalidAudit"}` + "\n", `audit.type: "Polling"`},
		{"arlo flag without arlo", []string{"rla", "raire", "--trim", "None"}, raireGuide, 2, "", "--trim applies to --arlo input only"},
		{"bad format", []string{"rla", "raire", "--format", "yaml"}, raireGuide, 2, "", `--format "yaml"`},
		{"extra arg", []string{"rla", "raire", "x.json"}, raireGuide, 2, "", `unexpected argument "x.json"`},
		{"help", []string{"rla", "raire", "--help"}, "", 0, "Usage: canvass rla raire…", ""},
		{"json flag", []string{"rla", "raire", "--json"}, raireGuide, 0, `{"Ok":{"assertions":[…`, ""},
		{"json and text", []string{"rla", "raire", "--json", "--format", "text"}, raireGuide, 2, "", "--json and --format text disagree"},
		{"negative time limit", []string{"rla", "raire", "--time-limit", "-1s"}, raireGuide, 2, "", "--time-limit -1s: give a positive duration"},
		{"time limit struck", []string{"rla", "raire", "--time-limit", "1ns"}, raireGuide, 1, `{"Err":"TimeoutCheckingWinner"}` + "\n", "raise --time-limit"},
		{"missing file", []string{"rla", "raire", "--in", filepath.Join(dir, "none.json")}, "", 1, "", "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errb.String())
			}
			if p, ok := strings.CutSuffix(tc.stdout, "…"); ok {
				if !strings.HasPrefix(out.String(), p) {
					t.Errorf("stdout %q, want prefix %q", out.String(), p)
				}
			} else if out.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errb.String(), tc.stderrHas) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.stderrHas)
			}
		})
	}
}

// TestRAIRETimeLimit checks which limit applies: the flag when given
// (0 for none), else the input's, else the default.
func TestRAIRETimeLimit(t *testing.T) {
	tests := []struct {
		input, flag time.Duration
		set         bool
		want        time.Duration
	}{
		{0, raireDefaultTimeLimit, false, raireDefaultTimeLimit},
		{30 * time.Second, raireDefaultTimeLimit, false, 30 * time.Second},
		{30 * time.Second, time.Minute, true, time.Minute},
		{30 * time.Second, 0, true, 0},
	}
	for _, tt := range tests {
		p := &raire.Problem{TimeLimit: tt.input}
		raireTimeLimit(p, tt.flag, tt.set)
		if p.TimeLimit != tt.want {
			t.Errorf("input %v, flag %v (set %v): limit %v, want %v", tt.input, tt.flag, tt.set, p.TimeLimit, tt.want)
		}
	}
}
