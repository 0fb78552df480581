// Package rctab runs RCTab contest configurations: it loads and validates
// an RCTab configuration file, reads the cast vote records it names with
// the registered readers of package cvr, counts the contest with package
// tabulate and returns RCTab's report files, in memory.
//
// Nothing here writes to disk; the caller decides where, and how safely,
// the files are stored.
package rctab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	pathpkg "path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/canvass/canvass/cvr"
	"github.com/canvass/canvass/tabulate"
)

// MaxConfigBytes bounds the configuration file; real ones are a few KB.
const MaxConfigBytes = 16 << 20

// Config is a loaded RCTab contest configuration.
type Config struct {
	// FS holds the configuration and its CVR files (nil: the operating
	// system's files). Path is the configuration file in it; Dir its
	// folder, against which CVR paths are resolved.
	FS   fs.FS
	Path string
	Dir  string

	TabulatorVersion string
	Output           OutputSettings
	Sources          []Source
	Candidates       []Candidate
	Rules            Rules
	// RawRules is the rules object exactly as the file holds it, so that a
	// results manifest can record the rules verbatim.
	RawRules json.RawMessage
	// Warnings are things RCTab accepts without a word that an operator
	// should still know about, e.g. a setting RCTab ignores. They do not
	// change the count; callers should show them (stderr, the manifest).
	Warnings []string
}

// OutputSettings is RCTab's outputSettings section.
type OutputSettings struct {
	ContestName         string
	OutputDirectory     string
	ContestDate         string
	ContestJurisdiction string
	ContestOffice       string
	TabulateByPrecinct  bool
	TabulateByBatch     bool
	GenerateCdfJSON     bool
}

// Source is one entry of cvrFileSources. Index fields are 1-based; 0 means
// not set.
type Source struct {
	Provider string
	// FilePath is as written in the configuration; Path is it resolved
	// against the configuration's folder.
	FilePath string
	Path     string

	ContestID            string
	FirstVoteColumnIndex int
	FirstVoteRowIndex    int
	IDColumnIndex        int
	BatchColumnIndex     int
	PrecinctColumnIndex  int
	OvervoteDelimiter    string
	OvervoteLabel        string
	// UndervoteLabel is the skippedRankLabel. The deprecated key
	// undervoteLabel is not read: RCTab's command line ignores it (source
	// notes V12).
	UndervoteLabel                string
	UndeclaredWriteInLabel        string
	TreatBlankAsUndeclaredWriteIn bool
}

// Candidate is one entry of candidates.
type Candidate struct {
	Name     string
	Aliases  []string
	Excluded bool
}

// Rules is RCTab's rules section. Numeric settings that are absent are left
// at their zero value and flagged in Set.
type Rules struct {
	TiebreakMode                          string
	OvervoteRule                          string
	WinnerElectionMode                    string
	RandomSeed                            int64
	NumberOfWinners                       int
	MultiSeatBottomsUpPercentageThreshold tabulate.Decimal
	DecimalPlacesForVoteArithmetic        int
	// MaxSkippedRanksAllowed is tabulate.UnlimitedSkippedRanks for
	// "unlimited".
	MaxSkippedRanksAllowed int
	// MaxRankingsAllowed is 0 for "max", which sets no limit of its own
	// (source notes A); see MaxRankings and ExportColumns.
	MaxRankingsAllowed               int
	MaxRankingsIsMax                 bool
	NonIntegerWinningThreshold       bool
	DoesFirstRoundDetermineThreshold bool
	HareQuota                        bool
	BatchElimination                 bool
	ContinueUntilTwoCandidatesRemain bool
	CutoffElimination                bool
	ExhaustOnDuplicateCandidate      bool
	StopTabulationEarlyAfterRound    int
	RulesDescription                 string

	// Set records which optional settings were given.
	Set map[string]bool
}

// ConfigError lists everything wrong with a configuration, so an operator
// can fix it in one pass.
type ConfigError struct {
	Path     string
	Problems []string
}

