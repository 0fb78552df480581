package witness

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Limits on policy files. The tlog-policy spec recommends supporting at
// least 32 logs, witnesses and groups; these leave ample room while keeping
// a hostile file from costing much.
const (
	maxPolicyBytes   = 1 << 20
	maxPolicyEntries = 1024 // per kind: logs, witnesses, groups
)

// Policy is a parsed c2sp.org/tlog-policy file: the logs whose checkpoints
// are acceptable, the known witnesses, witness groups, and the quorum of
// cosignatures a checkpoint needs.
type Policy struct {
	Logs      []PolicyLog     // in file order
	Witnesses []PolicyWitness // in file order
	Groups    []PolicyGroup   // in file order
	// Quorum names the witness or group whose agreement is required, or is
	// "none" when no cosignature is required.
	Quorum     string
	QuorumLine int // line of the quorum definition; 0 when there is none

	names map[string]nameDef // witnesses and groups by name
}

// nameDef records what a policy name refers to.
type nameDef struct {
	group bool
	index int // into Witnesses or Groups
	line  int
}

// PolicyLog is a "log <vkey> [<url>]" line. The vkey's key name is the log's
// checkpoint origin.
type PolicyLog struct {
	Key      VerifierKey // the log's checkpoint key
	URL      string      // optional; application specific
	Line     int         // line number in the policy file
	verifier note.Verifier
}

// Origin returns the log's origin, which tlog-policy defines as its key name.
func (l PolicyLog) Origin() string { return l.Key.Name }

// Verifier returns a note verifier for the log's checkpoint signatures.
func (l PolicyLog) Verifier() note.Verifier { return l.verifier }

// PolicyWitness is a "witness <name> <vkey> [<url>]" line.
type PolicyWitness struct {
	Name     string      // policy-local name, used by groups and the quorum
	Key      VerifierKey // the witness's cosigning key
	URL      string      // optional; the witness's submission prefix
	Line     int         // line number in the policy file
	verifier *CosignatureVerifier
}

// Verifier returns a note verifier for the witness's cosignatures.
func (w PolicyWitness) Verifier() note.Verifier { return w.verifier }

// PolicyGroup is a "group <name> <all|any|k> <member>..." line. The group
// has witnessed a checkpoint when at least Threshold of its members have.
type PolicyGroup struct {
	Name      string   // policy-local name
	Threshold int      // members that must have witnessed, 1..len(Members)
	Members   []string // names of witnesses and earlier groups
	Line      int      // line number in the policy file
}

// ParsePolicy parses a tlog-policy file. Errors are *SyntaxError values
// naming the line, e.g. a group that refers to a name not defined on an
// earlier line, a threshold outside 1..n, duplicate keys or names, a
// missing or repeated quorum line, or a byte outside the permitted set.
func ParsePolicy(data []byte) (*Policy, error) {
	return parsePolicy(data, true)
}

// policyFields splits a line on runs of ASCII spaces and tabs, the only
// whitespace tlog-policy recognises; other bytes, including non-ASCII
// spaces, belong to names.
func policyFields(line []byte) []string {
	var f []string
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			f = append(f, string(line[i:j]))
		}
		i = j
	}
	return f
}

