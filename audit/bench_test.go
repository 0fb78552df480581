package audit

import (
	"fmt"
	"testing"

	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/rla"
	"github.com/canvass/canvass/rla/manifest"
)

// bigManifests are 64 jurisdictions' Arlo manifests totalling 3,000,000
// ballots in batches of up to 250.
func bigManifests(total int) []*manifest.Arlo {
	per := total / 64
	var out []*manifest.Arlo
	for j := range 64 {
		m := &manifest.Arlo{Path: fmt.Sprintf("j%02d.csv", j), HasContainer: true, HasTabulator: true}
		for b, left := 0, per; left > 0; b++ {
			n := min(250, left)
			left -= n
			m.Batches = append(m.Batches, manifest.ArloBatch{Row: b + 2, Container: fmt.Sprintf("Box %d", b/10), Tabulator: fmt.Sprintf("T%d", b%4), Name: fmt.Sprintf("B%04d", b), Ballots: n})
		}
		out = append(out, m)
	}
	return out
}

func bigPolling(b *testing.B) *Audit {
	def := &Definition{Name: "Statewide", Type: BallotPolling, Math: "bravo", RiskLimit: 0.05, Sampler: SamplerArlo,
		Contests: []ContestDefinition{{Name: "President", Targeted: true, Kind: Plurality,
			Reported: rla.Counts{{Name: "A", Votes: 1_560_000}, {Name: "B", Votes: 1_380_000}}}}}
	in := &Inputs{}
	for j, m := range bigManifests(3_000_000) {
		name := fmt.Sprintf("County %02d", j+1)
		def.Jurisdictions = append(def.Jurisdictions, JurisdictionConfig{Name: name})
		def.Contests[0].Jurisdictions = append(def.Contests[0].Jurisdictions, name)
		in.Jurisdictions = append(in.Jurisdictions, JurisdictionInput{Name: name, Manifest: m})
	}
	a, err := Prepare(def, in)
	if err != nil {
		b.Fatal(err)
	}
	if a.Ballots() != 3_000_000 {
		b.Fatalf("%d ballots", a.Ballots())
	}
	return a
}

// BenchmarkDrawRound draws a round of 5,000 ballots from 64 manifests of
// 3,000,000 ballots and produces every jurisdiction's retrieval list.
func BenchmarkDrawRound(b *testing.B) {
	a := bigPolling(b)
	for b.Loop() {
		r, err := a.Draw(seed, nil, 5000)
		if err != nil {
			b.Fatal(err)
		}
		if ls := r.Retrieval(); len(ls) != 64 {
			b.Fatalf("%d retrieval lists", len(ls))
		}
	}
}

func pollingReadings(r *Round) *Readings {
	var out Readings
	seen := map[BallotKey]bool{}
	for i, sb := range r.Ballots {
		if seen[sb.Key()] {
			continue
		}
		seen[sb.Key()] = true
		rd := Reading{Choices: []string{"A"}}
		if i%2 == 1 {
			rd.Choices[0] = "B"
		}
		out.Ballots = append(out.Ballots, BallotReading{BallotKey: sb.Key(), Contests: map[string]Reading{"President": rd}})
	}
	return &out
}

// BenchmarkCloseRoundPolling closes a round of 5,000 BRAVO readings over
// the 3,000,000-ballot manifests.
func BenchmarkCloseRoundPolling(b *testing.B) {
	a := bigPolling(b)
	r, err := a.Draw(seed, nil, 5000)
	if err != nil {
		b.Fatal(err)
	}
	rd := pollingReadings(r)
	for b.Loop() {
		if _, err := a.Close([]*Round{r}, rd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCloseRoundComparison closes a round of 5,000 ballot-comparison
// readings (SuperSimple) over 3,000,000 ballots with CVRs: one statewide
// contest and one contest per jurisdiction.
func BenchmarkCloseRoundComparison(b *testing.B) {
	e := &election.Election{}
	def := &Definition{Name: "Statewide", Type: BallotComparison, Math: "supersimple", RiskLimit: 0.05, Sampler: SamplerArlo}
	state := &election.Contest{Name: "President", VoteFor: 1}
	state.AddCandidate(election.Candidate{Name: "A"})
	state.AddCandidate(election.Candidate{Name: "B"})
	e.Contests = append(e.Contests, state)
	def.Contests = append(def.Contests, ContestDefinition{Name: "President", Targeted: true, Kind: Plurality})
	in := &Inputs{Election: e}
	// Every CVR shares one of four mark sets: the readers' CVRs would
	// each have their own, which costs memory, not close time.
	for j, m := range bigManifests(3_000_000) {
		name := fmt.Sprintf("County %02d", j+1)
		local := &election.Contest{Name: name + " Sheriff", VoteFor: 1}
		local.AddCandidate(election.Candidate{Name: "X"})
		local.AddCandidate(election.Candidate{Name: "Y"})
		e.Contests = append(e.Contests, local)
		def.Jurisdictions = append(def.Jurisdictions, JurisdictionConfig{Name: name})
		def.Contests[0].Jurisdictions = append(def.Contests[0].Jurisdictions, name)
		def.Contests = append(def.Contests, ContestDefinition{Name: local.Name, Targeted: false, Kind: Plurality, Jurisdictions: []string{name}})
		var marks [4][]election.ContestMarks
		for k := range marks {
			marks[k] = []election.ContestMarks{{Contest: 0, Marks: []election.Mark{{Rank: 1, Choice: election.Choice(min(k, 1))}}},
				{Contest: int32(j + 1), Marks: []election.Mark{{Rank: 1, Choice: election.Choice(k % 2)}}}}
		}
		ji := JurisdictionInput{Name: name, Manifest: m}
		ji.CVRs = make([]election.CVR, 0, 3_000_000/64)
		for _, bt := range m.Batches {
			for p := range bt.Ballots {
				ji.CVRs = append(ji.CVRs, election.CVR{Tabulator: bt.Tabulator, Batch: bt.Name, Contests: marks[(p*7)%4]})
			}
		}
		in.Jurisdictions = append(in.Jurisdictions, ji)
	}
	a, err := Prepare(def, in)
	if err != nil {
		b.Fatal(err)
	}
	r, err := a.Draw(seed, nil, 5000)
	if err != nil {
		b.Fatal(err)
	}
	var rd Readings
	seen := map[BallotKey]bool{}
	for _, sb := range r.Ballots {
		if seen[sb.Key()] {
			continue
		}
		seen[sb.Key()] = true
		cvr := a.cvrAt(a.jurs[a.jurIndex[sb.Jurisdiction]], sb.Tabulator, sb.Batch, sb.Position)
		br := BallotReading{BallotKey: sb.Key(), Contests: map[string]Reading{}}
		br.Contests["President"] = readCVR(e, cvr, 0)
		_, ci, _ := e.Contest(sb.Jurisdiction + " Sheriff")
		br.Contests[sb.Jurisdiction+" Sheriff"] = readCVR(e, cvr, ci)
		rd.Ballots = append(rd.Ballots, br)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := a.Close([]*Round{r}, &rd)
		if err != nil {
			b.Fatal(err)
		}
		if res.Contests[0].SampleSize != 5000 {
			b.Fatalf("sample size %d", res.Contests[0].SampleSize)
		}
	}
}
