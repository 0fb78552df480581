package ess

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

// Fuzzing works on the worksheet's sheet data and the shared strings, put
// into a small stored (uncompressed) workbook for each execution, so that
// the fuzzer mutates the XML the tokenizer reads rather than zip bytes it
// would mostly break (the old target fed whole workbooks to excelize and
// ran about 12 executions in 90 seconds).

// fuzzSeeds returns the sheet data and shared strings of the hand-made and
// damaged workbooks and of the small ES&S fixtures.
func fuzzSeeds(f *testing.F) (sheets, ssts [][]byte) {
	for _, b := range damagedBooks {
		sheets = append(sheets, []byte(b.sheet))
		ssts = append(ssts, []byte(strings.TrimPrefix(b.sst, "-")))
	}
	for _, rows := range [][]string{
		{header, row(2, "A#1", "B=P", "D=A", "E=B|C", "F=overvote"), emptyRow(3), row(4, "A#2", "D!", "E=  ", "F=undervote")},
		{row(1, "A=id", "B=1", "C=2"), `<row><c t="b"><v>1</v></c><c t="str"><v>A</v></c><c t="inlineStr"><is><r><t>B</t></r><rPh><t>x</t></rPh></is></c></row>`},
		{`<row r="2" spans="1:3"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v><f>X</f></c><c r="C2"><v>1.50</v></c></row>`},
	} {
		sheets = append(sheets, []byte(strings.Join(rows, "")))
		ssts = append(ssts, []byte(`<si><t>A</t></si><si><r><t>B</t></r><r><t>_x0043_</t></r></si>`))
	}
	for _, p := range []string{"_shared/simple_ess_cvr.xlsx", "exhaust_if_multiple_continuing/exhaust_if_multiple_continuing_cvr.xlsx", "skip_to_next_test/skip_to_next_test_cvr.xlsx"} {
		zr, err := zip.OpenReader(fixture.Path(f, p))
		if err != nil {
			f.Fatal(err)
		}
		sheets = append(sheets, inner(f, &zr.Reader, "xl/worksheets/sheet1.xml", "sheetData"))
		ssts = append(ssts, inner(f, &zr.Reader, "xl/sharedStrings.xml", "sst"))
		zr.Close()
	}
	return sheets, ssts
}

// inner returns the content of the element named name in a zip part.
func inner(f *testing.F, zr *zip.Reader, part, name string) []byte {
	zf := findPart(zr, part)
	rc, err := zf.Open()
	if err != nil {
		f.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		f.Fatal(err)
	}
	i := bytes.Index(b, []byte("<"+name))
	i += bytes.IndexByte(b[i:], '>') + 1
	j := bytes.LastIndex(b, []byte("</"+name+">"))
	return b[i:j]
}

// FuzzESS reads fuzzed sheet data and shared strings as a workbook through
// the whole reader, in and out of RCTab mode: it must never panic, every
// failure must be a *cvr.Error that leaves the election untouched, and
// every mark must be valid.
func FuzzESS(f *testing.F) {
	sheets, ssts := fuzzSeeds(f)
	for i := range sheets {
		f.Add(sheets[i], ssts[i], uint8(4), uint8(0))
		f.Add(sheets[i], ssts[i], uint8(2), uint8(0xff))
	}
	f.Fuzz(func(t *testing.T, sheet, sst []byte, firstCol, flags uint8) {
		if flags&1 != 0 {
			sst = nil // no sharedStrings.xml
		}
		src := cvr.Source{
			Path: "fuzz.xlsx", FirstVoteColumn: int(firstCol % 6), FirstVoteRow: int(firstCol/6%3) + 1,
			OvervoteDelimiter: "|", OvervoteLabel: "overvote", UndervoteLabel: "undervote",
			RCTab: flags&2 != 0, TreatBlankAsUndeclaredWriteIn: flags&4 != 0, MaxRankings: int(flags>>5) % 5,
		}
		if flags&8 != 0 {
			src.IDColumn, src.PrecinctColumn, src.BatchColumn = 1, 2, 3
		}
		if flags&16 != 0 {
			src.Candidates = []election.Candidate{{Name: "A"}, {Name: "B"}, {Name: "C", Aliases: []string{"42"}}}
		}
		e := &election.Election{}
		err := readBytes(xlsxParts(sheet, sst), src, e, func(rec *election.CVR) error {
			c := e.Contests[rec.Contests[0].Contest]
			for _, m := range rec.Contests[0].Marks {
				if m.Rank < 1 || int(m.Choice) >= len(c.Candidates) || m.Choice < election.Overvote {
					t.Fatalf("bad mark %+v", m)
				}
				if src.RCTab && src.MaxRankings > 0 && int(m.Rank) > src.MaxRankings {
					t.Fatalf("rank %d above maxRankings %d", m.Rank, src.MaxRankings)
				}
			}
			return nil
		})
		fixture.CheckFailedRead(t, err, e)
	})
}

