package office_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canvass/canvass/facility"
	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office"
	"github.com/canvass/canvass/store/sqlite"
)

const mesa = "../facility/testdata/mesa"

// newFacilityOffice creates an office in a temporary directory and opens it.
func newFacilityOffice(t *testing.T) (*office.Office, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, office.DefaultDBName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := office.Create(ctx, dir, st, office.CreateOptions{Origin: "county.example/facility", Admins: []string{"ada", "bob"}}); err != nil {
		t.Fatal(err)
	}
	o, err := office.Open(ctx, dir, st, office.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o, dir
}

func readMesa(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mesa, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportFacilityMesa imports the Mesa-like weekend, then plays the
// verifier: every file is in the log by SHA-256 and in the file store,
// and the analysis of what the log commits to is the package's report.
func TestImportFacilityMesa(t *testing.T) {
	ctx := context.Background()
	o, dir := newFacilityOffice(t)
	imports := []struct{ kind, file string }{
		{"site", "site.json"}, {"badge", "badges.csv"}, {"camera", "cameras.csv"}, {"seal", "seals.csv"},
	}
	indexes := map[uint64]string{}
	for _, im := range imports {
		before := o.LogSize()
		idx, err := o.ImportFacility(ctx, "clerk pat", im.kind, im.file, readMesa(t, im.file))
		if err != nil {
			t.Fatalf("%s: %v", im.file, err)
		}
		if idx != before || o.LogSize() != before+1 {
			t.Errorf("%s: index %d, log size %d before and %d after", im.file, idx, before, o.LogSize())
		}
		indexes[idx] = im.file
	}

	var site facility.Site
	var badges []facility.Badge
	var cameras []facility.CameraStatus
	var seals []facility.Seal
	seen := 0
	err := o.Events(ctx, func(e ledger.Event) error {
		file, ok := indexes[e.Sequence]
		if !ok {
			if strings.HasPrefix(e.Type, "facility-") {
				t.Errorf("unexpected %s event at %d", e.Type, e.Sequence)
			}
			return nil
		}
		seen++
		data := readMesa(t, file)
		sum := sha256.Sum256(data)
		want := hex.EncodeToString(sum[:])
		if e.UserID != "clerk pat" || e.Details != office.FacilityOperatorAction {
			t.Errorf("%s: UserId %q, Details %q", file, e.UserID, e.Details)
		}
		f, _ := e.Payload["file"].(map[string]any)
		if f["sha256"] != want || f["name"] != file || f["size"] != int64(len(data)) {
			t.Errorf("%s: file commitment %v, want sha256 %s", file, f, want)
		}
		stored, err := o.Blobs().ReadAll(want)
		if err != nil || string(stored) != string(data) {
			t.Errorf("%s: file store: %v", file, err)
		}
		raw, err := json.Marshal(e.Payload)
		if err != nil {
			return err
		}
		if file == "site.json" {
			if e.Type != facility.EventSite {
				t.Errorf("%s: type %s", file, e.Type)
			}
			var p facility.SitePayload
			if err := json.Unmarshal(raw, &p); err != nil {
				return err
			}
			if p.Rooms == 0 || p.EquipmentRooms == 0 || p.Cameras == 0 {
				t.Errorf("site payload %+v", p)
			}
			site, err = facility.ParseSite(strings.NewReader(string(stored)), p.File.Name)
			return err
		}
		if e.Type != facility.EventImport {
			t.Errorf("%s: type %s", file, e.Type)
		}
		var p facility.ImportPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		recs, err := facility.ReadImport(p, stored)
		if err != nil {
			return err
		}
		badges = append(badges, recs.Badges...)
		cameras = append(cameras, recs.Cameras...)
		seals = append(seals, recs.Seals...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(imports) {
		t.Fatalf("%d facility events in the log, want %d", seen, len(imports))
	}
	until := time.Date(2021, 5, 24, 18, 0, 0, 0, time.UTC)
	got := facility.Analyze(site, badges, cameras, seals, until).Text()
	if want := string(readMesa(t, "report.txt")); got != want {
		t.Errorf("the report from the log:\n%s\nwant:\n%s", got, want)
	}

	// The events change no database state, so a rebuild from the log
	// accepts them.
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	fresh, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rebuilt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := office.Rebuild(ctx, dir, fresh); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
}

// TestImportFacilityRefuses: a bad file, kind or user logs and stores
// nothing, and the error says where.
func TestImportFacilityRefuses(t *testing.T) {
	ctx := context.Background()
	o, _ := newFacilityOffice(t)
	badCams := "time,camera,status\n2021-05-23T18:00:00-06:00,CAM-SRV-1,off\n2021-05-23 19:00,CAM-SRV-1,on\n"
	for _, c := range []struct {
		user, kind, name, data string
		row                    int
		column                 string
	}{
		{"pat", "camera", "cams.csv", badCams, 3, "time"},
		{"pat", "seal", "seals.csv", "time,device,seal_number,action,person1,person2\n2021-05-24T08:05:00-06:00,EMS,S-1,broken,Ann Lee,ann lee\n", 2, "person2"},
		{"pat", "site", "site.json", `{"rooms":[],"doors":[{"id":"D","room":"nowhere"}],"cameras":[]}`, 0, "doors[0].room"},
		{"pat", "door", "cams.csv", string(readMesa(t, "cameras.csv")), 0, "kind"},
		{"", "camera", "cameras.csv", string(readMesa(t, "cameras.csv")), -1, ""},
		{"pat", "camera", "../cameras.csv", string(readMesa(t, "cameras.csv")), -1, ""},
	} {
		before := o.LogSize()
		_, err := o.ImportFacility(ctx, c.user, c.kind, c.name, []byte(c.data))
		if err == nil {
			t.Errorf("%s %s by %q: accepted", c.kind, c.name, c.user)
			continue
		}
		if o.LogSize() != before {
			t.Errorf("%s: the log grew from %d to %d", c.name, before, o.LogSize())
		}
		sum := sha256.Sum256([]byte(c.data))
		if _, err := o.Blobs().ReadAll(hex.EncodeToString(sum[:])); err == nil {
			t.Errorf("%s: the refused file is in the file store", c.name)
		}
		if c.row < 0 {
			continue
		}
		var fe *facility.Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %T %v, want a *facility.Error", c.name, err, err)
			continue
		}
		if fe.File != c.name || fe.Row != c.row || fe.Column != c.column {
			t.Errorf("%s: error at file %q row %d column %q, want row %d column %q: %v", c.name, fe.File, fe.Row, fe.Column, c.row, c.column, err)
		}
	}
}

// TestImportFacilityOverlap: an export imported twice, or one repeating a
// row of an earlier import, is refused naming both files, because the
// verifier's merge would refuse it.
func TestImportFacilityOverlap(t *testing.T) {
	ctx := context.Background()
	o, _ := newFacilityOffice(t)
	cams := readMesa(t, "cameras.csv")
	if _, err := o.ImportFacility(ctx, "pat", "camera", "cameras.csv", cams); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(cams), "\n")
	later := "time,camera,status\n" + lines[len(lines)-2] + "2021-05-25T06:00:00-06:00,CAM-SRV-1,off\n"
	for _, c := range []struct{ name, data string }{{"cameras.csv", string(cams)}, {"cameras-2.csv", later}} {
		before := o.LogSize()
		_, err := o.ImportFacility(ctx, "pat", "camera", c.name, []byte(c.data))
		var fe *facility.Error
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "cameras.csv") || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: %v, want a *facility.Error naming both files", c.name, err)
		}
		if o.LogSize() != before {
			t.Errorf("%s: the log grew", c.name)
		}
	}
	// Other kinds and new rows are not affected.
	if _, err := o.ImportFacility(ctx, "pat", "camera", "cameras-3.csv", []byte("time,camera,status\n2021-05-25T06:00:00-06:00,CAM-SRV-1,off\n")); err != nil {
		t.Errorf("a new row: %v", err)
	}
	if _, err := o.ImportFacility(ctx, "pat", "badge", "badges.csv", readMesa(t, "badges.csv")); err != nil {
		t.Errorf("badges: %v", err)
	}
}
