package evidence

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

// sealed returns a sealed results package as a map of files.
func sealed(t testing.TB) map[string][]byte {
	files := map[string][]byte{"summary_report.csv": []byte("a,b\n"), "Tabulate by Precinct/p1.csv": []byte("p\n")}
	if _, err := Seal(files, Manifest{Command: "test", Inputs: []File{Commit("cvr.csv", []byte("1\n"))}}); err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCheckZip checks a results package inside a zip, as a verifier
// checks one downloaded, without unpacking it.
func TestCheckZip(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range sealed(t) {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(zr); err != nil {
		t.Fatal(err)
	}
}

// TestManifestOutsidePackage: a manifest cannot make a verifier read a
// file outside the package.
func TestManifestOutsidePackage(t *testing.T) {
	for _, p := range []string{"../x", "/etc/passwd", "a/../../x", ".", ""} {
		m := `{"format": "` + ManifestFormat + `", "outputs": [{"path": "` + p + `", "size": 0, "sha256": ""}]}`
		if _, err := DecodeManifest(strings.NewReader(m), ManifestName); err == nil || !strings.Contains(err.Error(), "not a file inside") {
			t.Errorf("output %q: %v", p, err)
		}
		fsys := fstest.MapFS{ManifestName: {Data: []byte(m)}}
		if err := Check(fsys); err == nil {
			t.Errorf("Check accepted output %q", p)
		}
	}
}

// FuzzDecodeManifest: any input decodes to a manifest whose paths all stay
// inside a package, or to an error; never a panic.
func FuzzDecodeManifest(f *testing.F) {
	f.Add(sealed(f)[ManifestName])
	f.Add([]byte(`{"format": "` + ManifestFormat + `", "outputs": [{"path": "../x"}]}`))
	f.Add([]byte(`{"format": "other"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(bytes.NewReader(data), ManifestName)
		if err != nil {
			return
		}
		for _, o := range m.Outputs {
			if strings.HasPrefix(o.Path, "/") || strings.Contains("/"+o.Path+"/", "/../") {
				t.Fatalf("accepted output path %q", o.Path)
			}
		}
	})
}
