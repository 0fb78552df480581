package office

import (
	"sort"

	"github.com/canvass/canvass/verify"
)

// The audit report files of an evidence package (audits/<id>/report.json
// and one CSV per table): not committed in the log but derived from it,
// the same bytes /public/audits/{a}/ serves, which claim 4 of
// "canvass verify" derives again and compares. An audit whose record does
// not re-derive gets none; the verifier says why.
func auditReportFiles(ev *verify.Evidence, read verify.ReadFile) (map[string][]byte, error) {
	return verify.AuditReportFiles(ev, read)
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
