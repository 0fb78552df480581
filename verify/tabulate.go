package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canvass/canvass/buildinfo"
	"github.com/canvass/canvass/count"
	"github.com/canvass/canvass/evidence"
	"github.com/canvass/canvass/results"
)

// rctabConfigName is the name under which the office commits an RCTab
// configuration among a tabulation's inputs.
const rctabConfigName = "rctab_config.json"

// retabulate counts t again from its committed inputs in pkg, through
// package count as the office did, and compares every output: reports
// byte for byte (the manifest and summary except the build that ran),
// the NIST results field for field. It returns nil if all are identical.
func retabulate(pkg fs.FS, el Election, t *Tabulation) error {
	files := map[string]string{}
	for _, in := range t.Inputs {
		files[in.Name] = FilePath(in.SHA256)
	}
	fsys := &namedFS{pkg: pkg, files: files}
	var res *count.Results
	var err error
	if len(t.Inputs) > 0 && t.Inputs[0].Name == rctabConfigName {
		res, err = count.RCTabConfig(fsys, rctabConfigName, count.RCTabOptions{Version: t.SoftwareVersion})
	} else {
		res, err = retabulateDirect(pkg, fsys, el, t)
	}
	if err != nil {
		return fmt.Errorf("re-tabulating: %v", err)
	}
	// The inputs read are the inputs committed.
	for _, in := range res.Manifest.Inputs {
		want, ok := findRef(t.Inputs, in.Path)
		if !ok || want.SHA256 != in.SHA256 || want.Size != in.Size {
			return fmt.Errorf("input %s read with SHA-256 %s, size %d, which the log does not commit to", in.Path, in.SHA256, in.Size)
		}
	}
	// Reports.
	if len(res.Files) != len(t.Reports) {
		return fmt.Errorf("re-tabulation wrote %d reports; the log commits to %d", len(res.Files), len(t.Reports))
	}
	for _, r := range t.Reports {
		got, ok := res.Files[r.Name]
		if !ok {
			return fmt.Errorf("report %s is committed but re-tabulation does not write it", r.Name)
		}
		want, err := fs.ReadFile(pkg, FilePath(r.SHA256))
		if err != nil {
			return fmt.Errorf("report %s: %v", r.Name, err)
		}
		if r.Name == evidence.ManifestName {
			if err := sameIgnoringSoftware(want, got); err != nil {
				return fmt.Errorf("report %s: %v", r.Name, err)
			}
			continue
		}
		if err := sameReport(r.Name, want, got); err != nil {
			return err
		}
	}
	// Summary.
	want, err := fs.ReadFile(pkg, FilePath(t.Summary.SHA256))
	if err != nil {
		return fmt.Errorf("summary: %v", err)
	}
	got, err := json.Marshal(res.Summary)
	if err != nil {
		return err
	}
	if err := sameIgnoringSoftware(want, got); err != nil {
		return fmt.Errorf("summary: %v", err)
	}
	// NIST results, field for field.
	nist, err := fs.ReadFile(pkg, FilePath(t.Results.SHA256))
	if err != nil {
		return fmt.Errorf("NIST results: %v", err)
	}
	return sameNIST(nist, el, res.Summary)
}

// retabulateDirect repeats a direct count (no RCTab configuration) with the
// format and rules its manifest records and the time its NIST report
// carries.
func retabulateDirect(pkg fs.FS, fsys fs.FS, el Election, t *Tabulation) (*count.Results, error) {
	var m *evidence.Manifest
	var nistTime time.Time
	for _, r := range t.Reports {
		b, err := fs.ReadFile(pkg, FilePath(r.SHA256))
		if err != nil {
			return nil, fmt.Errorf("report %s: %v", r.Name, err)
		}
		switch r.Name {
		case evidence.ManifestName:
			if m, err = evidence.DecodeManifest(bytes.NewReader(b), r.Name); err != nil {
				return nil, err
			}
		case count.NISTJSON:
			var d struct{ GeneratedDate string }
			if err := json.Unmarshal(b, &d); err != nil {
				return nil, fmt.Errorf("report %s: %v", r.Name, err)
			}
			nistTime, _ = time.Parse(time.RFC3339, d.GeneratedDate)
		}
	}
	if m == nil {
		return nil, fmt.Errorf("the tabulation commits to no %s recording its format and rules", evidence.ManifestName)
	}
	var rules struct {
		Overvote         string `json:"overvoteRule"`
		MaxSkipped       string `json:"maxSkippedRanksAllowed"`
		Tiebreak         string `json:"tiebreakMode"`
		Seed             int64  `json:"randomSeed"`
		BatchElimination bool   `json:"batchElimination"`
		Approval         bool   `json:"approval"`
		Seats            int    `json:"seats"`
		Format           string `json:"format"`
	}
	if err := json.Unmarshal(m.Rules, &rules); err != nil || rules.Format == "" {
		return nil, fmt.Errorf("%s records no format and rules", evidence.ManifestName)
	}
	var paths []string
	for _, in := range m.Inputs {
		paths = append(paths, in.Path)
	}
	return count.CVRFiles(fsys, rules.Format, paths, count.Options{Overvote: rules.Overvote, MaxSkippedRanks: rules.MaxSkipped,
		Tiebreak: rules.Tiebreak, Seed: rules.Seed, BatchElimination: rules.BatchElimination, Approval: rules.Approval,
		Seats: rules.Seats, Version: t.SoftwareVersion, Election: el.Name, Generated: nistTime})
}

