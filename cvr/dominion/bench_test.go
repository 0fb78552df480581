package dominion

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
)

// genExport writes a deterministic CvrExport body shaped like Dominion
// 5.10's (the Alaska sample): n sessions, each one card with contest 1
// (ranked, 5 ranks over candidates 10-12) and contest 2 (vote for 2 over
// 20-21), with image masks, manifestation ids and outstack lists that the
// reader must skip.
func genExport(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString(`{"Version":"5.10.11.24","ElectionId":"Benchmark","Sessions":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		tab, batch, rec := 1+i/10000, 1+(i/100)%100, 1+i%100
		b.WriteString(`{"TabulatorId":` + strconv.Itoa(tab) + `,"BatchId":` + strconv.Itoa(batch) + `,"RecordId":` + strconv.Itoa(rec))
		b.WriteString(`,"CountingGroupId":1,"ImageMask":"C:\\NAS\\Benchmark\\Results\\Tabulator00042\\Batch001\\Images\\00042_00001_000001*.*","SessionType":"ScannedVote","VotingSessionIdentifier":"","UniqueVotingIdentifier":"",`)
		b.WriteString(`"Original":{"PrecinctPortionId":7,"BallotTypeId":3,"IsCurrent":true,"Cards":[{"Id":1,"KeyInId":1,"PaperIndex":0,"Contests":[`)
		b.WriteString(`{"Id":1,"ManifestationId":1,"Undervotes":0,"Overvotes":0,"OutstackConditionIds":[],"Marks":[`)
		ranks := rng.IntN(6)
		for r := 1; r <= ranks; r++ {
			if r > 1 {
				b.WriteByte(',')
			}
			b.WriteString(`{"CandidateId":` + strconv.Itoa(10+rng.IntN(3)) + `,"ManifestationId":31,"PartyId":0,"Rank":` + strconv.Itoa(r) + `,"MarkDensity":100,"IsAmbiguous":false,"IsVote":true,"OutstackConditionIds":[]}`)
		}
		b.WriteString(`]},{"Id":2,"ManifestationId":2,"Undervotes":0,"Overvotes":0,"OutstackConditionIds":[4],"Marks":[`)
		b.WriteString(`{"CandidateId":` + strconv.Itoa(20+rng.IntN(2)) + `,"ManifestationId":40,"PartyId":0,"Rank":1,"MarkDensity":87,"IsAmbiguous":false,"IsVote":true,"OutstackConditionIds":[]}`)
		b.WriteString(`]}],"OutstackConditionIds":[]}]}}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkDominionJSON reads a 100,000-session export (about 110 MB) from
// a folder and reports throughput over the CvrExport bytes.
func BenchmarkDominionJSON(b *testing.B) {
	body := genExport(100000)
	dir := writeExport(b, "")
	if err := os.WriteFile(filepath.Join(dir, "CvrExport.json"), body, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name    string
		contest string
	}{{"one-contest", "1"}, {"all-contests", ""}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := Read(cvr.Source{Path: dir, ContestID: mode.contest}, &election.Election{}, func(*election.CVR) error { n++; return nil })
				if err != nil || n != 100000 {
					b.Fatalf("read %d sessions: %v", n, err)
				}
			}
		})
	}
}

// BenchmarkDominionJSONFolder reads the export folder named by
// $CANVASS_DOMINION_EXPORT (all contests), for measuring whole-process peak
// memory with /usr/bin/time -v on a large export made by
// TestGenerateExport. Without the variable it is skipped.
func BenchmarkDominionJSONFolder(b *testing.B) {
	dir := os.Getenv("CANVASS_DOMINION_EXPORT")
	if dir == "" {
		b.Skip("set CANVASS_DOMINION_EXPORT to an export folder")
	}
	var size int64
	files, err := exportFiles(cvr.Source{}, dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		size += info.Size()
	}
	b.SetBytes(size)
	for b.Loop() {
		n := 0
		if err := Read(cvr.Source{Path: dir}, &election.Election{}, func(*election.CVR) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "sessions")
	}
}

// TestGenerateExport writes a large benchmark export (manifests and a
// CvrExport.json of $CANVASS_GEN_SESSIONS sessions, default 1,000,000) into
// the folder named by $CANVASS_GEN_EXPORT. It does nothing without it.
func TestGenerateExport(t *testing.T) {
	dir := os.Getenv("CANVASS_GEN_EXPORT")
	if dir == "" {
		return
	}
	n := 1000000
	if s := os.Getenv("CANVASS_GEN_SESSIONS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	tmp := writeExport(t, "")
	for _, name := range []string{contestManifest, candidateManifest, precinctPortionManifest, ballotTypeManifest} {
		b, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "CvrExport.json"), genExport(n), 0o644); err != nil {
		t.Fatal(err)
	}
}
