package raire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzRAIREInput decodes arbitrary bytes as RAIRE JSON. Decoding must not
// panic; errors must be *InputError or *Error; a problem that decodes and is
// small enough is solved, and a solution must pass Check and survive an
// encode/decode round trip as valid JSON.
func FuzzRAIREInput(f *testing.F) {
	f.Add([]byte(guideJSON))
	f.Add([]byte(`{"num_candidates":3,"votes":[{"n":10000,"prefs":[0,1,2]},{"n":6000,"prefs":[1,0,2]},{"n":5999,"prefs":[2,0,1]}],"audit":{"type":"BRAVO","confidence":0.05,"total_auditable_ballots":21999}}`))
	f.Add([]byte(`{"num_candidates":3,"votes":[{"n":10000,"prefs":[0,1,2]},{"n":6000,"prefs":[1,0,2]},{"n":5999,"prefs":[2,0,1]}],"audit":{"type":"MACRO","confidence":0.05,"error_inflation_factor":1.1,"total_auditable_ballots":21999},"trim_algorithm":"None"}`))
	f.Add([]byte(`{"num_candidates":2,"votes":[{"n":1,"prefs":[0]},{"n":1,"prefs":[1]}],"audit":{"type":"OneOnMarginSq","total_auditable_ballots":2}}`))
	f.Add([]byte(`{"num_candidates":4,"votes":[{"n":5,"prefs":[2,1,9]}],"winner":null,"audit":{"type":"OneOnMargin","total_auditable_ballots":5},"time_limit_seconds":1e400}`))
	f.Add([]byte(`{"num_candidates":1,"votes":[],"audit":{"type":"OneOnMargin","total_auditable_ballots":1},"difficulty_estimate":-1}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodeProblem(bytes.NewReader(data))
		if err != nil {
			var ie *InputError
			var re *Error
			if !errors.As(err, &ie) && !errors.As(err, &re) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if p.NumCandidates > 6 || len(p.Votes) > 200 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := Solve(ctx, p)
		var out bytes.Buffer
		if encErr := EncodeResult(&out, res, err); encErr != nil {
			if err == nil {
				t.Fatalf("encoding a result: %v", encErr)
			}
			t.Fatalf("error of type %T not encodable: %v", err, err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("invalid JSON output: %s", out.Bytes())
		}
		if err != nil {
			return
		}
		if err := Check(p, res.Winner, assertionsOf(res.Assertions)); err != nil && !res.TrimTimedOut {
			t.Fatalf("Check rejects Solve's assertions: %v", err)
		}
		back, err := DecodeResult(&out)
		if err != nil || len(back.Assertions) != len(res.Assertions) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzArloInput reads arbitrary text as a .raire file. It must not panic,
// errors must name the file, and every contest read must validate.
func FuzzArloInput(f *testing.F) {
	f.Add("1\nContest,339,4,15,16,17,18,winner,15\n339,b1,17\n339,b2,16,18,15\n339,b3\n")
	f.Add("Contest,1,2,a,b\n1,x,a,b\n1,y,b\n\n")
	f.Add("2\nContest,1,2,a,b\n1,x,a\nContest,2,3,a,b,c\n2,y,c,b\n")
	f.Add("Contest,1,2,a,a\n")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ReadArlo(strings.NewReader(in), "f.raire")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.raire") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, c := range cs {
			if c.Problem.Audit.TotalAuditableBallots == 0 {
				continue // a contest with no ballots: Validate reports it
			}
			if err := c.Problem.Validate(); err != nil {
				t.Fatalf("contest %q read but invalid: %v", c.ID, err)
			}
		}
	})
}

// FuzzDecodeResult reads arbitrary bytes as raire-rs output, which `rla
// raire --check` takes from anyone. Decoding must not panic; a result
// that decodes must encode again, and decode to the same assertions.
func FuzzDecodeResult(f *testing.F) {
	p, err := DecodeProblem(strings.NewReader(guideJSON))
	if err != nil {
		f.Fatal(err)
	}
	res, err := Solve(context.Background(), p)
	if err != nil {
		f.Fatal(err)
	}
	var ok, sol bytes.Buffer
	if err := EncodeResult(&ok, res, nil); err != nil {
		f.Fatal(err)
	}
	if err := EncodeSolution(&sol, p, res, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(ok.Bytes())
	f.Add(sol.Bytes())
	f.Add([]byte(`{"Err":{"WrongWinner":[2]}}`))
	f.Add([]byte(`{"Err":"TimeoutCheckingWinner"}`))
	f.Add([]byte(`{"Ok":{"assertions":[{"assertion":{"type":"NEN","winner":0,"loser":1,"continuing":[0,1,7]},"difficulty":null,"margin":-3}],"difficulty":1e999,"margin":0,"winner":-1,"num_candidates":0}}`))
	f.Add([]byte(`{"Ok":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeResult(bytes.NewReader(data))
		if err != nil {
			if r != nil {
				t.Fatal("a result and an error")
			}
			return
		}
		var out bytes.Buffer
		if err := EncodeResult(&out, r, nil); err != nil {
			return // a result that cannot be written (an infinite difficulty where JSON has no number) is refused, not crashed on
		}
		back, err := DecodeResult(&out)
		if err != nil {
			t.Fatalf("re-encoded result does not decode: %v\n%s", err, out.String())
		}
		if len(back.Assertions) != len(r.Assertions) {
			t.Fatalf("%d assertions after a round trip, had %d", len(back.Assertions), len(r.Assertions))
		}
	})
}
