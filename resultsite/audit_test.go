package resultsite

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/rla"
)

// auditFixture is a two-round audit: round 1 closed with a not-found
// ballot, round 2 drawn and open.
func auditFixture() AuditSnapshot {
	k1 := audit.BallotKey{Jurisdiction: "county-a", Tabulator: "T1", Batch: "B1", Position: 3}
	k2 := audit.BallotKey{Jurisdiction: "county-b", Batch: "B9", Position: 1}
	res := &audit.RoundResult{Round: 1, Draws: 2, NextSize: 7, Contests: []audit.ContestRound{{
		Contest: "Governor", Targeted: true, Math: "bravo", Ballots: 600, SampleSize: 2, BallotsAudited: 2,
		Discrepancies: audit.Discrepancies{NotFound: 1}, Risk: 0.73, Decision: audit.AnotherRound, NextSize: 7}}}
	rep := &audit.Report{
		Settings: audit.Settings{Name: "Public <RLA>", Type: "ballot-polling", Math: "bravo", RiskLimit: 0.1, Sampler: "arlo",
			Seed: "12345678901234567890", Statuses: audit.AllStatuses, Ballots: 600,
			Jurisdictions: []audit.JurisdictionSummary{{Name: "county-a", Batches: 3, Ballots: 300}, {Name: "county-b", Batches: 3, Ballots: 300}}},
		Contests: []audit.ContestReport{{Name: "Governor", Kind: "plurality", Targeted: true, Jurisdictions: []string{"county-a", "county-b"},
			Ballots: 600, Tally: rla.Counts{{Name: "Alice", Votes: 350}, {Name: "Bob", Votes: 250}}, Winners: []string{"Alice"}, MinMargin: 100, DilutedMargin: 1.0 / 6},
			{Name: "Measure", Kind: "plurality", Jurisdictions: []string{"county-a"}, Ballots: 300}},
		Rounds: []audit.RoundReport{{Round: 1, Count: 2, Result: res}, {Round: 2, Skip: 2, Count: 7}},
		Ballots: []audit.AuditedBallot{
			{BallotKey: k1, Tickets: []string{"0.1"}, Round: 1, Contests: []audit.AuditedContest{{Contest: "Governor", BoardReading: "not-found", Comment: "not in the box", Kind: "not-found"}}},
			{BallotKey: k2, Tickets: []string{"0.2"}, Round: 1, Contests: []audit.AuditedContest{{Contest: "Governor", BoardReading: "Alice"}}},
		},
	}
	return AuditSnapshot{AuditID: "a-1", Election: "e-1", Jurisdiction: "state", Version: 3,
		PublishedAt: time.Date(2026, 11, 10, 17, 4, 0, 0, time.UTC), Trigger: "round-drawn", TriggerRound: 2, Report: rep,
		Seed: AuditSeed{Seed: "12345678901234567890", RolledBy: []string{"Ann"}, Witnesses: []string{"Wes"}, Request: "rq-1", Signers: []string{"aa1", "aa2"}},
		Rounds: []AuditRound{{Round: 1, Ballots: 2, Read: 2, Boards: 2, SignedOff: 2, SampleCSV: []byte("ticket_number\n0.1\n0.2\n")},
			{Round: 2, Ballots: 7, Boards: 1, SampleCSV: []byte("ticket_number\n0.3\n")}},
		Boards: map[audit.BallotKey]string{k1: "bd-first", k2: "bd-second"}, SoftwareVersion: "v0.0.0-test"}
}

