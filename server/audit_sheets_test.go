package server_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/rla/draw"
)

// seededAudit sets up the statewide comparison audit of audit_test.go
// with every upload and an executed seed, and returns its id.
func seededAudit(e *env, p *auditPeople) string {
	e.t.Helper()
	a := setUpAudit(e, p)
	for _, c := range counties {
		if code := e.auditUpload(p.aa1.client, a, c, "manifest", "arlo", "manifest.csv", countyManifest(c), nil); code != 200 {
			e.t.Fatalf("manifest %s: %d", c, code)
		}
		if code := e.auditUpload(p.official.client, a, c, "cvrs", "dominion-csv", "cvr.csv", countyDominionCSV(c), nil); code != 200 {
			e.t.Fatalf("CVRs %s: %d", c, code)
		}
	}
	var q requestView
	e.must(p.aa1.client, 202, "POST", "/api/v1/audits/"+a+"/seed", map[string]any{"seed": testSeed, "rolled_by": []string{"Ann Roller"}}, &q)
	if c, _ := e.approve(p.aa1, q.ID, q.SignText); c != 200 {
		e.t.Fatal("first seed signature")
	}
	if c, v := e.approve(p.aa2, q.ID, q.SignText); c != 200 || v.Status != "done" {
		e.t.Fatal("second seed signature")
	}
	return a
}

func parseCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, data)
	}
	return rows
}