// FuzzSheetXML feeds arbitrary bytes to the sheet tokenizer as a whole
// worksheet part: it must never panic or loop, rows must come in
// increasing order within the grid, and every value must come from a
// cell.
func FuzzSheetXML(f *testing.F) {
	sheets, ssts := fuzzSeeds(f)
	for i := range sheets {
		f.Add([]byte(`<worksheet><sheetData>`+string(sheets[i])+`</sheetData></worksheet>`), ssts[i])
	}
	f.Fuzz(func(t *testing.T, sheet, sstXML []byte) {
		sst, err := readSST(bytes.NewReader(append(append([]byte("<sst>"), sstXML...), "</sst>"...)), "sst", 1<<20)
		if err != nil {
			var se *sheetError
			if !errors.As(err, &se) {
				t.Fatalf("shared strings: %T %v", err, err)
			}
			sst = nil
		}
		r := newSheetReader(bytes.NewReader(sheet), "sheet", sst, sst != nil)
		prev := 0
		for {
			row, more, err := r.next()
			if err != nil {
				var se *sheetError
				if !errors.As(err, &se) {
					t.Fatalf("error %T %v is not a sheetError", err, err)
				}
				return
			}
			if !more {
				return
			}
			if row.num <= prev || row.num > maxSheetRows || len(row.vals) != len(row.has) || len(row.vals) > maxSheetCols {
				t.Fatalf("row %d after %d, %d values, %d flags", row.num, prev, len(row.vals), len(row.has))
			}
			if len(row.has) > 0 && !row.has[len(row.has)-1] {
				t.Fatalf("row %d ends in a cell without a value", row.num)
			}
			prev = row.num
		}
	})
}

// FuzzSheetMatchesExcelize is a differential target: whenever the
// streaming reader accepts a fuzzed workbook and excelize opens it too,
// both must give the same value in every cell. (The streaming reader
// refuses damage excelize reads silently; those inputs are not compared.)
func FuzzSheetMatchesExcelize(f *testing.F) {
	sheets, ssts := fuzzSeeds(f)
	for i := range sheets {
		f.Add(sheets[i], ssts[i])
	}
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		raw := xlsxParts(sheet, sst)
		got, err := tryStreamRows(raw)
		if err != nil || len(got) > 1000 {
			// excelize walks every row number up to the last one, so a
			// far row number only costs time.
			return
		}
		want, err := tryExcelizeRows(raw)
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows, excelize %d:\n%q\n%q", len(got), len(want), got, want)
		}
		for i := range want {
			if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
				t.Fatalf("row %d: %q, excelize %q", i+1, got[i], want[i])
			}
		}
	})
}

func tryStreamRows(raw []byte) (out [][]string, err error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, err
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		return nil, err
	}
	rows, c, err := wb.rows()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for {
		r, more, err := rows.next()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		for len(out) < r.num-1 {
			out = append(out, nil)
		}
		out = append(out, trimRow(append([]string(nil), r.vals...)))
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	return out, nil
}

func tryExcelizeRows(raw []byte) (out [][]string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("excelize panicked: %v", p)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		out = append(out, trimRow(append([]string(nil), cols...)))
	}
	if err := rows.Error(); err != nil {
		return nil, err
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	return out, nil
}
