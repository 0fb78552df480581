package office

import (
	"testing"
	"testing/fstest"

	"github.com/canvass/canvass/office/blobs"
)

func TestUploadFS(t *testing.T) {
	b, err := blobs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var files []FileRef
	for name, content := range map[string]string{"a.csv": "x\n", "export/CvrExport_1.json": "{}", "export/sub/m.json": "[]"} {
		ref, err := b.PutBytes([]byte(content))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, FileRef{Name: name, SHA256: ref.SHA256, Size: ref.Size})
	}
	u := newUploadFS(b, files, map[string][]byte{"config.json": []byte(`{"a":1}`)})
	if err := fstest.TestFS(u, "a.csv", "config.json", "export/CvrExport_1.json", "export/sub/m.json"); err != nil {
		t.Fatal(err)
	}
}
