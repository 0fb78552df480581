package ess

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/election"
	"github.com/canvass/canvass/internal/fixture"
)

// Hand-made workbooks: the sheet XML is written here, so that a test can
// have exactly the rows and cells a rule is about (a <row> with no cells,
// a cell with no value, a cell holding ""), which a spreadsheet library
// does not let one write.

// xlsxParts builds a workbook zip from its first worksheet's XML rows and
// shared strings (no sharedStrings.xml part when sst is nil). Parts are
// stored, not compressed, so that building is cheap enough for fuzzing.
func xlsxParts(sheetData []byte, sst []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		w.Write(data)
	}
	ct := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	rels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if sst != nil {
		ct += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	add("[Content_Types].xml", []byte(ct+`</Types>`))
	add("_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	add("xl/workbook.xml", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	add("xl/_rels/workbook.xml.rels", []byte(rels+`</Relationships>`))
	var sheet bytes.Buffer
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	sheet.Write(sheetData)
	sheet.WriteString(`</sheetData></worksheet>`)
	add("xl/worksheets/sheet1.xml", sheet.Bytes())
	if sst != nil {
		add("xl/sharedStrings.xml", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`+string(sst)+`</sst>`))
	}
	zw.Close()
	return buf.Bytes()
}

// row writes <row r="n"> with cells given as "D=text" (an inline string;
// "D=" holds ""), "D#12" (a number) or "D!" (a cell with no value).
func row(n int, cells ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, n)
	for _, c := range cells {
		switch i := strings.IndexAny(c, "=#!"); c[i] {
		case '=':
			fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>`, c[:i], n, c[i+1:])
		case '#':
			fmt.Fprintf(&b, `<c r="%s%d"><v>%s</v></c>`, c[:i], n, c[i+1:])
		case '!':
			fmt.Fprintf(&b, `<c r="%s%d" s="1"/>`, c[:i], n)
		}
	}
	b.WriteString(`</row>`)
	return b.String()
}

// emptyRow is a <row> element with no cells.
func emptyRow(n int) string { return fmt.Sprintf(`<row r="%d"/>`, n) }

// header is row 1 of the hand-made workbooks: ID, precinct, batch, then
// three ranking columns.
var header = row(1, "A=Cast Vote Record", "B=Precinct", "C=Batch", "D=Choice 1", "E=Choice 2", "F=Choice 3")

// writeBook writes a hand-made workbook named name and returns its path.
func writeBook(t testing.TB, name string, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, xlsxParts([]byte(strings.Join(rows, "")), nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rctabSource is an RCTab-mode source over candidates A, B, C.
func rctabSource(path string, maxRankings int) cvr.Source {
	return cvr.Source{
		Path: path, RCTab: true, MaxRankings: maxRankings,
		Candidates:    []election.Candidate{{Name: "A"}, {Name: "B"}, {Name: "C"}},
		OvervoteLabel: "overvote", UndervoteLabel: "undervote",
	}
}

type readResult struct {
	marks []string // per ballot
	ids   []string // ID/SuppliedID/Precinct/Batch per ballot
}

func readAll(t *testing.T, src cvr.Source) (readResult, error) {
	t.Helper()
	e := &election.Election{}
	var res readResult
	err := Read(src, e, func(rec *election.CVR) error {
		res.marks = append(res.marks, fixture.Describe(e.Contests[rec.Contests[0].Contest], rec.Contests[0].Marks))
		res.ids = append(res.ids, rec.ID+"/"+rec.SuppliedID+"/"+rec.Precinct+"/"+rec.Batch)
		return nil
	})
	fixture.CheckFailedRead(t, err, e)
	return res, err
}

func mustRead(t *testing.T, src cvr.Source) readResult {
	t.Helper()
	res, err := readAll(t, src)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantErr(t *testing.T, err error, row int, field, msg string) {
	t.Helper()
	var ce *cvr.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a *cvr.Error", err)
	}
	if ce.Row != row || ce.Field != field || !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q (row %d, field %q), want %q at row %d, field %q", err, ce.Row, ce.Field, msg, row, field)
	}
}

func same(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s %q, want %q", what, got, want)
	}
}

