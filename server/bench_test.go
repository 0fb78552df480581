package server_test

import (
	"bytes"
	"encoding/json"

	"github.com/canvass/canvass/synthetic"
	"sync"
	"testing"
	"time"

	"github.com/canvass/canvass/office"
)

// BenchmarkLoggedWrites measures durable, logged writes per second with
// 32 concurrent clients: each POST creates an election, one log entry,
// acknowledged only once it is durable and applied.
//
//	go test ./server -run XXX -bench LoggedWrites -benchtime 1x
func BenchmarkLoggedWrites(b *testing.B) {
	e := newEnv(b)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob := e.enroll("bob", e.created.Enrollment["bob"])
	e.login(ada)
	e.login(bob)
	olga := e.newUser(ada, bob, "olga", []string{"official"}, "state/hennepin")
	const clients = 32
	per := max(b.N/clients, 20)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				var el office.Election
				if code := e.do(olga.client, "POST", "/api/v1/elections", map[string]string{"name": "E", "date": "2026-11-03"}, &el); code != 201 {
					b.Errorf("status %d", code)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(clients*per)/time.Since(start).Seconds(), "writes/s")
}

// BenchmarkUploadAndTabulate1M uploads the synthetic 1,000,000-ballot
// generic CSV through the API and tabulates it with its RCTab
// configuration, end to end (issue 8's budget: 2 s on the 2-core
// reference machine).
//
//	go test ./server -run XXX -bench UploadAndTabulate1M -benchtime 3x
func BenchmarkUploadAndTabulate1M(b *testing.B) {
	e := newEnv(b)
	ada := e.enroll("ada", e.created.Enrollment["ada"])
	bob := e.enroll("bob", e.created.Enrollment["bob"])
	e.login(ada)
	e.login(bob)
	olga := e.newUser(ada, bob, "olga", []string{"official"}, "state/hennepin")
	var csv bytes.Buffer
	if err := synthetic.WriteGenericCSV(&csv, synthetic.Default); err != nil {
		b.Fatal(err)
	}
	cfg, err := synthetic.RCTabConfig(synthetic.Default, "Synthetic", "synthetic_cvr.csv", "genericCsv")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var el office.Election
		e.must(olga.client, 201, "POST", "/api/v1/elections", map[string]string{"name": "Synthetic", "date": "2026-11-03"}, &el)
		if c := e.upload(olga.client, el.ID, map[string][]byte{"synthetic_cvr.csv": csv.Bytes()}, nil, nil); c != 200 {
			b.Fatalf("upload: %d", c)
		}
		e.must(olga.client, 201, "POST", "/api/v1/elections/"+el.ID+"/tabulations", map[string]json.RawMessage{"rctab_config": cfg}, nil)
	}
}
