package office

import (
	"io/fs"
	"strings"
	"testing"
)

// FuzzValidFileName checks that every file name the office accepts stays
// inside its folder: a valid fs.FS path, with no "..", no backslash and no
// control character.
func FuzzValidFileName(f *testing.F) {
	for _, s := range []string{"a.csv", "export/CvrExport_1.json", "../x", "/etc/passwd", "a/../../b", "a\\..\\b", "C:/x", "a//b", "./a", "a/", " a", "a\x00b", "é.csv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !validFileName(name) {
			return
		}
		if !fs.ValidPath(name) {
			t.Fatalf("accepted %q, which is not a valid fs path", name)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." || seg == "." || seg == "" {
				t.Fatalf("accepted %q with segment %q", name, seg)
			}
		}
		if strings.ContainsAny(name, "\\\x00\n\r") {
			t.Fatalf("accepted %q", name)
		}
	})
}

// FuzzJurisdiction checks that accepted jurisdictions are "state" paths
// and that Covers never lets a jurisdiction cover a sibling by prefix.
func FuzzJurisdiction(f *testing.F) {
	f.Add("state/hennepin", "state/hennepin-2")
	f.Add("state", "state/ramsey")
	f.Add("state/a", "state/ab")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !validJurisdiction(a) || !validJurisdiction(b) {
			return
		}
		if Covers(a, b) && a != b && !strings.HasPrefix(b, a+"/") {
			t.Fatalf("%q covers %q", a, b)
		}
		if Covers(a, b) && Covers(b, a) && a != b {
			t.Fatalf("%q and %q cover each other", a, b)
		}
	})
}