// Error lists the problems, one per line.
func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid RCTab configuration %s (%d problem", e.Path, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteByte('s')
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

// ErrInvalidConfig is matched (errors.Is) by every *ConfigError.
var ErrInvalidConfig = errors.New("invalid RCTab configuration")

// Is lets errors.Is(err, ErrInvalidConfig) recognize configuration errors.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// LoadConfig reads and validates the configuration file name in fsys (nil:
// name is an operating-system path). Numbers may be written as JSON numbers
// or strings, and an empty string means "not set". RCTab ignores keys it
// does not know (source notes V6, V12); canvass refuses a key that looks
// like a misspelling of a known one, naming the key it probably means, and
// warns about any other unknown key.
func LoadConfig(fsys fs.FS, name string) (*Config, error) {
	return loadConfig(cvr.Source{FS: fsys}, name)
}

// loadConfig reads the configuration through src's opener, so that a run
// commits to the configuration it read as to its CVRs.
func loadConfig(src cvr.Source, path string) (*Config, error) {
	f, err := src.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the RCTab configuration: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the RCTab configuration %s: %w", path, err)
	}
	if len(data) > MaxConfigBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes; it is not an RCTab configuration", path, MaxConfigBytes)
	}
	return ParseConfig(data, src.FS, path)
}

