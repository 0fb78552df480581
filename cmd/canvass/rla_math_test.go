package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func runRLA(t *testing.T, cmd, input string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run([]string{"rla", cmd}, strings.NewReader(input), &out, &errb)
	return out.String(), errb.String(), code
}

func TestRLAMathCLI(t *testing.T) {
	tests := []struct {
		name, cmd, input string
		want             string // exact stdout
		code             int
		errHas           string
	}{
		{"bravo size", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}}`,
			`{"asn":119,"0.7":184,"0.8":244,"0.9":351}` + "\n", 0, ""},
		{"bravo all ballots", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 250000, "tally": {"c1": 107846, "c2": 105711, "c3": 26392}}`,
			`{"asn":250000,"0.7":250000,"0.8":250000,"0.9":250000,"all-ballots":250000}` + "\n", 0, ""},
		{"bravo sizes capped at ballots", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 900, "tally": {"c1": 439, "c2": 436}}`,
			`{"asn":900,"0.7":900,"0.8":900,"0.9":900}` + "\n", 0, ""},
		{"bravo risk", "risk", `{"method": "bravo", "risk_limit": 0.05, "ballots": 3000000, "tally": {"c1": 1204581, "c2": 803054, "c3": 712399, "c4": 91439}, "sample": {"c1": 47, "c2": 37, "c3": 32, "c4": 4}}`,
			`{"risk":0.7313948821025418,"confirmed":false}` + "\n", 0, ""},
		{"supersimple size", "size", `{"method": "supersimple", "risk_limit": 0.05, "ballots": 10000, "tally": {"c1": 5479, "c2": 3652, "c3": 672}}`,
			`{"size":38}` + "\n", 0, ""},
		{"supersimple size after a round", "size", `{"method": "supersimple", "risk_limit": 0.05, "ballots": 10000, "tally": {"c1": 5124, "c2": 4365}, "discrepancies": {"sample_size": 20, "o1": 0, "o2": 0, "u1": 1, "u2": 0}}`,
			`{"size":63}` + "\n", 0, ""},
		{"supersimple risk, one o2", "risk", `{"method": "supersimple", "risk_limit": 0.1, "ballots": 100000, "tally": {"w": 60000, "l": 40000}, "discrepancies": {"sample_size": 27, "o2": 1}}`,
			`{"risk":1,"confirmed":false}` + "\n", 0, ""},
		{"corla risk rounded", "risk", `{"method": "corla", "risk_limit": 0.05, "ballots": 10000, "tally": {"w": 6000, "l": 4000}, "discrepancies": {"sample_size": 32}}`,
			`{"risk":0.039,"confirmed":true}` + "\n", 0, ""},
		{"corla size", "size", `{"method": "corla", "risk_limit": 0.05, "ballots": 10000, "tally": {"w": 6000, "l": 4000}, "discrepancies": {"sample_size": 20, "o1": 1}}`,
			`{"size":20}` + "\n", 0, ""},
		{"macro size", "size", `{"method": "macro", "risk_limit": 0.1, "tally": {"A": 200, "B": 100, "C": 50}, "pending": 2, "batches": [
			{"name": "b1", "ballots": 100, "reported": {"A": 60, "B": 40}},
			{"name": "b2", "ballots": 100, "reported": {"B": 60, "C": 40}},
			{"name": "b3", "ballots": 100, "reported": {"A": 90, "C": 10}},
			{"name": "b4", "ballots": 50, "reported": {"A": 50}}]}`,
			`{"size":4}` + "\n", 0, ""},
		{"macro risk", "risk", `{"method": "macro", "risk_limit": 0.1, "tally": {"A": 200, "B": 100, "C": 50}, "pending": 2, "batches": [
			{"name": "b1", "ballots": 100, "reported": {"A": 60, "B": 40}, "audited": {"A": 60, "B": 40}},
			{"name": "b2", "ballots": 100, "reported": {"B": 60, "C": 40}, "audited": {"B": 60, "C": 40}},
			{"name": "b3", "ballots": 100, "reported": {"A": 90, "C": 10}, "audited": {"A": 90, "B": 2, "C": 10}},
			{"name": "b4", "ballots": 50, "reported": {"A": 50}}], "sample": {"b1": 1, "b2": 1, "b3": 1}}`,
			`{"risk":0.48371126404576364,"confirmed":false}` + "\n", 0, ""},
		{"alpha raw", "risk", `{"method": "alpha", "risk_limit": 0.05, "x": [1,0,1,1,0.5,1,1,0,1,1], "eta": 0.6, "ballots": 1000, "estimator": "fixed"}`,
			`{"risk":0.4328565294802316,"confirmed":false}` + "\n", 0, ""},
		{"alpha raw size", "size", `{"method": "alpha", "risk_limit": 0.05, "x": [1], "eta": 0.75, "ballots": 1000, "estimator": "fixed"}`,
			`{"size":8}` + "\n", 0, ""},
		{"alpha comparison size", "size", `{"method": "alpha-comparison", "risk_limit": 0.05, "ballots": 10000, "tally": {"a": 6000, "b": 4000}}`,
			`{"size":29}` + "\n", 0, ""},
		// Errors: exit status 1 with a message naming the field.
		{"unknown field", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}, "alpah": 1}`, "", 1, `unknown field "alpah"`},
		{"field of another method", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}, "gamma": 1.1}`, "", 1, `field "gamma" does not apply to method bravo`},
		{"missing field", "size", `{"method": "bravo", "risk_limit": 0.1, "tally": {"A": 600, "B": 400}}`, "", 1, `field "ballots" is missing`},
		{"missing method", "size", `{"risk_limit": 0.1}`, "", 1, `field "method" is missing`},
		{"unknown method", "size", `{"method": "minerva"}`, "", 1, `unknown method "minerva"`},
		{"risk needs a sample", "risk", `{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}}`, "", 1, `field "sample" is missing`},
		{"wrong type", "size", `{"method": "bravo", "risk_limit": "10%", "ballots": 1000, "tally": {"A": 600, "B": 400}}`, "", 1, `field "risk_limit": expected a number, found a JSON string`},
		{"malformed JSON", "size", `{"method": "bravo",, }`, "", 1, `byte 19: malformed JSON`},
		{"two objects", "size", `{"method": "bravo"} {}`, "", 1, `unexpected data after the JSON object`},
		{"duplicate field", "size", `{"method": "bravo", "method": "corla"}`, "", 1, `field "method" appears twice`},
		{"duplicate candidate", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 6, "A": 4}}`, "", 1, `field "tally": name "A" appears twice`},
		{"fractional votes", "size", `{"method": "bravo", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 6.5, "B": 4}}`, "", 1, `field "tally": "A": expected a whole number`},
		{"sample names a stranger", "risk", `{"method": "bravo", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 6, "B": 4}, "sample": {"C": 1}}`, "", 1, `"C" is not a candidate`},
		{"risk limit out of range", "size", `{"method": "bravo", "risk_limit": 10, "ballots": 10, "tally": {"A": 6, "B": 4}}`, "", 1, `risk_limit is 10`},
		{"too many votes", "size", `{"method": "supersimple", "risk_limit": 0.1, "ballots": 10, "tally": {"A": 8, "B": 4}}`, "", 1, `tally has 12 votes but 10 ballots`},
		{"Arlo discrepancy names", "size", `{"method": "corla", "risk_limit": 0.05, "ballots": 100, "tally": {"A": 60, "B": 40}, "discrepancies": {"sample_size": 20, "1-over": 1}}`, "", 1, `Arlo's "1-over" is o1`},
		{"macro drawn batch without audit", "risk", `{"method": "macro", "risk_limit": 0.1, "tally": {"A": 60, "B": 40}, "batches": [{"name": "b1", "ballots": 100, "reported": {"A": 60, "B": 40}}], "sample": {"b1": 1}}`, "", 1, `batch "b1" is in the sample but has no "audited" tally`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runRLA(t, tt.cmd, tt.input)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errs)
			}
			if tt.code == 0 && !sameJSON(out, tt.want) {
				t.Errorf("stdout %q, want %q", out, tt.want)
			}
			if tt.errHas != "" && !strings.Contains(errs, tt.errHas) {
				t.Errorf("stderr %q does not mention %q", errs, tt.errHas)
			}
			if tt.code != 0 && out != "" {
				t.Errorf("stdout %q on error, want nothing", out)
			}
		})
	}
}

