package ess

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// excelize's row iterator ends quietly when the worksheet XML is malformed
// or cut short, which would drop the remaining ballots without a word. So
// after reading, the reader scans the raw worksheet for its row tags and
// for the end of the sheet data, and reports a damaged sheet if excelize
// stopped early.

// sheetExtent is what a raw scan of a worksheet finds.
type sheetExtent struct {
	maxRow int  // largest r attribute of a <row>
	rows   int  // number of <row> elements
	closed bool // </sheetData> (or <sheetData/>) was reached
}

// checkComplete returns an error if the first worksheet in zr holds rows
// beyond lastRow, the last row excelize returned, or does not end properly.
func checkComplete(zr *zip.Reader, lastRow int) error {
	part, err := firstSheetPart(zr)
	if err != nil {
		return err
	}
	zf := findPart(zr, part)
	if zf == nil {
		return fmt.Errorf("the workbook lists worksheet %s but does not contain it", part)
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	ext, err := scanSheet(rc)
	if err != nil {
		return err
	}
	switch {
	case ext.maxRow > lastRow:
		return fmt.Errorf("the worksheet has rows up to %d but its XML cannot be read after row %d", ext.maxRow, lastRow)
	case ext.maxRow == 0 && ext.rows > lastRow:
		return fmt.Errorf("the worksheet has %d rows but its XML cannot be read after row %d", ext.rows, lastRow)
	case !ext.closed:
		return fmt.Errorf("the worksheet XML ends after row %d without closing the sheet data; the file is cut short", lastRow)
	}
	return nil
}

// scanSheet finds the row tags and the end of the sheet data by looking at
// every tag name, without decoding the XML.
func scanSheet(r io.Reader) (sheetExtent, error) {
	var ext sheetExtent
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				return ext, nil
			}
			return ext, err
		}
		head, _ := br.Peek(64)
		closing := len(head) > 0 && head[0] == '/'
		if closing {
			head = head[1:]
		}
		end := bytes.IndexAny(head, " \t\r\n/>")
		if end < 0 {
			end = len(head)
		}
		name := head[:end]
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		switch {
		case closing && string(name) == "sheetData":
			ext.closed = true
		case !closing && string(name) == "sheetData":
			tag, err := br.ReadSlice('>')
			if err != nil && err != bufio.ErrBufferFull {
				return ext, nilIfEOF(err)
			}
			if bytes.HasSuffix(tag, []byte("/>")) {
				ext.closed = true
			}
		case !closing && string(name) == "row":
			tag, err := br.ReadSlice('>')
			if err != nil && err != bufio.ErrBufferFull {
				return ext, nilIfEOF(err)
			}
			ext.rows++
			if n := rowNumber(tag); n > ext.maxRow {
				ext.maxRow = n
			}
		}
	}
}

func nilIfEOF(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return err
}

// rowNumber returns the r attribute of a row tag, or 0.
func rowNumber(tag []byte) int {
	for i := 0; i+3 < len(tag); i++ {
		if tag[i] == 'r' && tag[i+1] == '=' && (tag[i+2] == '"' || tag[i+2] == '\'') && i > 0 && (tag[i-1] == ' ' || tag[i-1] == '\t' || tag[i-1] == '\n' || tag[i-1] == '\r') {
			rest := tag[i+3:]
			j := bytes.IndexByte(rest, tag[i+2])
			if j < 0 {
				return 0
			}
			n, err := strconv.Atoi(string(rest[:j]))
			if err != nil {
				return 0
			}
			return n
		}
	}
	return 0
}

// firstSheetPart returns the zip path of the workbook's first worksheet,
// the one excelize's GetSheetList lists first.
func firstSheetPart(zr *zip.Reader) (string, error) {
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return "", err
	}
	if len(wb.Sheets) == 0 {
		return "", errors.New("the workbook lists no worksheets")
	}
	id := ""
	for _, a := range wb.Sheets[0].Attrs {
		if a.Name.Local == "id" {
			id = a.Value
		}
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", err
	}
	for _, r := range rels.Rel {
		if r.ID == id {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join("xl", r.Target), nil
		}
	}
	return "", fmt.Errorf("the workbook's first worksheet (relationship %q) has no target", id)
}

func decodePart(zr *zip.Reader, name string, v any) error {
	zf := findPart(zr, name)
	if zf == nil {
		return fmt.Errorf("the workbook has no %s", name)
	}
	if zf.UncompressedSize64 > 64<<20 {
		return fmt.Errorf("%s is implausibly large", name)
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// findPart finds a zip entry by name, ignoring case and the direction of
// slashes, as excelize does.
func findPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return f
		}
	}
	return nil
}