func parsePolicy(data []byte, requireQuorum bool) (*Policy, error) {
	if len(data) > maxPolicyBytes {
		return nil, syntaxErr(1, 0, "policy is %d bytes; the limit is %d", len(data), maxPolicyBytes)
	}
	p := &Policy{names: map[string]nameDef{}}
	logKeys := map[string]int{}     // public key -> line, for duplicate detection
	witnessKeys := map[string]int{} // public key -> line
	lineNo, off := 0, 0
	for off < len(data) {
		lineNo++
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off // tolerate a missing final newline
		}
		line := data[off : off+end]
		at := off
		off += end + 1
		for i, c := range line {
			if c != '\t' && (c < 0x20 || c == 0x7f) {
				hint := ""
				if c == '\r' {
					hint = " (the file has CRLF line endings; convert it to LF)"
				}
				return nil, syntaxErr(lineNo, at+i, "byte 0x%02x is not allowed in a policy file; only tab, newline, printable ASCII and bytes 0x80-0xff are%s", c, hint)
			}
		}
		f := policyFields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		perr := func(format string, args ...any) error {
			return syntaxErr(lineNo, at, format, args...)
		}
		switch f[0] {
		case "log":
			if len(f) < 2 || len(f) > 3 {
				return nil, perr("want \"log <vkey> [<url>]\", got %d fields", len(f))
			}
			if len(p.Logs) == maxPolicyEntries {
				return nil, perr("more than %d logs", maxPolicyEntries)
			}
			k, err := ParseVerifierKey(f[1])
			if err != nil {
				return nil, perr("%v", err)
			}
			v, err := k.logVerifier()
			if err != nil {
				return nil, perr("%v", err)
			}
			if prev, dup := logKeys[string(k.PublicKey)]; dup {
				return nil, perr("log key %s duplicates the public key of the log on line %d", k.Name, prev)
			}
			logKeys[string(k.PublicKey)] = lineNo
			u, err := optionalURL(f, 2)
			if err != nil {
				return nil, perr("%v", err)
			}
			p.Logs = append(p.Logs, PolicyLog{Key: k, URL: u, Line: lineNo, verifier: v})
		case "witness":
			if len(f) < 3 || len(f) > 4 {
				return nil, perr("want \"witness <name> <vkey> [<url>]\", got %d fields", len(f))
			}
			if len(p.Witnesses) == maxPolicyEntries {
				return nil, perr("more than %d witnesses", maxPolicyEntries)
			}
			name := f[1]
			if err := p.checkNewName(name); err != nil {
				return nil, perr("%v", err)
			}
			k, err := ParseVerifierKey(f[2])
			if err != nil {
				return nil, perr("witness %s: %v", name, err)
			}
			v, err := k.witnessVerifier()
			if err != nil {
				return nil, perr("witness %s: %v", name, err)
			}
			if prev, dup := witnessKeys[string(k.PublicKey)]; dup {
				return nil, perr("witness %s has the same public key as the witness on line %d", name, prev)
			}
			witnessKeys[string(k.PublicKey)] = lineNo
			u, err := optionalURL(f, 3)
			if err != nil {
				return nil, perr("witness %s: %v", name, err)
			}
			p.names[name] = nameDef{index: len(p.Witnesses), line: lineNo}
			p.Witnesses = append(p.Witnesses, PolicyWitness{Name: name, Key: k, URL: u, Line: lineNo, verifier: v})
		case "group":
			if len(f) < 4 {
				return nil, perr("want \"group <name> <all|any|k> <member>...\" with at least one member")
			}
			if len(p.Groups) == maxPolicyEntries {
				return nil, perr("more than %d groups", maxPolicyEntries)
			}
			name, members := f[1], f[3:]
			if err := p.checkNewName(name); err != nil {
				return nil, perr("%v", err)
			}
			seen := map[string]bool{}
			for _, m := range members {
				if m == "none" {
					return nil, perr("group %s: none cannot be a group member", name)
				}
				if _, ok := p.names[m]; !ok {
					return nil, perr("group %s: member %q is not a witness or group defined on an earlier line", name, truncate(m))
				}
				if seen[m] {
					return nil, perr("group %s: member %q is listed twice", name, truncate(m))
				}
				seen[m] = true
			}
			k, err := parseThreshold(f[2], len(members))
			if err != nil {
				return nil, perr("group %s: %v", name, err)
			}
			p.names[name] = nameDef{group: true, index: len(p.Groups), line: lineNo}
			p.Groups = append(p.Groups, PolicyGroup{Name: name, Threshold: k, Members: members, Line: lineNo})
		case "quorum":
			if len(f) != 2 {
				return nil, perr("want \"quorum <name>\"")
			}
			if p.QuorumLine != 0 {
				return nil, perr("second quorum line; the quorum is already defined on line %d", p.QuorumLine)
			}
			if _, ok := p.names[f[1]]; !ok && f[1] != "none" {
				return nil, perr("quorum %q is not none or a witness or group defined on an earlier line", truncate(f[1]))
			}
			p.Quorum, p.QuorumLine = f[1], lineNo
		default:
			return nil, perr("unknown keyword %q; want log, witness, group or quorum", truncate(f[0]))
		}
	}
	if requireQuorum && p.QuorumLine == 0 {
		return nil, syntaxErr(lineNo+1, len(data), "policy has no quorum line; add \"quorum <name>\" or \"quorum none\"")
	}
	return p, nil
}

// checkNewName reports whether name may be defined as a new witness or
// group: witnesses and groups share one namespace, and "none" is
// predefined.
func (p *Policy) checkNewName(name string) error {
	if name == "none" {
		return errors.New("the name none is predefined and cannot be redefined")
	}
	if d, ok := p.names[name]; ok {
		return fmt.Errorf("name %q is already defined on line %d", truncate(name), d.line)
	}
	return nil
}

