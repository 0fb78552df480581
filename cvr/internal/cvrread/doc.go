// Package cvrread holds what the vendor readers under cvr share and
// nothing outside them needs: matching tokens to candidates as RCTab does
// (Choices, JavaTrim, DeclareCandidates, ContestFor), undoing a failed read
// (Snapshot, Undoable), walking the ballot rows of a CSV export (Ballots),
// putting marks in canonical order (SortMarks, DedupeMarks), sharing the
// strings that repeat from record to record (Interner), and the pieces of
// their errors (Quote, ColumnName, CSVError, OpenFile).
package cvrread
