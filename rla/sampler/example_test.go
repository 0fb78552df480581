package sampler_test

import (
	"fmt"

	"github.com/canvass/canvass/rla/sampler"
)

// ColoradoRLA's own test: 5 draws without replacement from 876 ballots.
func ExampleCorla_Draws() {
	c := sampler.Corla{Seed: "3546311556112163624615351222", Ballots: 876, WithoutReplacement: true}
	draws, _ := c.Draws(0, 5)
	for _, d := range draws {
		fmt.Println(d.Ballot)
	}
	// Output:
	// 740
	// 180
	// 264
	// 789
	// 238
}

// Three ballots drawn as Arlo draws them from two jurisdictions.
func ExampleArloSample() {
	batches := []sampler.Batch{
		{Jurisdiction: "Adams County", Name: "Batch 1", Ballots: 120},
		{Jurisdiction: "J'ville", Tabulator: "TABULATOR1", Name: "Batch 1", Ballots: 80},
	}
	draws, _ := sampler.ArloSample("12345678901234567890", batches, sampler.Options{WithReplacement: true, Take: 3})
	for _, d := range draws {
		b := batches[d.Batch]
		fmt.Println(d.Ticket, sampler.ArloID(b.Jurisdiction, b.Tabulator, b.Name, d.Position), d.TimesSampled)
	}
	// Output:
	// 0.001094425060018210 (("J'ville", 'TABULATOR1', 'Batch 1'), 44) 1
	// 0.003785466539109712 (('Adams County', None, 'Batch 1'), 2) 1
	// 0.009395312001758094 (("J'ville", 'TABULATOR1', 'Batch 1'), 25) 1
}