// sameJSON reports whether two JSON outputs have the same keys, in the same
// order, with numbers equal to 1e-12 relative (the last bits of a product
// of powers depend on the order of the multiplications) and one line.
func sameJSON(got, want string) bool {
	if !strings.HasSuffix(got, "}\n") || strings.Count(got, "\n") != 1 {
		return false
	}
	keys := func(s string) []string {
		dec := json.NewDecoder(strings.NewReader(s))
		var ks []string
		for {
			tok, err := dec.Token()
			if err != nil {
				return ks
			}
			if k, ok := tok.(string); ok {
				ks = append(ks, k)
			}
		}
	}
	if fmt.Sprint(keys(got)) != fmt.Sprint(keys(want)) {
		return false
	}
	var g, w map[string]any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	for k, wv := range w {
		gv := g[k]
		wf, ok1 := wv.(float64)
		gf, ok2 := gv.(float64)
		if ok1 && ok2 {
			if d := gf - wf; d > 1e-12*wf || d < -1e-12*wf {
				return false
			}
			continue
		}
		if gv != wv {
			return false
		}
	}
	return true
}

func TestRLAMathHelpAndUsage(t *testing.T) {
	for _, cmd := range []string{"size", "risk"} {
		var out, errb bytes.Buffer
		if code := run([]string{"rla", cmd, "--help"}, strings.NewReader(""), &out, &errb); code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		if errb.Len() != 0 {
			t.Errorf("%s --help wrote to stderr: %q", cmd, errb.String())
		}
		for _, m := range []string{"bravo", "supersimple", "corla", "macro", "alpha", "alpha-comparison", "discrepancies", "risk_limit"} {
			if !strings.Contains(out.String(), m) {
				t.Errorf("%s --help does not mention %s", cmd, m)
			}
		}
		out.Reset()
		errb.Reset()
		if code := run([]string{"rla", cmd, "extra"}, strings.NewReader(""), &out, &errb); code != 2 {
			t.Errorf("%s with an argument: exit %d, want 2", cmd, code)
		}
	}
}

