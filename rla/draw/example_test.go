package draw_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/canvass/canvass/rla/draw"
	"github.com/canvass/canvass/rla/manifest"
)

// Drawing a round of an Arlo ballot sample, printing it as Arlo's CSV, and
// the retrieval list of each jurisdiction.
func Example() {
	adams, _ := manifest.ReadArlo("adams.csv", strings.NewReader("Container,Batch Name,Number of Ballots\nShelf 1,Batch 1,120\n"))
	jville, _ := manifest.ReadArlo("jville.csv", strings.NewReader("Container,Tabulator,Batch Name,Number of Ballots\nBin 2,TABULATOR1,Batch 1,80\n"))
	js := []draw.Jurisdiction{{Name: "Adams County", Manifest: adams}, {Name: "J'ville", Manifest: jville}}

	s, err := draw.Arlo(draw.Request{Seed: "12345678901234567890", Count: 3}, js)
	if err != nil {
		fmt.Println(err)
		return
	}
	draw.WriteCSV(os.Stdout, s)
	for _, r := range draw.RetrievalLists(s.Collect()) {
		for _, b := range r.Ballots {
			fmt.Println(r.Jurisdiction, b.Container, b.Tabulator, b.Batch, b.Position, b.Tickets)
		}
	}
	// Output:
	// ticket_number,jurisdiction,tabulator,batch,ballot_position,times_sampled
	// 0.001094425060018210,J'ville,TABULATOR1,Batch 1,44,1
	// 0.003785466539109712,Adams County,,Batch 1,2,1
	// 0.009395312001758094,J'ville,TABULATOR1,Batch 1,25,1
	// Adams County Shelf 1  Batch 1 2 [0.003785466539109712]
	// J'ville Bin 2 TABULATOR1 Batch 1 25 [0.009395312001758094]
	// J'ville Bin 2 TABULATOR1 Batch 1 44 [0.001094425060018210]
}
