package manifest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// addSeeds adds the testdata manifests and some awkward inputs.
func addSeeds(f *testing.F, extra ...string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkError checks that a failed read returned nothing and a *Error.
func checkError(t *testing.T, got any, err error) {
	t.Helper()
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *Error", err, err)
	}
	if !reflect.ValueOf(got).IsNil() {
		t.Fatalf("result returned with error %v", err)
	}
}

// FuzzArloManifest checks that ReadArlo either fails with a *Error or
// returns a manifest that keeps its promises and survives a round trip
// through CSV.
func FuzzArloManifest(f *testing.F) {
	addSeeds(f,
		"Batch Name,Number of Ballots\nB1,10\n",
		"Container,Tabulator,Batch Name,Number of Ballots,CVR\nC,T,B,\"1,000\",y\n",
		"batch name , NUMBER OF BALLOTS\n\"a\"\"b\",3\n\n,\n",
		"Batch Name,Number of Ballots\nB1,4\nTotal,4\n",
		"\xef\xbb\xbfBatch Name,Number of Ballots\r\nB\r\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadArlo("f.csv", bytes.NewReader(data))
		if err != nil {
			checkError(t, m, err)
			return
		}
		if len(m.Batches) == 0 {
			t.Fatal("manifest without batches")
		}
		seen := map[BatchKey]bool{}
		prevRow := 1
		for _, b := range m.Batches {
			k := BatchKey{b.Tabulator, b.Name}
			if b.Name == "" || seen[k] || b.Ballots < 0 || b.Ballots > MaxBallotsPerBatch || b.Row <= prevRow {
				t.Fatalf("bad batch %+v", b)
			}
			if (b.CVR == CVRUnknown) == m.HasCVR {
				t.Fatalf("batch %+v: CVR flag disagrees with HasCVR %v", b, m.HasCVR)
			}
			seen[k] = true
			prevRow = b.Row
		}
		// Write it back and read it again.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		header := []string{ColContainer, ColTabulator, ColBatchName, ColBallots}
		if m.HasCVR {
			header = append(header, ColCVR)
		}
		w.Write(header)
		for _, b := range m.Batches {
			row := []string{b.Container, b.Tabulator, b.Name, strconv.Itoa(b.Ballots)}
			if m.HasCVR {
				row = append(row, b.CVR.String())
			}
			w.Write(row)
		}
		w.Flush()
		m2, err := ReadArlo("g.csv", &buf)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, buf.Bytes())
		}
		for i := range m.Batches {
			a, b := m.Batches[i], m2.Batches[i]
			a.Row, b.Row = 0, 0
			if a != b {
				t.Fatalf("round trip changed batch %d: %+v -> %+v", i, a, b)
			}
		}
	})
}

// FuzzColoradoManifest is FuzzArloManifest for Colorado manifests, and
// also checks that statewide numbering covers every ballot once.
func FuzzColoradoManifest(f *testing.F) {
	addSeeds(f,
		"CountyID,ScannerID,BatchID,NumBallots,StorageLocation\n1,2,3,4,Bin\n",
		"countyid,scannerid,batchid,numballots\n01,2,x,0\n1,2,y,5\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadColorado("f.csv", bytes.NewReader(data))
		if err != nil {
			checkError(t, m, err)
			return
		}
		type key struct {
			c, s int64
			b    string
		}
		seen := map[key]bool{}
		for _, b := range m.Batches {
			k := key{b.CountyID, b.ScannerID, b.BatchID}
			if b.BatchID == "" || seen[k] || b.Ballots < 0 || b.CountyID < 0 || b.ScannerID < 0 {
				t.Fatalf("bad batch %+v", b)
			}
			seen[k] = true
		}
		s, err := NewStatewide(m)
		if err != nil {
			t.Fatal(err)
		}
		if s.Ballots() != m.Ballots() {
			t.Fatalf("statewide %d ballots, manifest %d", s.Ballots(), m.Ballots())
		}
		// Spot-check: the first and last ballot of each batch.
		var n int64
		for _, b := range s.Batches {
			if b.Ballots == 0 {
				continue
			}
			for _, p := range []int{1, b.Ballots} {
				loc, err := s.Locate(n + int64(p))
				if err != nil || loc.Position != p || loc.Row != b.Row || loc.Path != b.Path {
					t.Fatalf("Locate(%d) = %+v, %v; want row %d position %d", n+int64(p), loc, err, b.Row, p)
				}
			}
			n += int64(b.Ballots)
		}
	})
}

// FuzzWeights checks ReadWeights' promises on any input.
func FuzzWeights(f *testing.F) {
	addSeeds(f,
		"Tabulator,Batch Name,Weight\nT,B,0.25\n,C,1/3\n",
		"Batch Name,Weight\nB,1e99\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := ReadWeights("f.csv", bytes.NewReader(data))
		if err != nil {
			checkError(t, ws, err)
			return
		}
		for _, w := range ws {
			if w.Weight == nil || w.Weight.Sign() < 0 || w.Batch == "" {
				t.Fatalf("bad weight %+v", w)
			}
		}
	})
}