// TestRLAMathCLIVectors runs Arlo's generated vectors through the CLI
// contract: JSON in, JSON out, sizes capped at the ballot count.
func TestRLAMathCLIVectors(t *testing.T) {
	data, err := os.ReadFile("../../testdata/rla/arlo-generated.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string][]map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range m["bravo_sizes"] {
		in := fmt.Sprintf(`{"method": "bravo", "risk_limit": %s, "ballots": %s, "tally": %s}`, v["risk_limit"], v["ballots"], v["tally"])
		out, errs, code := runRLA(t, "size", in)
		if code != 0 {
			t.Fatalf("%s: %s", in, errs)
		}
		var got, want map[string]int
		var ballots int
		json.Unmarshal([]byte(out), &got)
		json.Unmarshal(v["sizes"], &want)
		json.Unmarshal(v["ballots"], &ballots)
		for k, w := range want {
			if got[k] != min(w, ballots) {
				t.Errorf("%s: %s = %d, want %d", in, k, got[k], min(w, ballots))
			}
		}
		n++
	}
	for _, v := range m["bravo_risk"] {
		in := fmt.Sprintf(`{"method": "bravo", "risk_limit": %s, "ballots": %s, "tally": %s, "sample": %s}`, v["risk_limit"], v["ballots"], v["tally"], v["sample"])
		out, errs, code := runRLA(t, "risk", in)
		if code != 0 {
			t.Fatalf("%s: %s", in, errs)
		}
		var got, want struct {
			Risk      float64 `json:"risk"`
			Confirmed bool    `json:"confirmed"`
		}
		json.Unmarshal([]byte(out), &got)
		json.Unmarshal(v["risk"], &want.Risk)
		json.Unmarshal(v["confirmed"], &want.Confirmed)
		if d := got.Risk - want.Risk; d > 1e-9*want.Risk || d < -1e-9*want.Risk || got.Confirmed != want.Confirmed {
			t.Errorf("%s: got %+v, want %+v", in, got, want)
		}
		n++
	}
	for _, v := range m["supersimple_sizes"] {
		disc := ""
		if string(v["discrepancies"]) != "null" {
			var d map[string]int
			json.Unmarshal(v["discrepancies"], &d)
			disc = fmt.Sprintf(`, "discrepancies": {"sample_size": %d, "o1": %d, "o2": %d, "u1": %d, "u2": %d}`, d["sample_size"], d["1-over"], d["2-over"], d["1-under"], d["2-under"])
		}
		in := fmt.Sprintf(`{"method": "supersimple", "risk_limit": %s, "ballots": %s, "tally": %s%s}`, v["risk_limit"], v["ballots"], v["tally"], disc)
		out, errs, code := runRLA(t, "size", in)
		if code != 0 {
			t.Fatalf("%s: %s", in, errs)
		}
		var got struct{ Size int }
		var want, ballots int
		json.Unmarshal([]byte(out), &got)
		json.Unmarshal(v["size"], &want)
		json.Unmarshal(v["ballots"], &ballots)
		if got.Size != min(want, ballots) {
			t.Errorf("%s: size %d, want %d", in, got.Size, want)
		}
		n++
	}
	if n < 30 {
		t.Errorf("only %d vectors checked", n)
	}
}
