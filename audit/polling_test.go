package audit

import (
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/rla"
)

// pollingTruth is what the paper ballot at a position says in Senate: 60%
// Ann, 36% Ben, 4% blank, matching the reported tally exactly.
func pollingTruth(k BallotKey) string {
	b, _ := strconv.Atoi(k.Batch[1:])
	i := (b-1)*100 + k.Position - 1
	switch m := i % 25; {
	case m < 15:
		return "Ann"
	case m < 24:
		return "Ben"
	}
	return ""
}

func pollingAudit(t *testing.T, math string, reported rla.Counts) (*Definition, *Inputs) {
	def := &Definition{Name: "Primary polling", Type: BallotPolling, Math: math, RiskLimit: 0.1, Sampler: SamplerArlo,
		Contests: []ContestDefinition{
			{Name: "Senate", Targeted: true, Jurisdictions: []string{"North", "South"}, Kind: Plurality, Reported: reported},
			{Name: "Levy", Jurisdictions: []string{"North"}, Kind: Plurality, Reported: rla.Counts{{Name: "Yes", Votes: 600}, {Name: "No", Votes: 400}}},
		},
		Jurisdictions: []JurisdictionConfig{{Name: "North"}, {Name: "South"}},
	}
	in := &Inputs{Jurisdictions: []JurisdictionInput{
		{Name: "North", Manifest: arloManifest(t, "north", repeat(10, 100), false)},
		{Name: "South", Manifest: arloManifest(t, "south", repeat(15, 100), false)},
	}}
	return def, in
}

func readPolling(r *Round, read map[BallotKey]bool, out *Readings, notFound map[BallotKey]bool) {
	for _, sb := range r.Ballots {
		k := sb.Key()
		if read[k] {
			continue
		}
		read[k] = true
		br := BallotReading{BallotKey: k, Contests: map[string]Reading{}}
		sen := Reading{Status: StatusBlank}
		if v := pollingTruth(k); v != "" {
			sen = Reading{Choices: []string{v}}
		}
		if len(notFound) == 0 && r.Number == 1 {
			notFound[k] = true
		}
		if notFound[k] {
			sen = Reading{Status: StatusNotFound, Comment: "not in the box"}
		}
		br.Contests["Senate"] = sen
		if k.Jurisdiction == "North" {
			levy := "No"
			if k.Position%5 < 3 {
				levy = "Yes"
			}
			if notFound[k] {
				br.Contests["Levy"] = Reading{Status: StatusNotFound}
			} else {
				br.Contests["Levy"] = Reading{Choices: []string{levy}}
			}
		}
		out.Ballots = append(out.Ballots, br)
	}
}

func TestBallotPolling(t *testing.T) {
	for _, math := range []string{"bravo", "alpha"} {
		t.Run(math, func(t *testing.T) { testBallotPolling(t, math) })
	}
}

