package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := jsonschema.NewCompiler().Compile("../testdata/nist/election_results_reporting.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var when = time.Date(2026, 11, 4, 3, 0, 0, 0, time.UTC)

func sample() *Report {
	return &Report{
		Issuer: "Minneapolis Elections & Voter Services", Election: "2013 Municipal General",
		Date: "2013-11-05", Jurisdiction: "Minneapolis, MN", Software: "canvass test", Generated: when,
		Contests: []Contest{
			{ID: "mayor", Name: "Mayor", Variation: "rcv", VotesAllowed: 1, NumberElected: 1, Rounds: 2, BallotsCast: 100, Overvotes: 1, Undervotes: 3,
				Candidates: []Candidate{
					{Name: "Betsy Hodges", Votes: []float64{40, 55}, Elected: true},
					{Name: "Mark Andrew", Votes: []float64{35, 41}, Defeated: true},
					{Name: "Undeclared Write-ins", WriteIn: true, Votes: []float64{21}, Defeated: true},
				}},
			{ID: "park", Name: "Park Board At Large", Variation: "n-of-m", VotesAllowed: 3, NumberElected: 3, Rounds: 1, BallotsCast: 90,
				Candidates: []Candidate{{Name: "A", Votes: []float64{60.5}, Elected: true}, {Name: "B", Votes: []float64{12}}}},
		},
	}
}

func TestWriteValidatesAgainstSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema(t).Validate(doc); err != nil {
		t.Fatalf("report does not validate against NIST SP 1500-100 v2: %v\n%s", err, buf.String())
	}
}

func TestWriteContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		GeneratedDate string
		Election      []struct {
			Contest []struct {
				Name             string
				VoteVariation    string
				ContestSelection []struct {
					IsWriteIn  bool
					VoteCounts []struct {
						Count float64
						Round int
					}
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.GeneratedDate != "2026-11-04T03:00:00Z" {
		t.Errorf("GeneratedDate %q", rep.GeneratedDate)
	}
	mayor := rep.Election[0].Contest[0]
	if mayor.VoteVariation != "rcv" || len(mayor.ContestSelection) != 3 {
		t.Fatalf("mayor contest: %+v", mayor)
	}
	if vc := mayor.ContestSelection[0].VoteCounts; len(vc) != 2 || vc[1].Round != 2 || vc[1].Count != 55 {
		t.Errorf("winner's round counts: %+v", vc)
	}
	if !mayor.ContestSelection[2].IsWriteIn {
		t.Error("write-in not flagged")
	}
	park := rep.Election[0].Contest[1]
	if vc := park.ContestSelection[0].VoteCounts; len(vc) != 1 || vc[0].Round != 0 || vc[0].Count != 60.5 {
		t.Errorf("single-round counts carry a round or lost the fraction: %+v", vc)
	}
	if !strings.Contains(buf.String(), `"Count": 60.5`) || !strings.Contains(buf.String(), `"Count": 55,`) {
		t.Error("counts not rendered as plain numbers")
	}
	// Same inputs, same bytes.
	var again bytes.Buffer
	Write(&again, sample())
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("output is not deterministic")
	}
}

func TestValidateRejects(t *testing.T) {
	r := sample()
	r.Contests[0].Candidates[0].Votes = []float64{1, 2, 3}
	if err := Write(&bytes.Buffer{}, r); err == nil || !strings.Contains(err.Error(), "Betsy Hodges") {
		t.Fatalf("too many rounds accepted: %v", err)
	}
	r = sample()
	r.Election = ""
	if err := Write(&bytes.Buffer{}, r); err == nil {
		t.Fatal("report without an election name accepted")
	}
}
