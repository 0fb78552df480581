package manifest

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkReadArlo reads a 12,000-batch manifest (3,000,000 ballots).
func BenchmarkReadArlo(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("Container,Tabulator,Batch Name,Number of Ballots\n")
	for i := range 12000 {
		fmt.Fprintf(&buf, "Box %d,TABULATOR%d,Batch %d,250\n", i/20, i%7+1, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := ReadArlo("m.csv", bytes.NewReader(data))
		if err != nil || m.Ballots() != 3_000_000 {
			b.Fatal(err)
		}
	}
}
