package record

import (
	"database/sql"

	"github.com/canvass/canvass/store"
)

// ScanRecords reads rows of (kind, parent, id, data) to the end and closes
// them. Its errors are the driver's; the backend adds its name.
func ScanRecords(rows *sql.Rows) ([]store.Record, error) {
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.Kind, &r.Parent, &r.ID, &r.Data); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ScanStrings reads rows of one text column to the end and closes them.
// Its errors are the driver's; the backend adds its name.
func ScanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// NonNil makes empty blobs read back and store the same way whatever the
// driver does with a nil slice: the columns are NOT NULL, and callers get a
// non-nil empty slice.
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
