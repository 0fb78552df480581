package pages

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/canvass/canvass/office"
)

// FuzzSheetOf feeds the tally sheet form: anything accepted names the
// sheet and gives every choice of every contest exactly the count typed
// (a whole number from 0 to the maximum), nothing else; anything refused
// is a 400 naming a field of the form.
func FuzzSheetOf(f *testing.F) {
	for _, s := range []string{"sheet=Sheet+1&c0-0=20&c0-1=5&c1-0=3&c1-1=0", "sheet=S&c0-0=1", "sheet=+&c0-0=1&c0-1=2&c1-0=3&c1-1=4",
		"sheet=A&c0-0=-1&c0-1=2&c1-0=3&c1-1=4", "sheet=A&c0-0=1e3&c0-1=2&c1-0=3&c1-1=4", "sheet=A&c0-0=+7&c0-1=2&c1-0=3&c1-1=4",
		"sheet=A&c0-0=1000000001&c0-1=0&c1-0=0&c1-1=0", "sheet=A&c0-0=0&c0-1=0&c1-0=0&c1-1=0&c2-0=9&reason=x", ""} {
		f.Add(s)
	}
	b := &office.BatchView{Contests: []string{"Council", "Levy"}, Choices: map[string][]string{"Council": {"Cho", "Diaz"}, "Levy": {"Yes", "No"}}}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		d := &batchData{B: b}
		d.fillSheet("")
		name, counts, _, err := sheetOf(form, d)
		if err != nil {
			var oe *office.Error
			if !errors.As(err, &oe) || oe.Status != 400 || oe.Field == "" || oe.Msg == "" {
				t.Fatalf("%q: refusal %v is no 400 naming a field", s, err)
			}
			return
		}
		if name == "" || name != strings.TrimSpace(name) {
			t.Fatalf("%q: accepted sheet name %q", s, name)
		}
		if len(counts) != len(b.Contests) {
			t.Fatalf("%q: %d contests, want %d", s, len(counts), len(b.Contests))
		}
		for ci, c := range b.Contests {
			if len(counts[c]) != len(b.Choices[c]) {
				t.Fatalf("%q: %s has %v", s, c, counts[c])
			}
			for k, ch := range b.Choices[c] {
				typed, err := strconv.Atoi(strings.TrimSpace(form.Get(fmt.Sprintf("c%d-%d", ci, k))))
				if n, ok := counts[c][ch]; !ok || err != nil || n != typed || n < 0 || n > maxChoiceCount {
					t.Fatalf("%q: %s %s = %d (%v), typed %d", s, c, ch, n, ok, typed)
				}
			}
		}
	})
}