// checkPDF checks a PDF's structure the way a reader starts: startxref
// points at the xref table, each in-use entry at "n 0 obj", and returns
// the strings its pages show.
func checkPDF(t *testing.T, data []byte) string {
	t.Helper()
	m := regexp.MustCompile(`trailer\n<< /Size (\d+) /Root 1 0 R /Info 5 0 R >>\nstartxref\n(\d+)\n%%EOF\n$`).FindSubmatch(data)
	if !bytes.HasPrefix(data, []byte("%PDF-1.4\n")) || m == nil {
		t.Fatalf("not a PDF: %.100q ... %q", data, data[max(0, len(data)-100):])
	}
	size, _ := strconv.Atoi(string(m[1]))
	xref, _ := strconv.Atoi(string(m[2]))
	head := fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", size)
	if !bytes.HasPrefix(data[xref:], []byte(head)) {
		t.Fatalf("startxref %d: %q", xref, data[xref:min(xref+40, len(data))])
	}
	for n := 1; n < size; n++ {
		e := data[xref+len(head)+20*(n-1):][:20]
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || string(e[10:]) != " 00000 n \n" || !bytes.HasPrefix(data[off:], []byte(fmt.Sprintf("%d 0 obj\n", n))) {
			t.Fatalf("xref entry %d %q", n, e)
		}
	}
	var text strings.Builder
	for _, s := range regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\) Tj`).FindAllSubmatch(data, -1) {
		text.Write(s[1])
		text.WriteByte('\n')
	}
	return text.String()
}

// TestRetrievalLists draws two rounds of the statewide comparison audit
// and checks each county's retrieval list (CSV and PDF) against
// rla/draw.RetrievalLists of the same draw, who may read them, and the
// observer excerpt against the CVRs the public report shows once the
// round closes.
func TestRetrievalLists(t *testing.T) {
	e := newEnv(t)
	p := newAuditPeople(e)
	a := seededAudit(e, p)
	base := "/api/v1/audits/" + a
	county := e.newUser(p.ada, p.bob, "hennepin-obs", []string{"observer"}, "state/county-a")
	countyAA := e.newUser(p.ada, p.bob, "county-a-aa", []string{"audit-admin"}, "state/county-a")

	// Nothing before the round is drawn.
	if c := e.do(p.observer.client, "GET", base+"/rounds/1/jurisdictions/county-a/retrieval.csv", nil, nil); c != 404 {
		t.Errorf("a list before the draw: %d, want 404", c)
	}
	if c := e.do(p.observer.client, "GET", base+"/rounds/1/observer-excerpt.csv", nil, nil); c != 404 {
		t.Errorf("an excerpt before the draw: %d, want 404", c)
	}

	x := newExpected(t)
	cvrs := map[string]map[string]ballotVotes{}
	for _, c := range counties {
		cvrs[c] = countyCVRs(c)
	}
	contestsOf := map[string][]string{"county-a": {"Governor", "Measure"}, "county-b": {"Governor", "Measure"}, "county-c": {"Governor", "Mayor"}}
	earlier := map[audit.BallotKey]bool{}
	planted := 0
	for round := 1; round <= 2; round++ {
		cpPath := filepath.Join(e.o.LogDir(), "checkpoint")
		before, err := os.ReadFile(cpPath)
		if err != nil {
			t.Fatal(err)
		}
		var rv office.RoundView
		e.must(p.aa1.client, 201, "POST", base+"/rounds", map[string]any{"sample_size": map[string]any{}}, &rv)
		if round == 1 {
			// While the published checkpoint does not cover the draw (as
			// when the witnesses have not cosigned yet), no excerpt.
			after, err := os.ReadFile(cpPath)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(cpPath, before, 0o644)
			if c := e.do(p.observer.client, "GET", base+"/rounds/1/observer-excerpt.csv", nil, nil); c != 409 {
				t.Errorf("an excerpt before the checkpoint covers the draw: %d, want 409", c)
			}
			os.WriteFile(cpPath, after, 0o644)
		}
		xr, err := x.a.Draw(testSeed, x.rounds, rv.Count)
		if err != nil {
			t.Fatal(err)
		}
		x.rounds = append(x.rounds, xr)
		var boards []*board
		for _, c := range counties {
			boards = append(boards, e.newBoard(p.aa1, a, c, "Dee Democrat "+c, "Rex Republican "+c))
		}
		rb := boards[0] // county-a's

		// The expected lists: rla/draw's of the same rows.
		want := map[string]draw.Retrieval{}
		for _, l := range draw.RetrievalLists(xr.Sample().Collect()) {
			want[l.Jurisdiction] = l
		}
		audited := 0
		for _, c := range counties {
			path := fmt.Sprintf("%s/rounds/%d/jurisdictions/%s/retrieval.csv", base, round, c)
			code, h, body := e.get(p.observer.client, path)
			if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("%s: %d %s", path, code, body)
			}
			rows := parseCSV(t, body)
			if !slices.Equal(rows[0], office.RetrievalColumns) {
				t.Fatalf("columns %v", rows[0])
			}
			wl := want[c]
			if len(rows)-1 != len(wl.Ballots) || len(wl.Ballots) == 0 {
				t.Fatalf("%s round %d: %d rows, rla/draw lists %d ballots", c, round, len(rows)-1, len(wl.Ballots))
			}
			for i, wb := range wl.Ballots {
				r := rows[i+1]
				key := audit.BallotKey{Jurisdiction: c, Tabulator: wb.Tabulator, Batch: wb.Batch, Position: wb.Position}
				times := 0
				for _, rd := range x.rounds {
					for _, sb := range rd.Ballots {
						if sb.Key() == key {
							times++
						}
					}
				}
				exp := []string{c, wb.Container, wb.Tabulator, wb.Batch, strconv.Itoa(wb.Position), strings.Join(wb.Tickets, " "), strconv.Itoa(times),
					strconv.FormatBool(earlier[key]), r[8]}
				if !slices.Equal(r, exp) {
					t.Errorf("%s round %d row %d: %q, want %q", c, round, i+1, r, exp)
				}
				if earlier[key] != (r[8] == "") || (r[8] != "" && r[8] != boards[slices.Index(counties, c)].id) {
					t.Errorf("%s row %d: board %q (already audited %v)", c, i+1, r[8], earlier[key])
				}
				if earlier[key] {
					audited++
				}
			}
			// The pull sheet lists the same ballots with their tickets.
			code, h, pdf := e.get(p.aa1.client, strings.TrimSuffix(path, ".csv")+".pdf")
			if code != 200 || h.Get("Content-Type") != "application/pdf" {
				t.Fatalf("pull sheet %s: %d", c, code)
			}
			text := checkPDF(t, pdf)
			for _, wb := range wl.Ballots {
				if tk := strings.Fields(text); !containsAll(tk, wb.Tickets) {
					t.Errorf("%s pull sheet lacks tickets %v", c, wb.Tickets)
				}
			}
			for _, s := range []string{"Ballot pull sheet: " + c, fmt.Sprintf("round %d", round), "Dee Democrat " + c, "Audit board sign-off", "Page 1 of "} {
				if !strings.Contains(text, s) {
					t.Errorf("%s pull sheet lacks %q", c, s)
				}
			}
			if round == 1 && c == "county-a" {
				pdftotextHas(t, pdf, "Ballot pull sheet: county-a", wl.Ballots[0].Tickets[0], "Rex Republican county-a")
			}
		}
		t.Logf("round %d: %d ballots already audited", round, audited)

		// Who may read them.
		r1 := fmt.Sprintf("%s/rounds/%d/jurisdictions/", base, round)
		for _, tc := range []struct {
			who  *person
			path string
			want int
		}{
			{rb.members[0], r1 + "county-a/retrieval.csv", 200},
			{rb.members[1], r1 + "county-a/retrieval.pdf", 200},
			{rb.members[0], r1 + "county-b/retrieval.csv", 403},
			{boards[1].members[0], r1 + "county-a/retrieval.pdf", 403},
			{county, r1 + "county-a/retrieval.csv", 200},
			{county, r1 + "county-b/retrieval.csv", 403},
			{countyAA, r1 + "county-a/retrieval.pdf", 200},
			{countyAA, r1 + "county-c/retrieval.pdf", 403},
			{p.official, r1 + "county-a/retrieval.csv", 403},
			{p.ada, r1 + "county-a/retrieval.csv", 403},
			{p.observer, r1 + "county-z/retrieval.csv", 404},
			{p.observer, fmt.Sprintf("%s/rounds/%d/jurisdictions/county-a/retrieval.csv", base, round+1), 404},
		} {
			if c := e.do(tc.who.client, "GET", tc.path, nil, nil); c != tc.want {
				t.Errorf("%s GET %s: %d, want %d", tc.who.name, tc.path, c, tc.want)
			}
		}
		if round == 2 {
			// A board of round 2 does not read round 1's lists.
			if c := e.do(rb.members[0].client, "GET", base+"/rounds/1/jurisdictions/county-a/retrieval.csv", nil, nil); c != 403 {
				t.Errorf("a round-2 board reading round 1's list: %d, want 403", c)
			}
		}

		// The observer excerpt: the sample joined with the CVRs, one row
		// per draw and contest; refused to every board member.
		exPath := fmt.Sprintf("%s/rounds/%d/observer-excerpt.csv", base, round)
		e.unchanged("a board asking for the excerpt", func() {
			for _, b := range boards {
				for _, m := range b.members {
					if c := e.do(m.client, "GET", exPath, nil, nil); c != 403 {
						t.Errorf("board member %s reading the excerpt: %d, want 403", m.name, c)
					}
				}
			}
		})
		for _, who := range []*person{p.official, p.ada, county, countyAA} {
			if c := e.do(who.client, "GET", exPath, nil, nil); c != 403 {
				t.Errorf("%s reading the excerpt: %d, want 403", who.name, c)
			}
		}
		code, _, body := e.get(p.aa1.client, exPath)
		if code != 200 {
			t.Fatalf("excerpt for an audit-admin: %d %s", code, body)
		}
		code, _, body = e.get(p.observer.client, exPath)
		if code != 200 {
			t.Fatalf("excerpt: %d %s", code, body)
		}
		excerpt := parseCSV(t, body)
		if !slices.Equal(excerpt[0], office.ExcerptColumns) {
			t.Fatalf("excerpt columns %v", excerpt[0])
		}
		var rowsWant [][]string
		for _, sb := range xr.Ballots {
			v, ok := cvrs[sb.Jurisdiction][fmt.Sprintf("%s/%s/%d", sb.Tabulator, sb.Batch, sb.Position)]
			cvr := sb.CVR
			if !ok {
				cvr = "phantom"
			}
			for _, c := range contestsOf[sb.Jurisdiction] {
				reading := strings.Join(v[c], ", ")
				switch {
				case !ok:
					reading = "phantom (no CVR)"
				case c == "Mayor":
					reading = strings.Join(v[c], " > ")
				case len(v[c]) == 0:
					reading = "blank"
				}
				rowsWant = append(rowsWant, []string{sb.Ticket, sb.Jurisdiction, sb.Tabulator, sb.Batch, strconv.Itoa(sb.Position),
					strconv.Itoa(sb.TimesSampled), sb.Container, cvr, c, reading})
			}
		}
		if !slices.EqualFunc(excerpt[1:], rowsWant, slices.Equal) {
			t.Errorf("round %d excerpt:\n%q\nwant (from the CVR files):\n%q", round, excerpt[1:min(5, len(excerpt))], rowsWant[:min(4, len(rowsWant))])
		}

		// The boards read (two planted overstatements in county-b force
		// a second round) and sign off; the round closes.
		for _, b := range boards {
			var list []office.BoardBallot
			e.must(b.members[0].client, 200, "GET", fmt.Sprintf("%s/rounds/%d/boards/%s/ballots", base, round, b.id), nil, &list)
			for _, bb := range list {
				v := cvrs[b.county][fmt.Sprintf("%s/%s/%d", bb.Tabulator, bb.Batch, bb.Position)]
				rd := readingsOf(v, contestsOf[b.county])
				if b.county == "county-b" && planted < 2 && slices.Equal(v["Governor"], []string{"Alice"}) {
					rd["Governor"] = audit.Reading{Choices: []string{"Bob"}}
					planted++
				}
				e.must(b.members[1].client, 204, "PUT", fmt.Sprintf("%s/rounds/%d/ballots/%s", base, round, bb.Ballot), map[string]any{"readings": rd}, nil)
			}
			for _, m := range b.members {
				e.must(m.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/boards/%s/sign-off", base, round, b.id), nil, nil)
			}
		}
		var cv office.CloseView
		e.must(p.aa1.client, 200, "POST", fmt.Sprintf("%s/rounds/%d/close", base, round), nil, &cv)
		// The excerpt's CVR readings are the report's.
		_, _, rep := e.get(p.observer.client, "/public/audits/"+a+"/sampled-ballots.csv")
		report := map[string]string{}
		for _, r := range parseCSV(t, rep)[1:] {
			// jurisdiction, container, tabulator, batch, position, tickets, round, cvr, contest, cvr_reading
			report[strings.Join([]string{r[0], r[2], r[3], r[4], r[8]}, "/")] = r[9]
		}
		for _, r := range excerpt[1:] {
			k := strings.Join([]string{r[1], r[2], r[3], r[4], r[8]}, "/")
			if got, ok := report[k]; !ok || got != r[9] {
				t.Errorf("excerpt %s: cvr_reading %q, report %q", k, r[9], got)
			}
		}
		for _, sb := range xr.Ballots {
			earlier[sb.Key()] = true
		}
		if round == 1 && cv.Done {
			t.Fatal("the planted overstatements did not force a second round")
		}
	}
}

// pdftotextHas checks, when poppler's pdftotext is installed, that a real
// PDF reader finds the strings (CI does not install it: the structural
// checks are what CI relies on).
func pdftotextHas(t *testing.T, pdf []byte, want ...string) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not installed: the pull sheet's text is not checked by a PDF reader")
		return
	}
	path := filepath.Join(t.TempDir(), "sheet.pdf")
	os.WriteFile(path, pdf, 0o644)
	out, err := exec.Command(bin, path, "-").CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("Syntax Error")) {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	for _, w := range want {
		if !bytes.Contains(out, []byte(w)) {
			t.Errorf("pdftotext does not find %q", w)
		}
	}
}

func containsAll(list, want []string) bool {
	for _, w := range want {
		if !slices.Contains(list, w) {
			return false
		}
	}
	return true
}