// TestRCTabANumericMaxRankingsReadsOnlyNColumns: with maxRankingsAllowed 2
// only columns D and E are read; what F holds, even an unknown name, is
// ignored (source notes A).
func TestRCTabANumericMaxRankingsReadsOnlyNColumns(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "A#1", "D=A", "E=B", "F=Zed", "H=C"))
	res := mustRead(t, rctabSource(path, 2))
	same(t, "marks", res.marks, "1:A 2:B")
	// Outside RCTab mode the header gives three ranking columns, and Zed
	// is an error.
	src := rctabSource(path, 2)
	src.RCTab = false
	_, err := readAll(t, src)
	wantErr(t, err, 2, `column F "Choice 3"`, `"Zed" is not a declared candidate`)
}

// TestRCTabAMaxReadsToTheEndOfTheRow: with "max" every cell from the first
// vote column to the end of the row is a rank, past the header's ranking
// columns (source notes A, StreamingCvrReader.cvrCell).
func TestRCTabAMaxReadsToTheEndOfTheRow(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "A#1", "D=A", "H=C"), row(3, "A#2", "E=B"))
	res := mustRead(t, rctabSource(path, 0))
	same(t, "marks", res.marks, "1:A 5:C", "2:B")
}

// TestRCTabCEveryPresentRowIsABallot: a <row> with no cells is a ballot
// with no rankings; a row number with no <row> element is not, and takes
// no number in the computed ID (source notes C).
func TestRCTabCEveryPresentRowIsABallot(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "D=A"), emptyRow(3), row(4, "D!", "E!"), row(6, "D=B"))
	res := mustRead(t, rctabSource(path, 3))
	same(t, "marks", res.marks, "1:A", "", "", "1:B")
	same(t, "ids", res.ids, "cvr.xlsx-1///", "cvr.xlsx-2///", "cvr.xlsx-3///", "cvr.xlsx-4///")
	// Outside RCTab mode empty rows are formatting, but still take their
	// number.
	src := rctabSource(path, 3)
	src.RCTab = false
	res = mustRead(t, src)
	same(t, "ids outside RCTab mode", res.ids, "cvr.xlsx-1///", "cvr.xlsx-4///")
}

// TestRCTabCPresentRowWithoutIDFails: with idColumnIndex set, a present row
// with no ID cell fails the source (source notes C).
func TestRCTabCPresentRowWithoutIDFails(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "A#1", "D=A"), emptyRow(3), row(4, "A#4", "D=B"))
	src := rctabSource(path, 3)
	src.IDColumn = 1
	_, err := readAll(t, src)
	wantErr(t, err, 3, `column A "Cast Vote Record"`, "the ballot ID is missing")
}

// TestRCTabGMissingPrecinctBatch: a configured precinct or batch column with
// no cell value gives RCTab's placeholders; a cell holding "" stays ""
// (source notes G).
func TestRCTabGMissingPrecinctBatch(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "B=P1", "C=B7", "D=A"), row(3, "D=B"), row(4, "B!", "C=", "D=C"))
	src := rctabSource(path, 3)
	src.PrecinctColumn, src.BatchColumn = 2, 3
	res := mustRead(t, src)
	same(t, "ids", res.ids, "cvr.xlsx-1//P1/B7", "cvr.xlsx-2//missing_precinct_id/missing_batch_id", "cvr.xlsx-3//missing_precinct_id/")
	src.RCTab = false
	res = mustRead(t, src)
	same(t, "ids outside RCTab mode", res.ids, "cvr.xlsx-1//P1/B7", "cvr.xlsx-2///", "cvr.xlsx-3///")
}

// TestRCTabR1ComputedIDSanitizesTheFileName (source notes R1).
func TestRCTabR1ComputedIDSanitizesTheFileName(t *testing.T) {
	path := writeBook(t, "my cvr (é).xlsx", header, row(2, "D=A"), row(3, "D=B"))
	res := mustRead(t, rctabSource(path, 3))
	same(t, "ids", res.ids, "my_cvr____.xlsx-1///", "my_cvr____.xlsx-2///")
	if got := SanitizeFileName("a-b_c.D9 x+y"); got != "a-b_c.D9_x_y" {
		t.Errorf("SanitizeFileName = %q", got)
	}
}