func TestRenderAudit(t *testing.T) {
	s := auditFixture()
	out, err := RenderAudit(s)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range out {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"assertions.csv", "contests.csv", "decisions.csv", "discrepancies.csv", "index.html", "jurisdictions.csv", "report.csv", "report.json",
		"round-1-sample.csv", "round-2-sample.csv", "rounds.csv", "sampled-ballots.csv", "sampled-batches.csv", "settings.csv", "style.css"}
	for i, js := range s.Report.Settings.Jurisdictions {
		p := AuditJurisdictionPrefix(i, js.Name)
		want = append(want, p+"report.json", p+"sampled-ballots.csv", p+"discrepancies.csv")
		var b bytes.Buffer
		s.Report.ForJurisdiction(js.Name).WriteJSON(&b)
		if !bytes.Equal(out[p+"report.json"], b.Bytes()) {
			t.Errorf("%sreport.json differs from Report.ForJurisdiction", p)
		}
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	for _, table := range audit.CSVTables {
		var b bytes.Buffer
		if err := s.Report.WriteCSV(table, &b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out[table+".csv"], b.Bytes()) {
			t.Errorf("%s.csv differs from Report.WriteCSV", table)
		}
	}
	if !bytes.Equal(out["report.csv"], out["rounds.csv"]) {
		t.Error("report.csv is not the rounds table")
	}
	var js bytes.Buffer
	s.Report.WriteJSON(&js)
	if !bytes.Equal(out["report.json"], js.Bytes()) {
		t.Error("report.json differs from Report.WriteJSON")
	}
	if !bytes.Equal(out["round-2-sample.csv"], s.Rounds[1].SampleCSV) {
		t.Error("round-2-sample.csv is not the round's sample")
	}
	pg := out["index.html"]
	checkWellFormed(t, pg)
	page := string(pg)
	for _, w := range []string{"Public &lt;RLA&gt;", "12345678901234567890", "Ann", "Wes", "rq-1", "aa1, aa2", "Targeted", "Opportunistic",
		"round 2 drawn", `href="round-1-sample.csv"`, `href="round-2-sample.csv"`, "0.73", "another-round (7 more)", "not in the box",
		"bd-first", "bd-second", "tabulator T1, batch B1, position 3", "<strong>2</strong> of 2 ballots read", "<strong>0</strong> of 7 ballots read",
		"0 of 1 audit boards signed off", "Round 2 (open)", "published when it closes", "AUDIT IN PROGRESS", "10%"} {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	// The readings sit under round 1, none under the open round 2.
	r2 := page[strings.Index(page, `id="round-2"`):]
	if strings.Contains(r2, "bd-first") || strings.Contains(r2, "Every board reading") {
		t.Error("round 2 shows readings")
	}
	again, _ := RenderAudit(auditFixture())
	for n := range out {
		if !bytes.Equal(out[n], again[n]) {
			t.Errorf("%s differs between two renders", n)
		}
	}
	// Done and batch audits.
	s.Report.Rounds = s.Report.Rounds[:1]
	s.Rounds = s.Rounds[:1]
	res := *s.Report.Rounds[0].Result
	res.Done, res.NextSize = true, 0
	s.Report.Rounds[0].Result = &res
	s.Rounds[0].SampleCSV = nil
	s.Report.Batches = []audit.AuditedBatch{{Jurisdiction: "county-a", Batch: "B7", Ballots: 40, Tickets: []string{"0.5"}, Round: 1,
		Contests: []audit.BatchContest{{Contest: "Governor", Reported: rla.Counts{{Name: "Alice", Votes: 30}}, Audited: rla.Counts{{Name: "Alice", Votes: 29}}}}}}
	out, err = RenderAudit(s)
	if err != nil {
		t.Fatal(err)
	}
	page = string(out["index.html"])
	if _, ok := out["round-1-sample.csv"]; ok || strings.Contains(page, "sample.csv") {
		t.Error("a round without a sample has a sample file")
	}
	for _, w := range []string{"AUDIT COMPLETE", "Every targeted contest is decided", "B7 (40 ballots)", "Alice: 30", "Alice: 29"} {
		if !strings.Contains(page, w) {
			t.Errorf("the finished page lacks %q", w)
		}
	}
}

func TestRenderAuditErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*AuditSnapshot)
		want string
	}{
		{"no id", func(s *AuditSnapshot) { s.AuditID = "" }, "AuditID"},
		{"version 0", func(s *AuditSnapshot) { s.Version = 0 }, "Version is 0"},
		{"no report", func(s *AuditSnapshot) { s.Report = nil }, "Report is nil"},
		{"a round missing", func(s *AuditSnapshot) { s.Rounds = s.Rounds[:1] }, "Rounds has 1 rounds, Report.Rounds 2"},
		{"rounds out of order", func(s *AuditSnapshot) { s.Rounds[0].Round = 2 }, "Rounds[0] is round 2"},
		{"more read than drawn", func(s *AuditSnapshot) { s.Rounds[1].Read = 8 }, "8 of 7 read"},
		{"more signed than boards", func(s *AuditSnapshot) { s.Rounds[1].SignedOff = 2 }, "2 of 1 boards"},
	} {
		s := auditFixture()
		c.edit(&s)
		_, err := RenderAudit(s)
		if !errors.Is(err, ErrInvalidSnapshot) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func BenchmarkRenderAudit(b *testing.B) {
	s := auditFixture()
	for b.Loop() {
		if _, err := RenderAudit(s); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzRenderAudit: whatever names, comments, readings and board ids an
// audit carries, the page is well-formed markup (html/template escapes
// them) and every CSV is the report's own.
func FuzzRenderAudit(f *testing.F) {
	f.Add("Public RLA", "not in the box", "Alice", "bd-1", "Ann")
	f.Add("<script>alert(1)</script>", "]]><!--", "&amp;", `"'><`, "\x00\xff")
	f.Fuzz(func(t *testing.T, name, comment, reading, board, person string) {
		// The office takes these strings from JSON and validates names as
		// UTF-8; C0 controls, which XML (the strict check here) refuses
		// and browsers show as nothing, are left out of the check.
		for _, x := range []string{name, comment, reading, board, person} {
			if !utf8.ValidString(x) || strings.ContainsFunc(x, func(r rune) bool {
				return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
			}) {
				t.Skip()
			}
		}
		s := auditFixture()
		s.Report.Settings.Name = name
		s.Report.Ballots[0].Contests[0].Comment = comment
		s.Report.Ballots[1].Contests[0].BoardReading = reading
		for k := range s.Boards {
			s.Boards[k] = board
		}
		s.Seed.RolledBy = []string{person}
		out, err := RenderAudit(s)
		if err != nil {
			t.Fatal(err)
		}
		checkWellFormed(t, out["index.html"])
		var b bytes.Buffer
		s.Report.WriteCSV("sampled-ballots", &b)
		if !bytes.Equal(out["sampled-ballots.csv"], b.Bytes()) {
			t.Fatal("sampled-ballots.csv differs from the report's")
		}
	})
}

// BenchmarkRenderAudit5000 renders the snapshot of a closed round of 5,000
// ballots with three contests each: the page and files a close publishes.
func BenchmarkRenderAudit5000(b *testing.B) {
	s := auditFixture()
	s.Report.Ballots = nil
	for i := range 5000 {
		k := audit.BallotKey{Jurisdiction: "county-a", Tabulator: "T1", Batch: "B" + itoa(i/100), Position: i % 100}
		ab := audit.AuditedBallot{BallotKey: k, Tickets: []string{"0." + itoa(1000000+i)}, Round: 1}
		for _, c := range []string{"Governor", "Measure", "Mayor"} {
			ab.Contests = append(ab.Contests, audit.AuditedContest{Contest: c, CVRReading: "Alice", BoardReading: "Alice"})
		}
		s.Report.Ballots = append(s.Report.Ballots, ab)
		s.Boards[k] = "bd-" + itoa(i%50)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := RenderAudit(s)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(out["index.html"])), "page-bytes")
	}
}

func TestAuditJurisdictionPrefix(t *testing.T) {
	for _, c := range []struct {
		i    int
		name string
		want string
	}{
		{0, "county-a", "jurisdiction-1-county-a-"},
		{9, "Saint Louis/Co. é", "jurisdiction-10-Saint_Louis_Co.__-"},
		{1, "../x", "jurisdiction-2-.._x-"},
	} {
		if got := AuditJurisdictionPrefix(c.i, c.name); got != c.want {
			t.Errorf("AuditJurisdictionPrefix(%d, %q) = %q, want %q", c.i, c.name, got, c.want)
		}
	}
}