// ParseConfig parses and validates configuration text data; path names it
// in errors and anchors CVR paths, which must name files in fsys (nil: the
// operating system's files). Besides the settings themselves it checks that
// the CVR files exist, and, in fsys, that no filePath is absolute or leads
// out of fsys with "..".
func ParseConfig(data []byte, fsys fs.FS, path string) (*Config, error) {
	p := &parser{}
	cfg := &Config{FS: fsys, Path: path, Dir: filepath.Dir(path)}
	if fsys != nil {
		cfg.Dir = pathpkg.Dir(path)
	}
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return nil, &ConfigError{Path: path, Problems: []string{fmt.Sprintf("line %d, column %d: not valid JSON: %v", line, col, err)}}
		}
		return nil, &ConfigError{Path: path, Problems: []string{fmt.Sprintf("not an RCTab configuration (a JSON object with outputSettings, cvrFileSources, candidates and rules): %v", err)}}
	}
	if dec.More() {
		return nil, &ConfigError{Path: path, Problems: []string{"unexpected data after the JSON object"}}
	}
	cfg.TabulatorVersion, _ = p.str(top, "tabulatorVersion", "tabulatorVersion")
	cfg.RawRules = top["rules"]
	p.checkKeys(top, "", topKeys, nil)

	out := p.object(top, "outputSettings", "outputSettings")
	p.checkKeys(out, "outputSettings.", outputKeys, nil)
	o := &cfg.Output
	o.ContestName, _ = p.str(out, "contestName", "outputSettings.contestName")
	o.OutputDirectory, _ = p.str(out, "outputDirectory", "outputSettings.outputDirectory")
	o.ContestDate, _ = p.str(out, "contestDate", "outputSettings.contestDate")
	o.ContestJurisdiction, _ = p.str(out, "contestJurisdiction", "outputSettings.contestJurisdiction")
	o.ContestOffice, _ = p.str(out, "contestOffice", "outputSettings.contestOffice")
	o.TabulateByPrecinct, _ = p.boolean(out, "tabulateByPrecinct", "outputSettings.tabulateByPrecinct")
	o.TabulateByBatch, _ = p.boolean(out, "tabulateByBatch", "outputSettings.tabulateByBatch")
	o.GenerateCdfJSON, _ = p.boolean(out, "generateCdfJson", "outputSettings.generateCdfJson")

	for i, raw := range p.array(top, "cvrFileSources", "cvrFileSources") {
		at := fmt.Sprintf("cvrFileSources[%d]", i+1)
		var m map[string]json.RawMessage
		if err := unmarshalObject(raw, &m); err != nil {
			p.add("%s: expected an object with provider and filePath", at)
			continue
		}
		p.checkKeys(m, at+".", sourceKeys, map[string]string{
			"undervoteLabel": "RCTab's command line ignores this deprecated key (only its GUI migrates it); use skippedRankLabel",
		})
		s := Source{}
		s.Provider, _ = p.str(m, "provider", at+".provider")
		s.FilePath, _ = p.str(m, "filePath", at+".filePath")
		if s.FilePath != "" {
			s.Path = s.FilePath
			switch {
			case fsys != nil:
				s.Path = pathpkg.Join(cfg.Dir, filepath.ToSlash(s.FilePath))
				if pathpkg.IsAbs(filepath.ToSlash(s.FilePath)) || filepath.IsAbs(s.FilePath) || !fs.ValidPath(s.Path) {
					p.add("%s.filePath: %q leads outside the folder the configuration was given in; name the CVR files relative to the configuration, inside that folder", at, s.FilePath)
					s.Path = ""
				}
			case !filepath.IsAbs(s.Path):
				s.Path = filepath.Join(cfg.Dir, s.Path)
			}
		}
		s.ContestID, _ = p.str(m, "contestId", at+".contestId")
		s.FirstVoteColumnIndex, _ = p.integer(m, "firstVoteColumnIndex", at+".firstVoteColumnIndex")
		s.FirstVoteRowIndex, _ = p.integer(m, "firstVoteRowIndex", at+".firstVoteRowIndex")
		s.IDColumnIndex, _ = p.integer(m, "idColumnIndex", at+".idColumnIndex")
		s.BatchColumnIndex, _ = p.integer(m, "batchColumnIndex", at+".batchColumnIndex")
		s.PrecinctColumnIndex, _ = p.integer(m, "precinctColumnIndex", at+".precinctColumnIndex")
		s.OvervoteDelimiter, _ = p.rawStr(m, "overvoteDelimiter", at+".overvoteDelimiter")
		s.OvervoteLabel, _ = p.rawStr(m, "overvoteLabel", at+".overvoteLabel")
		s.UndervoteLabel, _ = p.rawStr(m, "skippedRankLabel", at+".skippedRankLabel")
		s.UndeclaredWriteInLabel, _ = p.rawStr(m, "undeclaredWriteInLabel", at+".undeclaredWriteInLabel")
		s.TreatBlankAsUndeclaredWriteIn, _ = p.boolean(m, "treatBlankAsUndeclaredWriteIn", at+".treatBlankAsUndeclaredWriteIn")
		cfg.Sources = append(cfg.Sources, s)
	}

	for i, raw := range p.array(top, "candidates", "candidates") {
		at := fmt.Sprintf("candidates[%d]", i+1)
		var m map[string]json.RawMessage
		if err := unmarshalObject(raw, &m); err != nil {
			p.add("%s: expected an object with a name", at)
			continue
		}
		p.checkKeys(m, at+".", candidateKeys, map[string]string{
			"code": "RCTab 2 ignores the 1.x candidate code; list it under aliases if the CVRs use it",
		})
		c := Candidate{}
		c.Name, _ = p.rawStr(m, "name", at+".name")
		c.Excluded, _ = p.boolean(m, "excluded", at+".excluded")
		for j, a := range p.array(m, "aliases", at+".aliases") {
			var s string
			if err := json.Unmarshal(a, &s); err != nil {
				p.add("%s.aliases[%d]: expected a string", at, j+1)
				continue
			}
			c.Aliases = append(c.Aliases, s)
		}
		cfg.Candidates = append(cfg.Candidates, c)
	}

	rules := p.object(top, "rules", "rules")
	p.checkKeys(rules, "rules.", rulesKeys, map[string]string{
		"treatBlankAsUndeclaredWriteIn": "a setting of each CVR source, not of the rules; RCTab ignores it here",
	})
	r := &cfg.Rules
	r.Set = map[string]bool{}
	note := func(key string, ok bool) {
		if ok {
			r.Set[key] = true
		}
	}
	var ok bool
	r.TiebreakMode, ok = p.str(rules, "tiebreakMode", "rules.tiebreakMode")
	note("tiebreakMode", ok)
	r.OvervoteRule, ok = p.str(rules, "overvoteRule", "rules.overvoteRule")
	note("overvoteRule", ok)
	r.WinnerElectionMode, ok = p.str(rules, "winnerElectionMode", "rules.winnerElectionMode")
	note("winnerElectionMode", ok)
	if s, ok := p.str(rules, "randomSeed", "rules.randomSeed"); ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.add("rules.randomSeed: %q is not a whole number; expected -140737488355328 to 140737488355327", s)
		} else {
			r.RandomSeed = v
			note("randomSeed", true)
		}
	}
	r.NumberOfWinners, ok = p.integer(rules, "numberOfWinners", "rules.numberOfWinners")
	note("numberOfWinners", ok)
	if s, ok := p.str(rules, "multiSeatBottomsUpPercentageThreshold", "rules.multiSeatBottomsUpPercentageThreshold"); ok {
		d, err := tabulate.ParseDecimal(s)
		if err != nil {
			p.add("rules.multiSeatBottomsUpPercentageThreshold: %q is not a number; expected 1 to 100", s)
		} else {
			r.MultiSeatBottomsUpPercentageThreshold = d
			note("multiSeatBottomsUpPercentageThreshold", true)
		}
	}
	r.DecimalPlacesForVoteArithmetic, ok = p.integer(rules, "decimalPlacesForVoteArithmetic", "rules.decimalPlacesForVoteArithmetic")
	note("decimalPlacesForVoteArithmetic", ok)
	if s, ok := p.str(rules, "maxSkippedRanksAllowed", "rules.maxSkippedRanksAllowed"); ok {
		note("maxSkippedRanksAllowed", true)
		// "unlimited" in any case, or 0 to 2^31-1 (source notes V11).
		if strings.EqualFold(s, "unlimited") {
			r.MaxSkippedRanksAllowed = tabulate.UnlimitedSkippedRanks
		} else if v, err := strconv.ParseInt(s, 10, 64); err == nil && v >= 0 && v <= math.MaxInt32 {
			r.MaxSkippedRanksAllowed = int(v)
		} else if err == nil {
			p.add("rules.maxSkippedRanksAllowed: %d is out of range; expected 0 to 2147483647 or \"unlimited\"", v)
		} else {
			p.add("rules.maxSkippedRanksAllowed: %q is not a whole number; expected 0 to 2147483647 or \"unlimited\"", s)
		}
	}
	if s, ok := p.str(rules, "maxRankingsAllowed", "rules.maxRankingsAllowed"); ok {
		note("maxRankingsAllowed", true)
		// "max" in lower case only, or 1 to 2^31-1 (source notes V11).
		if s == "max" {
			r.MaxRankingsIsMax = true
		} else if v, err := strconv.ParseInt(s, 10, 64); err == nil && v >= 1 && v <= math.MaxInt32 {
			r.MaxRankingsAllowed = int(v)
		} else if err == nil {
			p.add("rules.maxRankingsAllowed: %d is out of range; expected 1 to 2147483647 or \"max\"", v)
		} else {
			p.add("rules.maxRankingsAllowed: %q is not a whole number; expected 1 to 2147483647 or \"max\" (in lower case)", s)
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{"nonIntegerWinningThreshold", &r.NonIntegerWinningThreshold},
		{"doesFirstRoundDetermineThreshold", &r.DoesFirstRoundDetermineThreshold},
		{"hareQuota", &r.HareQuota},
		{"batchElimination", &r.BatchElimination},
		{"continueUntilTwoCandidatesRemain", &r.ContinueUntilTwoCandidatesRemain},
		{"cutoffElimination", &r.CutoffElimination},
		{"exhaustOnDuplicateCandidate", &r.ExhaustOnDuplicateCandidate},
	} {
		*b.dst, ok = p.boolean(rules, b.key, "rules."+b.key)
		note(b.key, ok)
	}
	r.StopTabulationEarlyAfterRound, ok = p.integer(rules, "stopTabulationEarlyAfterRound", "rules.stopTabulationEarlyAfterRound")
	note("stopTabulationEarlyAfterRound", ok)
	r.RulesDescription, _ = p.rawStr(rules, "rulesDescription", "rules.rulesDescription")

	p.problems = append(p.problems, validateSettings(cfg)...)
	if len(p.problems) > 0 {
		return nil, &ConfigError{Path: path, Problems: p.problems}
	}
	cfg.Warnings = append(cfg.Warnings, p.warnings...)
	return cfg, nil
}

