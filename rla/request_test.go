package rla

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"method": "bravo", "risk_limit": 0.1, "ballots": 900, "tally": {"B": 300, "A": 300, "C": 100}, "sample": {"A": 3}}`))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := req.(*BRAVORequest)
	if !ok {
		t.Fatalf("decoded a %T, want a *BRAVORequest", req)
	}
	if r.Method() != "bravo" || r.RiskLimit != 0.1 || r.Ballots != 900 {
		t.Errorf("decoded %+v", r)
	}
	// Tally order is kept: it breaks the B–A tie in B's favour.
	if r.Tally[0].Name != "B" || r.Tally[1].Name != "A" {
		t.Errorf("tally order lost: %v", r.Tally)
	}
	size, err := r.Size()
	if err != nil {
		t.Fatal(err)
	}
	if !size.BRAVO.AllBallots {
		t.Errorf("tie: %+v", size.BRAVO)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "expected one JSON object"},
		{`[]`, "expected one JSON object"},
		{`{"method": "bravo"`, "ends early"},
		{`{"method": "bravo", "x": }`, "malformed JSON"},
		{`{"method": 3}`, `field "method": expected a string`},
		{`{"method": "bravo", "ballots": 1.5}`, `field "ballots": expected a whole number`},
		{`{"method": "bravo", "tally": []}`, `field "tally": expected an object`},
		{`{"method": "bravo", "tally": {"A": -1}}`, `"A": expected a whole number between 0`},
		{`{"method": "macro", "batches": [{"name": "b", "ballot": 3}]}`, `unknown field "ballot"`},
		{`{"method": "alpha", "estimator": "kelly"}`, `unknown estimator "kelly"`},
		{`{"method": "supersimple", "discrepancies": {"o1": 1}}`, `sample_size is missing`},
		{`{"method": "alpha", "sample": {"A": 1}}`, `field "sample" does not apply to method alpha`},
	}
	for _, tt := range tests {
		_, err := DecodeRequest([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeRequest(%s) = %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

func TestRequestEvaluationErrors(t *testing.T) {
	tests := []struct {
		in, want string
		risk     bool
	}{
		{`{"method": "bravo", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 6}}`, "at least one winner and one loser", false},
		{`{"method": "bravo", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 6, "B": 1}, "winners": 0}`, `"winners": 0`, false},
		{`{"method": "bravo", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 6, "B": 1}, "sample": {"A": 9}, "sample_size": 3}`, "sample_size is 3", true},
		{`{"method": "supersimple", "risk_limit": 0.1, "ballots": 100, "tally": {"A": 60, "B": 40}, "discrepancies": {"sample_size": 2, "o1": 3}}`, "3 discrepancies in a sample of 2", true},
		{`{"method": "corla", "risk_limit": 0.1, "ballots": 100, "tally": {"A": 60, "B": 40}, "gamma": 1}`, `"gamma": 1`, false},
		{`{"method": "alpha", "risk_limit": 0.1, "ballots": 100, "tally": {"A": 60, "B": 40}, "draws": ["A", "Z"]}`, `draw 2 names "Z"`, true},
		{`{"method": "alpha", "risk_limit": 0.1, "x": [0.5]}`, `"ballots" is missing`, true},
		{`{"method": "alpha", "risk_limit": 0.1, "x": [1.5], "ballots": 10}`, "draw 1 is 1.5", true},
		{`{"method": "alpha-comparison", "risk_limit": 0.1, "ballots": 100, "tally": {"A": 60, "B": 40}, "overstatements": [3]}`, "overstatement 1 is 3", true},
		{`{"method": "macro", "risk_limit": 0.1, "ballots": 100, "tally": {"A": 60, "B": 40}, "batches": [{"name": "b", "ballots": 10, "reported": {"A": 50}}]}`, "more than its ballots allow", false},
		{`{"method": "macro", "risk_limit": 0.1, "tally": {"A": 60, "B": 40}, "batches": [{"name": "b", "ballots": 100, "reported": {"A": 60, "B": 40}}], "sample": {"c": 1}}`, `"c" is not a batch`, true},
	}
	for _, tt := range tests {
		r, err := DecodeRequest([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if tt.risk {
			_, err = r.Risk()
		} else {
			_, err = r.Size()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
	// Contest validation errors wrap ErrInvalid.
	r, _ := DecodeRequest([]byte(`{"method": "bravo", "risk_limit": 2, "ballots": 10, "tally": {"A": 6, "B": 1}}`))
	if _, err := r.Size(); !errors.Is(err, ErrInvalid) {
		t.Errorf("risk limit 2: %v, want ErrInvalid", err)
	}
}

// FuzzDecodeRequest feeds arbitrary bytes to the decoder and evaluates
// whatever decodes: nothing may panic, hang or return a result outside its
// range.
func FuzzDecodeRequest(f *testing.F) {
	seeds := []string{
		`{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}, "sample": {"A": 72, "B": 47}}`,
		`{"method": "bravo", "risk_limit": 0.05, "ballots": 900, "tally": {"c1": 367, "c2": 363, "c3": 20}, "not_found": 2}`,
		`{"method": "supersimple", "risk_limit": 0.05, "ballots": 10000, "tally": {"c1": 5124, "c2": 4365}, "discrepancies": {"sample_size": 20, "u1": 1}}`,
		`{"method": "corla", "risk_limit": 0.05, "ballots": 10000, "tally": {"w": 6000, "l": 4000}, "discrepancies": {"sample_size": 20, "o1": 1}, "gamma": 1.1}`,
		`{"method": "macro", "risk_limit": 0.1, "tally": {"A": 200, "B": 100, "C": 50}, "pending": 2, "batches": [{"name": "b1", "ballots": 100, "reported": {"A": 60, "B": 40}, "audited": {"A": 60, "B": 41}}, {"name": "b2", "ballots": 250, "reported": {"A": 140, "B": 60, "C": 50}}], "sample": {"b1": 2}}`,
		`{"method": "alpha", "risk_limit": 0.1, "ballots": 100, "tally": {"A": 60, "B": 40}, "draws": ["A", "", null, "B"], "d": 50}`,
		`{"method": "alpha", "risk_limit": 0.05, "x": [1, 0, 0.5], "eta": 0.6, "ballots": 1000, "estimator": "fixed"}`,
		`{"method": "alpha-comparison", "risk_limit": 0.05, "ballots": 10000, "tally": {"a": 6000, "b": 4000}, "overstatements": [0, 1, -2]}`,
		`{"method": "alpha-comparison", "risk_limit": 0.05, "ballots": 10000, "tally": {"a": 6000, "b": 4000}, "discrepancies": {"sample_size": 30, "o2": 1}, "estimator": "shrink_trunc"}`,
		`{}`, `null`, `{"method": "bravo", "tally": {"A": 1e3}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRequest(data)
		if err != nil {
			if r != nil {
				t.Fatal("a request and an error")
			}
			return
		}
		if s, err := r.Size(); err == nil {
			sz := s.Size.Size
			if s.BRAVO != nil {
				sz = min(s.BRAVO.ASN, s.BRAVO.P70, s.BRAVO.P80, s.BRAVO.P90)
			}
			if sz < 0 {
				t.Fatalf("negative size %+v", s)
			}
			if _, err := s.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
		if risk, err := r.Risk(); err == nil {
			if !(risk.Risk >= 0 && risk.Risk <= 1) {
				t.Fatalf("risk %v outside [0, 1]", risk.Risk)
			}
			if _, err := (RiskReport{risk}).MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestRequestTypes checks that each method decodes to its own type and
// that the fields each type decodes are exactly those the error messages
// and docs list for it.
func TestRequestTypes(t *testing.T) {
	want := map[string]string{
		"bravo": "*rla.BRAVORequest", "supersimple": "*rla.SuperSimpleRequest", "corla": "*rla.CORLARequest",
		"macro": "*rla.MACRORequest", "alpha": "*rla.ALPHARequest", "alpha-comparison": "*rla.ALPHAComparisonRequest",
	}
	for _, m := range Methods {
		r, err := DecodeRequest([]byte(`{"method": "` + m + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", r); got != want[m] || r.Method() != m {
			t.Errorf("%s decodes to %s (method %q), want %s", m, got, r.Method(), want[m])
		}
		fields := r.fields()
		listed := append(append([]string{}, commonFields...), methodFields[m]...)
		for _, f := range listed {
			if _, ok := fields[f]; !ok {
				t.Errorf("%s: field %q is listed but not decoded", m, f)
			}
		}
		if len(fields) != len(listed) {
			t.Errorf("%s decodes %d fields, lists %d", m, len(fields), len(listed))
		}
	}
	for _, tt := range []struct{ in, want string }{
		{`{"method": "bravo", "sample_size": "3"}`, `field "sample_size": expected a whole number`},
		{`{"method": "corla", "gamma": true}`, `field "gamma": expected a number`},
		{`{"method": "macro", "pending": 1, "pending": 2}`, `field "pending" appears twice`},
		{`{"method": "alpha-comparison", "with_replacement": 1}`, `field "with_replacement": expected true or false`},
		{`{"method": "corla", "p2": 0.1}`, `field "p2" does not apply to method corla`},
		{`{"method": "bravo", "risk_limt": 0.1}`, `unknown field "risk_limt"`},
		{`{"risk_limit": 0.1}`, `field "method" is missing`},
		{`{"method": "kaplan"}`, `unknown method "kaplan"`},
	} {
		if _, err := DecodeRequest([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeRequest(%s) = %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

// A request filled in Go, as a server would, evaluates as its JSON does.
func TestRequestBuiltInGo(t *testing.T) {
	in := `{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}, "sample": {"A": 72, "B": 47}}`
	decoded, err := DecodeRequest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	built := &BRAVORequest{
		Common: Common{RiskLimit: 0.1, Ballots: 1000, Tally: Counts{{"A", 600}, {"B", 400}}},
		Sample: Counts{{"A", 72}, {"B", 47}},
	}
	var sizes []string
	for _, r := range []Request{decoded, built} {
		size, err := r.Size()
		if err != nil {
			t.Fatal(err)
		}
		risk, err := r.Risk()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := size.MarshalJSON()
		sizes = append(sizes, string(got))
		if risk.Risk != 0.07140372947931499 || !risk.Confirmed {
			t.Errorf("%T: risk %+v", r, risk)
		}
	}
	if sizes[0] != sizes[1] {
		t.Errorf("size decoded %s, built %s", sizes[0], sizes[1])
	}
	noSample := &BRAVORequest{Common: Common{RiskLimit: 0.1, Ballots: 1000, Tally: Counts{{"A", 600}, {"B", 400}}}}
	if size, err := noSample.Size(); err != nil {
		t.Fatal(err)
	} else if got, _ := size.MarshalJSON(); string(got) != `{"asn": 119, "0.7": 184, "0.8": 244, "0.9": 351}` {
		t.Errorf("size without a sample: %s, want docs/rla-math.md's example", got)
	}
	if built.Method() != "" || built.present != nil {
		t.Error("evaluating changed the request")
	}
	if _, err := (&CORLARequest{Common: Common{RiskLimit: 0.05, Ballots: 100, Tally: Counts{{"A", 60}, {"B", 40}}}}).Risk(); err == nil || !strings.Contains(err.Error(), `method corla needs`) {
		t.Errorf("corla without discrepancies: %v", err)
	}
}
