package server_test

import (
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