func unmarshalObject(raw json.RawMessage, m *map[string]json.RawMessage) error {
	if err := json.Unmarshal(raw, m); err != nil {
		return err
	}
	if *m == nil {
		return errors.New("null")
	}
	return nil
}

func lineCol(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// parser reads loosely typed values and collects problems instead of
// stopping at the first.
type parser struct {
	problems []string
	warnings []string
}

func (p *parser) add(format string, a ...any) {
	p.problems = append(p.problems, fmt.Sprintf(format, a...))
}

func (p *parser) object(m map[string]json.RawMessage, key, at string) map[string]json.RawMessage {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		p.add("%s: missing; expected an object", at)
		return nil
	}
	var out map[string]json.RawMessage
	if err := unmarshalObject(raw, &out); err != nil {
		p.add("%s: expected an object", at)
		return nil
	}
	return out
}

func (p *parser) array(m map[string]json.RawMessage, key, at string) []json.RawMessage {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		p.add("%s: expected a list", at)
		return nil
	}
	return out
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// rawStr returns a string value as written, spaces included (labels and
// names must match CVR text exactly). Numbers are taken as their text.
func (p *parser) rawStr(m map[string]json.RawMessage, key, at string) (string, bool) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, s != ""
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		return n.String(), true
	}
	p.add("%s: expected a string, got %s", at, abbreviate(raw))
	return "", false
}

