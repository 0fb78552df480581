package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func FuzzDecodeDefinition(f *testing.F) {
	data, err := os.ReadFile("testdata/definition.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"name":"P","type":"ballot-polling","math":"bravo","risk_limit":0.1,"sampler":"corla","contests":[{"name":"S","targeted":true,"jurisdictions":["A"],"kind":"vote-for-n","winners":2,"votes_allowed":3,"reported":{"x":5,"y":4,"z":1}}],"jurisdictions":[{"name":"A","county_id":7}]}`))
	f.Add([]byte(`{"name":"B","type":"batch-comparison","math":"macro","risk_limit":0.1,"sampler":"arlo","contests":[{"name":"S","targeted":true,"jurisdictions":["A"],"kind":"approval","reported":{"x":5,"y":4}}],"jurisdictions":[{"name":"A"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeDefinition(data)
		if err != nil {
			return
		}
		// A decoded definition encodes to one that decodes to itself.
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := DecodeDefinition(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		out2, _ := json.Marshal(d2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip:\n%s\n%s", out, out2)
		}
	})
}

func FuzzDecodeReadings(f *testing.F) {
	data, err := os.ReadFile("testdata/readings.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"batches":[{"jurisdiction":"J1","batch":"B01","tallies":{"Governor":{"Alice":3,"Bob":1}}},{"jurisdiction":"J2","batch":"B02","not_found":true}]}`))
	s := newStatewide(f, "supersimple")
	a := mustPrepare(f, s.def, s.inputs)
	r, err := a.Draw(seed, nil, 20)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := DecodeReadings(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(rd)
		if err != nil {
			t.Fatal(err)
		}
		rd2, err := DecodeReadings(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if out2, _ := json.Marshal(rd2); !bytes.Equal(out, out2) {
			t.Fatalf("round trip:\n%s\n%s", out, out2)
		}
		// Whatever the readings, closing a round never panics.
		_, _ = a.Close([]*Round{r}, rd)
	})
}
