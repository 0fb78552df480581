package cdf_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/canvass/canvass/cvr/cdf"
	"github.com/canvass/canvass/election"
)

// A one-round tabulation of one ballot: Ann ranked first, Bob second; the
// ballot counts for Ann at rank 1.
func ExampleWriteJSON() {
	c := &election.Contest{ID: "mayor", Name: "Mayor"}
	ann, _ := c.AddCandidate(election.Candidate{Name: "Ann"})
	bob, _ := c.AddCandidate(election.Candidate{Name: "Bob"})
	ballot := &election.CVR{ID: "ballots.json(1)", Contests: []election.ContestMarks{{Contest: 0, Marks: []election.Mark{{Rank: 1, Choice: ann}, {Rank: 2, Choice: bob}}}}}
	var b strings.Builder
	err := cdf.WriteJSON(&b, &cdf.Report{
		Contest:      c,
		ContestName:  "Mayor",
		Jurisdiction: "Springfield",
		Generated:    time.Date(2026, 11, 3, 21, 0, 0, 0, time.UTC),
		Rounds:       1,
		Allocations: func(i, round int) ([]cdf.Allocation, bool) {
			return []cdf.Allocation{{Rank: 1, Choice: ann, Votes: "1"}}, true
		},
	}, []*election.CVR{ballot})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	// Print the round-1 snapshot's first selection.
	out := b.String()
	start := strings.Index(out, `"@id" : "ballot-ballots.json_1_-round-1"`)
	fmt.Println(out[start : start+strings.Index(out[start:], "}, {")])
	// Output:
	// "@id" : "ballot-ballots.json_1_-round-1",
	//       "@type" : "CVR.CVRSnapshot",
	//       "CVRContest" : [ {
	//         "@type" : "CVR.CVRContest",
	//         "CVRContestSelection" : [ {
	//           "@type" : "CVR.CVRContestSelection",
	//           "ContestSelectionId" : "cs-ann",
	//           "SelectionPosition" : [ {
	//             "@type" : "CVR.SelectionPosition",
	//             "HasIndication" : "yes",
	//             "IsAllocable" : "yes",
	//             "NumberVotes" : 1,
	//             "Rank" : 1
	//           } ]
}
