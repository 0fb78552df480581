package cdf

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/election"
)

// genCVRs makes n deterministic CVRs of one 8-candidate contest, with up
// to 5 rankings each.
func genCVRs(n int, id func(i int) string) (*election.Contest, []*election.CVR) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := &election.Contest{ID: "contest-001", Name: "Mayor"}
	for k := 0; k < 8; k++ {
		c.AddCandidate(election.Candidate{Name: "Candidate " + string(rune('A'+k))})
	}
	cvrs := make([]*election.CVR, n)
	for i := range cvrs {
		rec := &election.CVR{ID: id(i), Contests: []election.ContestMarks{{}}}
		for r, perm := 1, rng.Perm(8); r <= rng.IntN(6); r++ {
			rec.Contests[0].Marks = append(rec.Contests[0].Marks, election.Mark{Rank: int32(r), Choice: election.Choice(perm[r])})
		}
		cvrread.SortMarks(rec.Contests[0].Marks)
		cvrs[i] = rec
	}
	return c, cvrs
}

// genReport writes a deterministic n-CVR report in RCTab's CDF JSON layout.
func genReport(tb testing.TB, n int) []byte {
	c, cvrs := genCVRs(n, func(i int) string { return "bench.json(" + strconv.Itoa(i+1) + ")" })
	var b bytes.Buffer
	if err := WriteJSON(&b, &Report{Contest: c, ContestName: "Mayor", Jurisdiction: "Bench", Generated: time.Unix(0, 0)}, cvrs); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkCDFJSON reads a 100,000-CVR report (two passes over the file)
// and reports throughput over its size.
func BenchmarkCDFJSON(b *testing.B) {
	body := genReport(b, 100000)
	path := filepath.Join(b.TempDir(), "bench.json")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := Read(cvr.Source{Path: path, ContestID: "Mayor"}, &election.Election{}, func(*election.CVR) error { n++; return nil })
		if err != nil || n != 100000 {
			b.Fatalf("read %d: %v", n, err)
		}
	}
}

// BenchmarkWriteJSON writes a 100,000-CVR report without rounds.
func BenchmarkWriteJSON(b *testing.B) {
	c, cvrs := genCVRs(100000, strconv.Itoa)
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := WriteJSON(&out, &Report{Contest: c, Generated: time.Unix(0, 0)}, cvrs); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(out.Len()))
	}
}