// sameReport compares a committed report with its re-tabulation byte for
// byte. The one exception is cdf_cvr.json's top-level GeneratedDate: it
// records when the count ran, and package count does not take that time
// as an input, so it alone may differ.
func sameReport(name string, want, got []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	if path.Base(name) == "cdf_cvr.json" {
		var a, b map[string]any
		if json.Unmarshal(want, &a) == nil && json.Unmarshal(got, &b) == nil {
			delete(a, "GeneratedDate")
			delete(b, "GeneratedDate")
			if p := diffPath("", a, b); p == "" {
				return nil
			}
		}
	}
	return fmt.Errorf("report %s differs from its re-tabulation at byte %d", name, firstDiff(want, got))
}

// sameIgnoringSoftware compares two JSON documents with a top-level
// "software" (the build that ran) left out: the verifier may be another
// build than the office's.
func sameIgnoringSoftware(want, got []byte) error {
	var a, b map[string]any
	if err := json.Unmarshal(want, &a); err != nil {
		return fmt.Errorf("committed file is not JSON: %v", err)
	}
	if err := json.Unmarshal(got, &b); err != nil {
		return err
	}
	delete(a, "software")
	delete(b, "software")
	if p := diffPath("", a, b); p != "" {
		return fmt.Errorf("differs from the re-tabulation at %s", p)
	}
	return nil
}

// sameNIST rebuilds the NIST SP 1500-100 report the office writes from a
// re-derived summary (with the committed report's issuer, software,
// timestamp and test flag, which describe the publication, not the count)
// and compares it with the committed one field for field. The rendering
// mirrors office.nistReport; the end-to-end test checks that they agree.
func sameNIST(committed []byte, el Election, s results.Summary) error {
	var head struct {
		Issuer              string
		VendorApplicationId string
		GeneratedDate       string
		IsTest              bool
	}
	if err := json.Unmarshal(committed, &head); err != nil {
		return fmt.Errorf("NIST results are not JSON: %v", err)
	}
	gen, err := time.Parse(time.RFC3339, head.GeneratedDate)
	if err != nil {
		return fmt.Errorf("NIST results GeneratedDate %q: %v", head.GeneratedDate, err)
	}
	r := &results.Report{Issuer: head.Issuer, Election: el.Name, Date: el.Date, Jurisdiction: el.Jurisdiction,
		IsTest: head.IsTest, Software: head.VendorApplicationId, Generated: gen}
	for _, c := range s.Contests {
		won := map[string]bool{}
		for _, w := range c.Winners {
			won[w] = true
		}
		rc := results.Contest{ID: c.ID, Name: c.Name, NumberElected: max(c.Seats, 1), VotesAllowed: 1,
			BallotsCast: c.Ballots, Overvotes: float64(c.Overvotes), Undervotes: float64(c.Undervotes), Rounds: 1}
		if len(c.RCTabReport) > 0 {
			var rep struct {
				Results []struct {
					Tally map[string]string `json:"tally"`
				} `json:"results"`
			}
			if err := json.Unmarshal(c.RCTabReport[len(c.RCTabReport)-1], &rep); err != nil {
				return err
			}
			rc.Variation, rc.Rounds = "rcv", max(len(rep.Results), 1)
			var names []string
			if len(rep.Results) > 0 {
				for n := range rep.Results[0].Tally {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			for _, n := range names {
				cand := results.Candidate{Name: n, Elected: won[n], Defeated: !won[n]}
				for _, round := range rep.Results {
					v, ok := round.Tally[n]
					if !ok {
						break
					}
					f, _ := strconv.ParseFloat(v, 64)
					cand.Votes = append(cand.Votes, f)
				}
				rc.Candidates = append(rc.Candidates, cand)
			}
		} else {
			switch c.Method {
			case "approval":
				rc.Variation = "approval"
			case "vote-for-n":
				rc.Variation, rc.VotesAllowed = "n-of-m", max(c.Seats, 1)
			default:
				rc.Variation = "plurality"
			}
			for _, v := range c.Votes {
				rc.Candidates = append(rc.Candidates, results.Candidate{Name: v.Name, Votes: []float64{float64(v.Votes)},
					Elected: won[v.Name], Defeated: !won[v.Name]})
			}
		}
		r.Contests = append(r.Contests, rc)
	}
	var b bytes.Buffer
	if err := results.Write(&b, r); err != nil {
		return fmt.Errorf("rendering the re-derived NIST results: %v", err)
	}
	var want, got any
	if err := json.Unmarshal(committed, &want); err != nil {
		return err
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		return err
	}
	if p := diffPath("", want, got); p != "" {
		return fmt.Errorf("NIST results differ from the re-tabulation at %s", p)
	}
	return nil
}

// diffPath returns the JSON path of the first difference between a and b
// (committed and recomputed), or "" if they are equal.
func diffPath(at string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return describe(at, a, b)
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := diffPath(at+"."+k, x[k], y[k]); p != "" {
				return p
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return describe(at, a, b)
		}
		for i := range x {
			if p := diffPath(fmt.Sprintf("%s[%d]", at, i), x[i], y[i]); p != "" {
				return p
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return describe(at, a, b)
	}
	return ""
}

func describe(at string, committed, derived any) string {
	s := func(v any) string {
		b, _ := json.Marshal(v)
		if len(b) > 80 {
			b = append(b[:77], "..."...)
		}
		return string(b)
	}
	return fmt.Sprintf("%s (published %s, re-derived %s)", strings.TrimPrefix(at, "."), s(committed), s(derived))
}

func findRef(refs []FileRef, name string) (FileRef, bool) {
	for _, r := range refs {
		if r.Name == name {
			return r, true
		}
	}
	return FileRef{}, false
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// software is the running verifier's build, reported beside the office's.
func software() string { return buildinfo.Read().String() }
