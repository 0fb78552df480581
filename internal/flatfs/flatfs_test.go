package flatfs

import (
	"io/fs"
	"maps"
	"testing"
)

func TestChildren(t *testing.T) {
	names := map[string]int64{"a.csv": 3, "d/x.json": 5, "d/e/y": 7, "dz": 1}
	list := func(dir string) (out []string) {
		for _, e := range Children(dir, maps.All(names)) {
			i, _ := e.Info()
			s := e.Name()
			if e.IsDir() {
				s += "/"
			} else if i.Size() != names[dirJoin(dir, e.Name())] {
				t.Errorf("%s: size %d", s, i.Size())
			}
			out = append(out, s)
		}
		return out
	}
	for dir, want := range map[string][]string{".": {"a.csv", "d/", "dz"}, "d": {"e/", "x.json"}, "d/e": {"y"}, "a.csv": nil, "nope": nil} {
		got := list(dir)
		if len(got) != len(want) {
			t.Fatalf("%s: %q, want %q", dir, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: %q, want %q", dir, got, want)
			}
		}
	}
	if m := Dir("d").Mode(); m != fs.ModeDir|0o555 {
		t.Errorf("dir mode %v", m)
	}
	if m := File("f", 1).Mode(); m != 0o444 {
		t.Errorf("file mode %v", m)
	}
}

func dirJoin(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}