// TestRCTabR2TreatBlankAsUndeclaredWriteIn: with a numeric limit every
// position without a cell value up to N is a write-in, all N of an empty
// row included; with "max" only blanks before a later present vote cell;
// the skipped-rank label is never a write-in (source notes R2).
func TestRCTabR2TreatBlankAsUndeclaredWriteIn(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header,
		row(2, "E=A"),
		emptyRow(3),
		row(4, "D=undervote", "F!", "G=B"),
		row(5, "D=C"))
	src := rctabSource(path, 4)
	src.TreatBlankAsUndeclaredWriteIn = true
	res := mustRead(t, src)
	uwi := "Undeclared Write-ins"
	same(t, "marks with maxRankingsAllowed 4", res.marks,
		"1:"+uwi+" 2:A 3:"+uwi+" 4:"+uwi,
		"1:"+uwi+" 2:"+uwi+" 3:"+uwi+" 4:"+uwi,
		"2:"+uwi+" 3:"+uwi+" 4:B",
		"1:C 2:"+uwi+" 3:"+uwi+" 4:"+uwi)
	src.MaxRankings = 0
	res = mustRead(t, src)
	same(t, `marks with "max"`, res.marks,
		"1:"+uwi+" 2:A",
		"",
		"2:"+uwi+" 3:"+uwi+" 4:B",
		"1:C")
}

// TestRCTabR3EmptyCellIsCandidateEmpty: a present cell of spaces is the
// candidate "", unrecognized unless it is an alias (source notes R3).
func TestRCTabR3EmptyCellIsCandidateEmpty(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "D=A", "E=  "))
	_, err := readAll(t, rctabSource(path, 3))
	wantErr(t, err, 2, `column E "Choice 2"`, `"" is not a declared candidate`)
	if !errors.Is(err, cvr.ErrUnknownCandidate) {
		t.Errorf("%v does not wrap ErrUnknownCandidate", err)
	}
	// Outside RCTab mode such a cell is blank.
	src := rctabSource(path, 3)
	src.RCTab = false
	res := mustRead(t, src)
	same(t, "marks outside RCTab mode", res.marks, "1:A")
}

// TestRCTabR4SkippedRankLabelInDelimitedCellFails (source notes R4).
func TestRCTabR4SkippedRankLabelInDelimitedCellFails(t *testing.T) {
	path := writeBook(t, "cvr.xlsx", header, row(2, "D=A|B", "E=C| undervote"))
	src := rctabSource(path, 3)
	src.OvervoteDelimiter = "|"
	_, err := readAll(t, src)
	wantErr(t, err, 2, `column E "Choice 2"`, `holds the skipped-rank label "undervote"`)
	src.RCTab = false
	res := mustRead(t, src)
	same(t, "marks outside RCTab mode", res.marks, "1:A 1:B 2:C")
}

// TestDuplicateBallotIDs: two rows with one supplied ID are an error in
// both modes (issue 11).
func TestDuplicateBallotIDs(t *testing.T) {
	for _, rctab := range []bool{true, false} {
		src := rctabSource(testdataPath(t, "duplicate_ids.xlsx"), 3)
		src.IDColumn, src.RCTab = 1, rctab
		_, err := readAll(t, src)
		wantErr(t, err, 4, `column A "Cast Vote Record"`, `ballot ID "17" is also the ID of row 2`)
		if !errors.Is(err, cvr.ErrDuplicateID) {
			t.Errorf("%v does not wrap ErrDuplicateID", err)
		}
	}
}

func testdataPath(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("testdata", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%v; regenerate with CANVASS_WRITE_TESTDATA=1 go test -run TestWriteTestdata ./cvr/ess", err)
	}
	return p
}

// damagedBooks are the damaged workbooks of testdata/, built here so that
// what each holds is plain to read.
var damagedBooks = []struct {
	name  string
	sheet string
	sst   string // "-": no sharedStrings.xml
}{
	{"missing_shared_strings.xlsx", `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="D1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="D2" t="s"><v>2</v></c></row>`, "-"},
	{"shared_string_out_of_range.xlsx", `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="D1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="D2" t="s"><v>2</v></c></row><row r="3"><c r="A3"><v>2</v></c><c r="D3" t="s"><v>3</v></c></row>`,
		`<si><t>Cast Vote Record</t></si><si><t>Choice 1</t></si><si><t>A</t></si>`},
	{"shared_string_not_a_number.xlsx", `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="D1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="D2" t="s"><v>A</v></c></row>`,
		`<si><t>Cast Vote Record</t></si><si><t>Choice 1</t></si><si><t>A</t></si>`},
	{"rows_out_of_order.xlsx", row(1, "A=Cast Vote Record", "D=Choice 1") + row(2, "A#1", "D=A") + row(5, "A#4", "D=B") + row(3, "A#2", "D=C") + row(4, "A#3", "D=A"), "-"},
	{"cells_out_of_order.xlsx", row(1, "A=Cast Vote Record", "D=Choice 1", "E=Choice 2") + `<row r="2"><c r="A2"><v>1</v></c><c r="E2" t="inlineStr"><is><t>B</t></is></c><c r="D2" t="inlineStr"><is><t>A</t></is></c></row>`, "-"},
	{"duplicate_ids.xlsx", header + row(2, "A#17", "D=A") + row(3, "A#18", "D=B") + row(4, "A#17", "D=C"), "-"},
}

