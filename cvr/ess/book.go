package ess

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"path"
	"strings"
)

// Finding the parts of a workbook: the first worksheet and the shared
// strings, through xl/workbook.xml and its relationships, as excelize does.

// firstSheet returns the zip path and the name of the workbook's first
// worksheet, the one excelize's GetSheetList lists first.
func firstSheet(zr *zip.Reader) (part, name string, rels []relationship, err error) {
	var wb struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return "", "", nil, err
	}
	if len(wb.Sheets) == 0 {
		return "", "", nil, errNoSheet
	}
	id := ""
	for _, a := range wb.Sheets[0].Attrs {
		switch a.Name.Local {
		case "id":
			id = a.Value
		case "name":
			name = a.Value
		}
	}
	rels, err = workbookRels(zr)
	if err != nil {
		return "", "", nil, err
	}
	for _, r := range rels {
		if r.ID == id {
			return partPath(r.Target), name, rels, nil
		}
	}
	return "", "", nil, fmt.Errorf("the workbook's first worksheet (relationship %q) has no target in xl/_rels/workbook.xml.rels", id)
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

func workbookRels(zr *zip.Reader) ([]relationship, error) {
	var rels struct {
		Rel []relationship `xml:"Relationship"`
	}
	err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels)
	return rels.Rel, err
}

func partPath(target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join("xl", target)
}

// sharedStringsPart returns the zip path of the shared strings: the target
// of the workbook's sharedStrings relationship, or xl/sharedStrings.xml.
func sharedStringsPart(rels []relationship) string {
	for _, r := range rels {
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			return partPath(r.Target)
		}
	}
	return "xl/sharedStrings.xml"
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