func parseThreshold(s string, n int) (int, error) {
	switch s {
	case "any":
		return 1, nil
	case "all":
		return n, nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("threshold %q must be all, any or a decimal number", truncate(s))
		}
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 1 || k > n {
		return 0, fmt.Errorf("threshold %s must be between 1 and the number of members, %d", truncate(s), n)
	}
	return k, nil
}

func optionalURL(f []string, i int) (string, error) {
	if len(f) <= i {
		return "", nil
	}
	if _, err := url.Parse(f[i]); err != nil {
		return "", fmt.Errorf("URL %q does not parse: %v", truncate(f[i]), err)
	}
	return f[i], nil
}

// Format returns the policy in tlog-policy syntax: logs, then witnesses,
// then groups in definition order, then the quorum. Parsing the result
// yields an equivalent policy.
func (p *Policy) Format() []byte {
	var b bytes.Buffer
	for _, l := range p.Logs {
		b.WriteString("log " + l.Key.String())
		if l.URL != "" {
			b.WriteString(" " + l.URL)
		}
		b.WriteByte('\n')
	}
	for _, w := range p.Witnesses {
		b.WriteString("witness " + w.Name + " " + w.Key.String())
		if w.URL != "" {
			b.WriteString(" " + w.URL)
		}
		b.WriteByte('\n')
	}
	for _, g := range p.Groups {
		fmt.Fprintf(&b, "group %s %d %s\n", g.Name, g.Threshold, strings.Join(g.Members, " "))
	}
	if p.QuorumLine != 0 {
		b.WriteString("quorum " + p.Quorum + "\n")
	}
	return b.Bytes()
}

// Cosignature is a verified witness cosignature on a checkpoint.
type Cosignature struct {
	Witness string    // the witness's name in the policy
	KeyName string    // the key name in the signature line
	Time    time.Time // the cosignature's timestamp
}

// Verified describes a checkpoint that satisfied a policy.
type Verified struct {
	Checkpoint   Checkpoint    // the parsed checkpoint text
	LogKeys      []string      // key names of the log signatures that verified
	Cosignatures []Cosignature // valid cosignatures from policy witnesses, in note order
}

// QuorumError reports a checkpoint that the log signed but that too few
// witnesses cosigned.
type QuorumError struct {
	Quorum  string   // the policy's quorum name
	Signed  []string // witnesses with a valid cosignature
	Missing []string // witnesses without one
}

// Error implements error.
func (e *QuorumError) Error() string {
	signed, missing := "none", "none"
	if len(e.Signed) > 0 {
		signed = strings.Join(e.Signed, ", ")
	}
	if len(e.Missing) > 0 {
		missing = strings.Join(e.Missing, ", ")
	}
	return fmt.Sprintf("witness quorum %s is not met: valid cosignatures from %s; missing from %s", e.Quorum, signed, missing)
}

type nameHash struct {
	name string
	id   uint32
}

