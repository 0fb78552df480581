package results

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// AddContests appends to r one NIST contest per contest of s: ranked
// contests with their round-by-round tallies from the contest's last RCTab
// report, other contests with their single count. The office renders the
// results it publishes this way and the public verifier re-renders them the
// same way from a re-tabulation, so the two can be compared field by field.
func AddContests(r *Report, s Summary) error {
	for _, c := range s.Contests {
		won := map[string]bool{}
		for _, w := range c.Winners {
			won[w] = true
		}
		rc := Contest{ID: c.ID, Name: c.Name, NumberElected: max(c.Seats, 1), VotesAllowed: 1,
			BallotsCast: c.Ballots, Overvotes: float64(c.Overvotes), Undervotes: float64(c.Undervotes), Rounds: 1}
		if len(c.RCTabReport) > 0 {
			var rep struct {
				Results []struct {
					Tally map[string]string `json:"tally"`
				} `json:"results"`
			}
			if err := json.Unmarshal(c.RCTabReport[len(c.RCTabReport)-1], &rep); err != nil {
				return fmt.Errorf("contest %s: its RCTab report: %v", c.Name, err)
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
				cand := Candidate{Name: n, Elected: won[n], Defeated: !won[n]}
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
				rc.Candidates = append(rc.Candidates, Candidate{Name: v.Name, Votes: []float64{float64(v.Votes)},
					Elected: won[v.Name], Defeated: !won[v.Name]})
			}
		}
		r.Contests = append(r.Contests, rc)
	}
	return nil
}
