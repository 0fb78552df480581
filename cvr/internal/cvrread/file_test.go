package cvrread_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/cvr/internal/cvrread"
	"github.com/canvass/canvass/internal/csvscan"
)

func TestOpenFile(t *testing.T) {
	_, err := cvrread.OpenFile(cvr.Source{}, "Clear Ballot")
	var ce *cvr.Error
	if !errors.As(err, &ce) || ce.Path != "(no filePath)" || err.Error() != "(no filePath): no Clear Ballot CVR file given; set filePath" {
		t.Errorf("no path: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "none.csv")
	_, err = cvrread.OpenFile(cvr.Source{Path: missing}, "generic CSV")
	if !errors.As(err, &ce) || ce.Path != missing || !errors.Is(err, fs.ErrNotExist) ||
		err.Error() != missing+": cannot open the generic CSV CVR file: no such file or directory; check filePath" {
		t.Errorf("missing file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "cvr.csv")
	if err := os.WriteFile(path, []byte("A\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := cvrread.OpenFile(cvr.Source{Path: path}, "generic CSV")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestCSVError(t *testing.T) {
	next := func(in string, lim csvscan.Limits) error {
		sc := csvscan.NewScanner(strings.NewReader(in), lim)
		for {
			if _, err := sc.Next(); err != nil {
				return err
			}
		}
	}
	tests := []struct {
		name  string
		err   error
		row   int
		field string
		msg   string
		large bool
	}{
		{"syntax", next("a,b\nc,\"d\"x\n", csvscan.Limits{}), 2, "column 2", "not a valid CSV file: ", false},
		{"too large", next("a,b\nc,ddddd\n", csvscan.Limits{MaxField: 4}), 2, "column 2", "too large: ", true},
		{"reader fails", func() error {
			sc := csvscan.NewScanner(iotest.ErrReader(errors.New("disk gone")), csvscan.Limits{})
			_, err := sc.Next()
			return err
		}(), 0, "", "reading the file: disk gone", false},
	}
	for _, tt := range tests {
		err := cvrread.CSVError("f.csv", tt.err)
		var ce *cvr.Error
		if !errors.As(err, &ce) {
			t.Fatalf("%s: %v is not a *cvr.Error", tt.name, err)
		}
		if ce.Path != "f.csv" || ce.Row != tt.row || ce.Field != tt.field || !strings.HasPrefix(ce.Err.Error(), tt.msg) || errors.Is(err, cvr.ErrTooLarge) != tt.large {
			t.Errorf("%s: %q (row %d field %q)", tt.name, err, ce.Row, ce.Field)
		}
		if !tt.large && tt.row == 0 && !errors.Is(err, tt.err) {
			t.Errorf("%s: the read error is not wrapped", tt.name)
		}
	}
}