// str is rawStr with surrounding spaces removed; an all-space value is
// treated as not set.
func (p *parser) str(m map[string]json.RawMessage, key, at string) (string, bool) {
	s, ok := p.rawStr(m, key, at)
	s = strings.TrimSpace(s)
	return s, ok && s != ""
}

// integer reads a whole number written as a JSON number or string.
func (p *parser) integer(m map[string]json.RawMessage, key, at string) (int, bool) {
	s, ok := p.str(m, key, at)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		p.add("%s: %q is not a whole number", at, s)
		return 0, false
	}
	return v, true
}

// boolean reads true/false, also written as a string in any case.
func (p *parser) boolean(m map[string]json.RawMessage, key, at string) (bool, bool) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return false, false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, true
		case "false":
			return false, true
		case "":
			return false, false
		}
	}
	p.add("%s: expected true or false, got %s", at, abbreviate(raw))
	return false, false
}

func abbreviate(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// MaxRankings returns the highest rank maxRankingsAllowed allows, or 0 for
// "max", which sets no limit of its own: RCTab's
// ContestConfig.isRankingAllowed accepts every rank then, and only readers
// apply their own limits (source notes A).
func (c *Config) MaxRankings() int {
	if c.Rules.MaxRankingsIsMax {
		return 0
	}
	return c.Rules.MaxRankingsAllowed
}

// ExportColumns returns the number of rank columns of rctab_cvr.csv: the
// numeric maxRankingsAllowed, or for "max" the number of declared
// candidates, the undeclared write-in not counted (source notes A; RCTab
// OutputWriter). Ranks above it are not printed.
func (c *Config) ExportColumns() int {
	if c.Rules.MaxRankingsIsMax {
		return len(c.Candidates)
	}
	return c.Rules.MaxRankingsAllowed
}

// source returns the opener for the configuration's CVR files.
func (c *Config) source() cvr.Source { return cvr.Source{FS: c.FS} }