// Verify checks that signedCheckpoint is a well-formed checkpoint note
// signed by a log in the policy whose origin is the checkpoint's origin (or
// by one of logKeys, for applications that know the log from elsewhere;
// a key in logKeys with the same name and key ID as a policy log is
// skipped in favour of the policy's),
// and that valid cosignatures from the policy's witnesses satisfy the
// quorum. Signatures from unknown keys are ignored; a signature that
// claims a known key but does not verify rejects the whole note, as
// signed-note advises. A failed quorum returns a *QuorumError naming the
// witnesses that did and did not cosign.
func (p *Policy) Verify(signedCheckpoint []byte, logKeys ...note.Verifier) (*Verified, error) {
	if p.QuorumLine == 0 {
		return nil, errors.New("policy has no quorum line, so it cannot verify checkpoints")
	}
	text, _, err := splitNote(signedCheckpoint, 1, 0)
	if err != nil {
		return nil, fmt.Errorf("malformed signed checkpoint: %w", err)
	}
	cp, err := parseCheckpoint(text, 1, 0)
	if err != nil {
		return nil, fmt.Errorf("malformed signed checkpoint: %w", err)
	}
	isLog := map[nameHash]bool{}
	witnessOf := map[nameHash]string{}
	var vs []note.Verifier
	var logNames []string
	for _, l := range p.Logs {
		if l.Key.Name == cp.Origin {
			vs = append(vs, l.verifier)
			isLog[nameHash{l.Key.Name, l.Key.ID}] = true
			logNames = append(logNames, l.Key.Name)
		}
	}
	for _, v := range logKeys {
		// A caller may pass a key the policy already lists; listing it
		// twice would make note.Open reject the key as ambiguous.
		id := nameHash{v.Name(), v.KeyHash()}
		if isLog[id] {
			continue
		}
		vs = append(vs, v)
		isLog[id] = true
		logNames = append(logNames, v.Name())
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("checkpoint origin %q is not a log in the policy; add a \"log <vkey>\" line whose key name is the origin", truncate(cp.Origin))
	}
	for _, w := range p.Witnesses {
		id := nameHash{w.Key.Name, w.Key.ID}
		if isLog[id] {
			return nil, fmt.Errorf("witness %s uses the same key name and key ID as the log; give the witness its own key", w.Name)
		}
		vs = append(vs, w.verifier)
		witnessOf[id] = w.Name
	}
	n, err := note.Open(signedCheckpoint, note.VerifierList(vs...))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			return nil, fmt.Errorf("signature from %s (key ID %08x) does not verify; the checkpoint or the signature was altered: %w", inv.Name, inv.Hash, err)
		case errors.As(err, &unv):
			return nil, fmt.Errorf("checkpoint for %s carries no valid signature from the log (keys: %s) or any policy witness", truncate(cp.Origin), strings.Join(logNames, ", "))
		}
		return nil, fmt.Errorf("opening signed checkpoint: %w", err)
	}
	out := &Verified{Checkpoint: cp}
	signed := map[string]bool{}
	for _, s := range n.Sigs {
		id := nameHash{s.Name, s.Hash}
		if isLog[id] {
			out.LogKeys = append(out.LogKeys, s.Name)
			continue
		}
		w, ok := witnessOf[id]
		if !ok {
			continue
		}
		t, err := CosignatureTimestamp(s)
		if err != nil {
			return nil, err
		}
		signed[w] = true
		out.Cosignatures = append(out.Cosignatures, Cosignature{Witness: w, KeyName: s.Name, Time: t})
	}
	if len(out.LogKeys) == 0 {
		return nil, fmt.Errorf("checkpoint for %s is not signed by the log (keys: %s); it has only witness cosignatures", truncate(cp.Origin), strings.Join(logNames, ", "))
	}
	if !p.witnessed(p.Quorum, signed) {
		qe := &QuorumError{Quorum: p.Quorum}
		for _, w := range p.Witnesses {
			if signed[w.Name] {
				qe.Signed = append(qe.Signed, w.Name)
			} else {
				qe.Missing = append(qe.Missing, w.Name)
			}
		}
		return nil, qe
	}
	return out, nil
}

// witnessed reports whether the witness or group name has witnessed a
// checkpoint cosigned by the witnesses in signed. Groups only refer to
// earlier definitions, so the recursion terminates; its depth is bounded
// by the number of groups.
func (p *Policy) witnessed(name string, signed map[string]bool) bool {
	if name == "none" {
		return true
	}
	d, ok := p.names[name]
	if !ok {
		return false
	}
	if !d.group {
		return signed[name]
	}
	g := p.Groups[d.index]
	got := 0
	for _, m := range g.Members {
		if p.witnessed(m, signed) {
			got++
			if got >= g.Threshold {
				return true
			}
		}
	}
	return false
}

// LogList is the set of logs a witness serves: for each origin, the log
// keys it trusts.
type LogList struct {
	Logs     []PolicyLog // the log lines, in file order
	byOrigin map[string][]note.Verifier
}

// ParseLogList parses a witness's known-logs file. Its syntax is tlog-policy:
// the witness reads the "log <vkey> [<url>]" lines, whose key names are the
// log origins; several keys for one origin (key rotation) are allowed.
// Witness, group and quorum lines are checked but otherwise ignored, and no
// quorum line is needed, so a full policy file also works.
func ParseLogList(data []byte) (*LogList, error) {
	p, err := parsePolicy(data, false)
	if err != nil {
		return nil, err
	}
	if len(p.Logs) == 0 {
		return nil, errors.New("no \"log <vkey>\" lines: a witness needs at least one log to serve")
	}
	l := &LogList{Logs: p.Logs, byOrigin: map[string][]note.Verifier{}}
	for _, pl := range p.Logs {
		l.byOrigin[pl.Origin()] = append(l.byOrigin[pl.Origin()], pl.verifier)
	}
	return l, nil
}

// Verifiers returns the log keys trusted for origin, or nil if the origin
// is unknown.
func (l *LogList) Verifiers(origin string) []note.Verifier { return l.byOrigin[origin] }

// Origins returns the known origins in file order, without repeats.
func (l *LogList) Origins() []string {
	var out []string
	seen := map[string]bool{}
	for _, pl := range l.Logs {
		if !seen[pl.Origin()] {
			seen[pl.Origin()] = true
			out = append(out, pl.Origin())
		}
	}
	return out
}
