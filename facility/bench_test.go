package facility

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A month of a busy office: 100,000 swipes at 4 doors, cameras toggling.
func benchData() ([]byte, []byte) {
	var b, c strings.Builder
	b.WriteString(bh)
	c.WriteString(ch)
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	doors := []string{"D-MAIN", "D-HALL", "D-SRV", "D-VLT"}
	for i := range 100000 {
		fmt.Fprintf(&b, "%s,%s,B-%d,Person %d,granted\n", t0.Add(time.Duration(i)*26*time.Second).Format(time.RFC3339), doors[i%4], i%300, i%300)
	}
	cams := []string{"CAM-SRV-1", "CAM-SRV-2", "CAM-VLT-1", "CAM-HALL"}
	for i := range 2000 {
		st := On
		if i%8 >= 4 {
			st = Off
		}
		fmt.Fprintf(&c, "%s,%s,%s\n", t0.Add(time.Duration(i)*20*time.Minute).Format(time.RFC3339), cams[i%4], st)
	}
	return []byte(b.String()), []byte(c.String())
}

func BenchmarkParseBadges(b *testing.B) {
	data, _ := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseBadges(bytes.NewReader(data), "b.csv"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSite(b *testing.B) {
	for b.Loop() {
		if _, err := ParseSite(strings.NewReader(goodSite), "site.json"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	bd, cd := benchData()
	badges, err := ParseBadges(bytes.NewReader(bd), "b.csv")
	if err != nil {
		b.Fatal(err)
	}
	cams, err := ParseCameras(bytes.NewReader(cd), "c.csv")
	if err != nil {
		b.Fatal(err)
	}
	site, _, _, _ := func() (Site, int, int, int) {
		s, err := ParseSite(strings.NewReader(`{"rooms":[{"id":"server-room","name":"S","election_equipment":true},{"id":"ballot-vault","name":"V","election_equipment":true},{"id":"lobby","name":"L","election_equipment":false},{"id":"hallway","name":"H","election_equipment":false}],
"doors":[{"id":"D-MAIN","room":"lobby"},{"id":"D-HALL","room":"hallway"},{"id":"D-SRV","room":"server-room"},{"id":"D-VLT","room":"ballot-vault"}],
"cameras":[{"id":"CAM-SRV-1","rooms":["server-room"]},{"id":"CAM-SRV-2","rooms":["server-room"]},{"id":"CAM-VLT-1","rooms":["ballot-vault"]},{"id":"CAM-HALL","rooms":["hallway","ballot-vault"]}]}`), "s.json")
		if err != nil {
			b.Fatal(err)
		}
		return s, 0, 0, 0
	}()
	until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var n int
	for b.Loop() {
		n = len(Analyze(site, badges, cams, nil, until).Findings)
	}
	b.ReportMetric(float64(n), "findings")
}
