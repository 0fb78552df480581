package cvrread

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// JavaTrim removes leading and trailing bytes <= ' ' (ASCII space and
// control characters), exactly as Java's String.trim does in RCTab. Unlike
// strings.TrimSpace it leaves Unicode spaces such as U+00A0 in place, so
// that a cell matches a candidate exactly when it does in RCTab.
//
// It works on strings and on byte slices (a CSV scanner's fields) alike and
// returns a subslice of s, without allocating.
func JavaTrim[T string | []byte](s T) T {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

// BlankRecord reports whether every field of a record is empty or white
// space (as JavaTrim sees it). Spreadsheets export formatted empty rows as
// such records (",,,,"); readers skip them rather than count a ballot.
func BlankRecord[T string | []byte](fields []T) bool {
	for _, f := range fields {
		if len(JavaTrim(f)) > 0 {
			return false
		}
	}
	return true
}

// Quote quotes s for an error message, shortened so that a huge cell does
// not flood the message: past 80 bytes it is cut (at a character boundary)
// and its length given.
func Quote(s string) string {
	const show = 80
	if len(s) <= show {
		return strconv.Quote(s)
	}
	cut := show
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d bytes)", len(s))
}

// ColumnName names the 0-based column i of a CSV file for Error.Field: its
// 1-based number and, when not empty, its quoted header ("column 4
// \"Mayor\"").
func ColumnName(i int, header string) string {
	if header == "" {
		return fmt.Sprintf("column %d", i+1)
	}
	return fmt.Sprintf("column %d %s", i+1, Quote(header))
}
