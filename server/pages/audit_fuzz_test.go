package pages

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla"
)

// FuzzParseCounts feeds the setup form's "name: votes" lines: anything
// accepted is a tally rla.Counts decodes, in the typed order.
func FuzzParseCounts(f *testing.F) {
	for _, s := range []string{"Alice: 600\nBob: 400", "Yes:1\r\nNo:2\r\n", "", "a:b", ":5", "x: -1", "Dup: 1\nDup: 2", "名前: 3", "a:b:4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := parseCounts("reported", s)
		if err != nil || raw == nil {
			return
		}
		var c rla.Counts
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%q gave %s, which does not decode: %v", s, raw, err)
		}
		if len(c) == 0 {
			t.Fatalf("%q gave an empty tally", s)
		}
	})
}

// FuzzReadingsOf feeds the entry form: anything accepted gives every
// contest exactly one of choices or a status, choices among the
// candidates, IRV rankings without repeats.
func FuzzReadingsOf(f *testing.F) {
	for _, s := range []string{"c0=Alice&c1-rank-0=1&c1-rank-2=2", "c0-status=blank&c1-status=not-found&c1-comment=x", "c0=Alice&c0-status=blank",
		"c0=Nobody&c1-rank-0=1", "c1-rank-0=1&c1-rank-1=1&c0=Bob", "c1-rank-0=99", "", "c0=Alice&c0=Bob&c1-rank-1=3&c1-rank-0=2"} {
		f.Add(s)
	}
	sheet := &office.BoardSheet{Contests: []office.BoardContest{
		{Name: "Governor", Kind: audit.Plurality, Candidates: []string{"Alice", "Bob"}, VotesAllowed: 1},
		{Name: "Mayor", Kind: audit.IRV, Candidates: []string{"Xavier", "Yolanda", "Zed"}, VotesAllowed: 1}}}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		d := &boardData{S: sheet}
		for ci, c := range sheet.Contests {
			cf := contestField{Index: ci, Name: c.Name, IRV: c.Kind == audit.IRV}
			for k, n := range c.Candidates {
				cf.Candidates = append(cf.Candidates, candidateField{Index: k, Name: n})
			}
			d.Contests = append(d.Contests, cf)
		}
		rd, err := readingsOf(form, d)
		if err != nil {
			return
		}
		for _, c := range sheet.Contests {
			r, ok := rd[c.Name]
			if !ok || (r.Status == "") == (len(r.Choices) == 0) {
				t.Fatalf("%q: contest %s reading %+v", s, c.Name, r)
			}
			for i, ch := range r.Choices {
				if !slices.Contains(c.Candidates, ch) || slices.Index(r.Choices, ch) != i {
					t.Fatalf("%q: contest %s choices %v", s, c.Name, r.Choices)
				}
			}
		}
	})
}

// FuzzSetupOf feeds the setup form: anything accepted names at least one
// contest and a risk limit that parsed.
func FuzzSetupOf(f *testing.F) {
	for _, s := range []string{"name=x&risk_limit=0.1&contest-0-name=Governor&contest-0-jurisdictions=a,b&contest-0-targeted=1",
		"risk_limit=5%25&contest-0-name=G", "risk_limit=0.05&contest-0-name=&contest-1-name=M", "risk_limit=0.1&contest-0-name=G&contest-0-winners=x",
		"risk_limit=0.1&contest-0-name=G&contest-0-reported=Alice%3A+3%0ABob%3A+2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		setup, err := setupOf(form, &auditsData{})
		if err != nil {
			return
		}
		if len(setup.Contests) == 0 {
			t.Fatalf("%q accepted without a contest", s)
		}
		for _, c := range setup.Contests {
			if c.Name == "" {
				t.Fatalf("%q: a contest without a name", s)
			}
		}
	})
}