func testBallotPolling(t *testing.T, math string) {
	def, in := pollingAudit(t, math, rla.Counts{{Name: "Ann", Votes: 1500}, {Name: "Ben", Votes: 900}})
	a := mustPrepare(t, def, in)
	opts, err := a.FirstRoundSizes()
	if err != nil {
		t.Fatal(err)
	}
	size := opts[len(opts)-1].Draws
	if math == "bravo" {
		// Arlo's options, the same as rla.BRAVOSampleSizes (the Senate
		// spans every ballot, so no scaling).
		want, err := rla.BRAVOSampleSizes(0.1, &a.contests[0].rc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(opts) != 4 || opts[0].Draws != want.ASN || opts[1].Draws != want.P70 || opts[2].Draws != want.P80 || opts[3].Draws != want.P90 {
			t.Fatalf("options %+v, rla %+v", opts, want)
		}
	}
	var rounds []*Round
	var results []*RoundResult
	read := map[BallotKey]bool{}
	notFound := map[BallotKey]bool{}
	var readings Readings
	for len(rounds) < 6 {
		r, err := a.Draw("12345678901234567890", rounds, size)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, r)
		readPolling(r, read, &readings, notFound)
		res, err := a.Close(rounds, &readings)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)

		// The risk is rla's for the same sample, the not-found ballot a
		// vote for every loser.
		votes := []int{0, 0}
		var order []int
		nf, n := 0, 0
		for _, r := range rounds {
			for _, sb := range r.Ballots {
				n++
				switch v := pollingTruth(sb.Key()); {
				case notFound[sb.Key()]:
					nf++
					order = append(order, rla.NotFound)
				case v == "Ann":
					votes[0]++
					order = append(order, 0)
				case v == "Ben":
					votes[1]++
					order = append(order, 1)
				default:
					order = append(order, rla.NoVote)
				}
			}
		}
		sen := res.Contests[0]
		if sen.SampleSize != n || sen.Discrepancies.NotFound != nf || nf != 1 {
			t.Fatalf("round %d: %+v; want %d draws, %d not found", res.Round, sen, n, nf)
		}
		c := &a.contests[0].rc
		var want, ifFound float64
		if math == "bravo" {
			r, err := rla.BRAVORisk(0.1, c, &rla.PollingSample{Votes: votes, NotFound: nf, Size: n})
			if err != nil {
				t.Fatal(err)
			}
			f, _ := rla.BRAVORisk(0.1, c, &rla.PollingSample{Votes: []int{votes[0] + 1, votes[1]}, Size: n})
			want, ifFound = r.Risk, f.Risk
		} else {
			r, err := rla.ALPHAPollingRisk(0.1, c, order, &rla.ALPHAOptions{WithReplacement: true})
			if err != nil {
				t.Fatal(err)
			}
			want = r.Risk
			ifFound = -1
		}
		if sen.Risk != want {
			t.Fatalf("round %d: risk %v, rla %v", res.Round, sen.Risk, want)
		}
		if ifFound >= 0 && !(sen.Risk > ifFound) {
			t.Fatalf("round %d: the not-found ballot did not count the worst way: risk %v, %v had it been Ann's", res.Round, sen.Risk, ifFound)
		}
		if res.Done {
			break
		}
		size = res.NextSize
	}
	last := results[len(results)-1]
	if !last.Done || last.Contests[0].Decision != Confirmed || last.Contests[1].Decision != Opportunistic {
		t.Fatalf("final round: %+v", last)
	}
	rep, err := a.Report(rounds, results)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range rep.Ballots {
		for _, c := range b.Contests {
			if c.Contest == "Senate" && c.Kind == "not-found" && c.BoardReading == StatusNotFound && c.Comment == "not in the box" {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("the report does not show the not-found ballot")
	}
}

func TestPollingFullHandCount(t *testing.T) {
	// A margin of 2 votes in 2,500 ballots cannot be confirmed by sampling.
	def, in := pollingAudit(t, "bravo", rla.Counts{{Name: "Ann", Votes: 1201}, {Name: "Ben", Votes: 1199}})
	a := mustPrepare(t, def, in)
	opts, err := a.FirstRoundSizes()
	if err != nil {
		t.Fatal(err)
	}
	if !opts[3].FullHandCount {
		t.Fatalf("options %+v: no full hand count", opts)
	}
	r, err := a.Draw("12345678901234567890", nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	var readings Readings
	readPolling(r, map[BallotKey]bool{}, &readings, map[BallotKey]bool{})
	res, err := a.Close([]*Round{r}, &readings)
	if err != nil {
		t.Fatal(err)
	}
	if sen := res.Contests[0]; sen.Decision != FullHandCount || sen.DecidedIn != 1 || !res.Done || res.NextSize != 0 {
		t.Fatalf("result %+v", res)
	}
}

func TestComparisonFullHandCount(t *testing.T) {
	// Ten two-vote overstatements in round 1: Arlo's size formula says
	// no sample can confirm Governor.
	_, _, _, results, _ := runStatewide(t, "supersimple", 10)
	if len(results) != 1 {
		t.Fatalf("%d rounds", len(results))
	}
	gov := results[0].Contests[governor]
	if gov.Decision != FullHandCount || gov.Discrepancies.O2 < 10 || !results[0].Done {
		t.Fatalf("Governor %+v", gov)
	}
	if results[0].Contests[mayor].Decision != Confirmed {
		t.Fatalf("Mayor %+v", results[0].Contests[mayor])
	}
}

func TestCloseRefusesIncompleteReadings(t *testing.T) {
	def, in := pollingAudit(t, "bravo", rla.Counts{{Name: "Ann", Votes: 1500}, {Name: "Ben", Votes: 900}})
	a := mustPrepare(t, def, in)
	r, err := a.Draw("12345678901234567890", nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	var readings Readings
	readPolling(r, map[BallotKey]bool{}, &readings, map[BallotKey]bool{})
	full := readings
	readings.Ballots = readings.Ballots[1:]
	if _, err := a.Close([]*Round{r}, &readings); err == nil {
		t.Fatal("closed a round with a ballot unread")
	}
	bad := Readings{Ballots: append([]BallotReading{}, full.Ballots...)}
	bad.Ballots[0].Contests = map[string]Reading{"Senate": {Choices: []string{"Zoe"}}, "Levy": {Status: StatusBlank}}
	if bad.Ballots[0].Jurisdiction == "South" {
		delete(bad.Ballots[0].Contests, "Levy")
	}
	if _, err := a.Close([]*Round{r}, &bad); err == nil {
		t.Fatal("accepted a choice that is not a candidate")
	}
	extra := Readings{Ballots: append(append([]BallotReading{}, full.Ballots...), BallotReading{BallotKey: BallotKey{"North", "T1", "B01", 999}})}
	if _, err := a.Close([]*Round{r}, &extra); err == nil {
		t.Fatal("accepted a reading of a ballot not in the sample")
	}
	other := Readings{Ballots: append([]BallotReading{}, full.Ballots...)}
	for i, b := range other.Ballots {
		if b.Jurisdiction == "South" {
			other.Ballots[i].Contests = map[string]Reading{"Senate": {Status: StatusBlank}, "Levy": {Status: StatusBlank}}
			break
		}
	}
	if _, err := a.Close([]*Round{r}, &other); err == nil || !strings.Contains(err.Error(), `contest "Levy" is not audited in "South"`) {
		t.Fatalf("a reading of a contest not on the jurisdiction's ballots: %v", err)
	}
	// A vocabulary without no-consensus refuses it.
	def.Statuses = []string{StatusBlank, StatusNotFound}
	a2 := mustPrepare(t, def, in)
	nc := Readings{Ballots: append([]BallotReading{}, full.Ballots...)}
	nc.Ballots[0].Contests = map[string]Reading{"Senate": {Status: StatusNoConsensus, Comment: "disagree"}}
	if nc.Ballots[0].Jurisdiction == "North" {
		nc.Ballots[0].Contests["Levy"] = Reading{Status: StatusBlank}
	}
	if _, err := a2.Close([]*Round{r}, &nc); err == nil {
		t.Fatal("accepted no-consensus outside the vocabulary")
	} else {
		t.Log(err)
	}
}
