package audit_test

import (
	"fmt"
	"strings"

	"github.com/canvass/canvass/audit"
	"github.com/canvass/canvass/rla/manifest"
)

// A county ballot-polling audit: set up, draw round 1 from the seed, hand
// the boards their retrieval list, close the round from their readings.
func Example() {
	def, err := audit.DecodeDefinition([]byte(`{
	  "name": "County primary", "type": "ballot-polling", "math": "bravo",
	  "risk_limit": 0.1, "sampler": "arlo",
	  "contests": [{"name": "Sheriff", "targeted": true, "jurisdictions": ["County"],
	                "kind": "plurality", "reported": {"Lee": 6000, "Ray": 3500}}],
	  "jurisdictions": [{"name": "County"}]}`))
	if err != nil {
		panic(err)
	}
	m, err := manifest.ReadArlo("manifest.csv", strings.NewReader(
		"Container,Batch Name,Number of Ballots\nBox 1,B1,5000\nBox 2,B2,5000\n"))
	if err != nil {
		panic(err)
	}
	a, err := audit.Prepare(def, &audit.Inputs{Jurisdictions: []audit.JurisdictionInput{{Name: "County", Manifest: m}}})
	if err != nil {
		panic(err)
	}
	opts, _ := a.FirstRoundSizes()
	for _, o := range opts {
		fmt.Printf("%s: %d\n", o.Key, o.Draws)
	}
	r, err := a.Draw("98765432109876543210", nil, opts[3].Draws) // Arlo's 90% option
	if err != nil {
		panic(err)
	}
	list := r.Retrieval()[0]
	fmt.Printf("%s pulls %d ballots, first %s %s #%d\n", list.Jurisdiction, len(list.Ballots),
		list.Ballots[0].Container, list.Ballots[0].Batch, list.Ballots[0].Position)

	// Every ballot the boards read is for Lee.
	var readings audit.Readings
	for _, b := range list.Ballots {
		readings.Ballots = append(readings.Ballots, audit.BallotReading{
			BallotKey: audit.BallotKey{Jurisdiction: "County", Batch: b.Batch, Position: b.Position},
			Contests:  map[string]audit.Reading{"Sheriff": {Choices: []string{"Lee"}}}})
	}
	res, err := a.Close([]*audit.Round{r}, &readings)
	if err != nil {
		panic(err)
	}
	c := res.Contests[0]
	fmt.Printf("%s: risk %.2g, %s\n", c.Contest, c.Risk, c.Decision)
	// Output:
	// asn: 73
	// 0.7: 111
	// 0.8: 148
	// 0.9: 211
	// County pulls 211 ballots, first Box 1 B1 #1
	// Sheriff: risk 3.9e-22, confirmed
}
