package cvr_test

import (
	"io"
	"testing"
	"testing/fstest"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/evidence"
)

// A source in an fs.FS opens only paths inside it, and with a Recorder
// commits to what was read.
func TestSourceOpen(t *testing.T) {
	fsys := fstest.MapFS{"d/cvr.csv": {Data: []byte("A\n1\n")}, "d/x/y.json": {Data: []byte("{}")}}
	rec := evidence.NewRecorder()
	src := cvr.Source{FS: fsys, Record: rec}
	for _, bad := range []string{"../d/cvr.csv", "/d/cvr.csv", "d/../../cvr.csv"} {
		if _, err := src.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
		if _, err := src.ReadDir(bad); err == nil {
			t.Errorf("ReadDir(%q) succeeded", bad)
		}
		if _, err := src.Stat(bad); err == nil {
			t.Errorf("Stat(%q) succeeded", bad)
		}
	}
	f, err := src.Open("d/cvr.csv")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(f)
	f.Close()
	if ents, err := src.ReadDir(src.Join("d", "x")); err != nil || len(ents) != 1 {
		t.Errorf("ReadDir: %v %v", ents, err)
	}
	got, err := rec.Inputs()
	if err != nil || len(got) != 1 || got[0] != evidence.Commit("d/cvr.csv", []byte("A\n1\n")) {
		t.Errorf("recorded %+v, %v", got, err)
	}
}
