package resultsite_test

import (
	"fmt"
	"sort"
	"time"

	"github.com/canvass/canvass/resultsite"
)

func ExampleRender() {
	files, err := resultsite.Render(resultsite.Snapshot{
		ElectionID:   "2026-11-03-general",
		ElectionName: "General Election",
		Jurisdiction: "Example County",
		Date:         "2026-11-03",
		Version:      1,
		PublishedAt:  time.Date(2026, 11, 4, 2, 30, 0, 0, time.UTC),
		Contests: []resultsite.Contest{{
			ID:      "measure-a",
			Name:    "Measure A",
			Votes:   []resultsite.CandidateVotes{{Name: "Yes", Votes: 5120}, {Name: "No", Votes: 4380}},
			Winners: []string{"Yes"},
		}},
		Checkpoint: "example.gov/elections/2026-11-03-general\n17\nq2RSM3y1VZ0mCsg3ZfR+Nh1XQ4iJx8o8n0b3QkOfH5c=\n",
		LogIndex:   16,
		LogURL:     "https://example.gov/log/",
	})
	if err != nil {
		panic(err)
	}
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Println(names)
	fmt.Print(string(files["measure-a.csv"]))
	// Output:
	// [index.html measure-a.csv style.css]
	// Candidate,Votes
	// Yes,5120
	// No,4380
}