// TestWriteTestdata regenerates testdata/ when CANVASS_WRITE_TESTDATA is set.
func TestWriteTestdata(t *testing.T) {
	if os.Getenv("CANVASS_WRITE_TESTDATA") == "" {
		t.Skip("set CANVASS_WRITE_TESTDATA=1 to rewrite testdata/")
	}
	for _, b := range damagedBooks {
		var sst []byte
		if b.sst != "-" {
			sst = []byte(b.sst)
		}
		if err := os.WriteFile(filepath.Join("testdata", b.name), xlsxParts([]byte(b.sheet), sst), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDamagedWorkbooks: each damaged workbook of issue 11 is an error at the
// cell, never a count. (Before: a missing sharedStrings.xml read every
// ballot as blank, an index out of range read as blank, a non-numeric
// index as string 0, and rows out of order were dropped.)
func TestDamagedWorkbooks(t *testing.T) {
	tests := []struct {
		name  string
		row   int
		field string
		msg   string
	}{
		{"missing_shared_strings.xlsx", 1, "cell A1", "refers to shared string 0 but the workbook has no shared strings part (xl/sharedStrings.xml)"},
		{"shared_string_out_of_range.xlsx", 3, "cell D3", "refers to shared string 3 but the workbook has 3 shared strings (0 to 2)"},
		{"shared_string_not_a_number.xlsx", 2, "cell D2", `shared-string index "A" is not a number`},
		{"rows_out_of_order.xlsx", 3, "", "row 3 comes after row 5; the rows of a worksheet must be in increasing order"},
		{"cells_out_of_order.xlsx", 2, "cell D2", "the cell comes after column E in row 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, rctab := range []bool{true, false} {
				src := rctabSource(testdataPath(t, tt.name), 1)
				src.FirstVoteColumn, src.RCTab = 4, rctab
				res, err := readAll(t, src)
				wantErr(t, err, tt.row, tt.field, tt.msg)
				if !strings.Contains(err.Error(), "the workbook is damaged") || !strings.Contains(err.Error(), "re-export the CVR file") {
					t.Errorf("error %q does not say the workbook is damaged and what to do", err)
				}
				if !strings.Contains(err.Error(), src.Path) {
					t.Errorf("error %q does not name the file", err)
				}
				_ = res
			}
		})
	}
}

// TestSheetMatchesExcelize reads every ES&S workbook of the RCTab fixtures
// with the streaming sheet reader and with excelize, and compares them cell
// by cell (a missing row or cell is ""), so that the switch away from
// excelize changes no value.
func TestSheetMatchesExcelize(t *testing.T) {
	paths, err := filepath.Glob(fixture.Path(t, "*", "*.xlsx"))
	if err != nil || len(paths) < 20 {
		t.Fatalf("%d workbooks, %v", len(paths), err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			if testing.Short() && strings.Contains(p, "minneapolis") {
				t.Skip("large workbook")
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want := excelizeRows(t, raw)
			got := streamRows(t, raw)
			if len(got) != len(want) {
				t.Fatalf("%d rows, excelize %d", len(got), len(want))
			}
			cells := 0
			for i := range want {
				if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
					t.Fatalf("row %d: %q, excelize %q", i+1, got[i], want[i])
				}
				cells += len(want[i])
			}
			if cells == 0 {
				t.Fatal("no cells compared")
			}
		})
	}
}

func trimRow(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

func excelizeRows(t testing.TB, raw []byte) [][]string {
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, trimRow(append([]string(nil), cols...)))
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	return out
}

func streamRows(t testing.TB, raw []byte) [][]string {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		t.Fatal(err)
	}
	rows, c, err := wb.rows()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out [][]string
	for {
		r, more, err := rows.next()
		if err != nil {
			t.Fatal(err)
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
	return out
}
