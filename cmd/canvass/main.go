// Command canvass ingests cast vote records, tabulates contests, runs
// risk-limiting audits and keeps a witnessed transparency log of every action.
//
// Usage:
//
//	canvass <command> [flags]
//
// Run "canvass help" for the list of commands and "canvass <command> --help"
// for each command's flags.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. run receives the arguments after the command
// name (and after any sub-subcommand name for grouped commands) and the
// standard streams; it returns an error to print on stderr.
type command struct {
	name    string // e.g. "tabulate" or "log append"
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

// register adds a command. Each command lives in its own file and registers
// itself from init, so main stays wiring only.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage is returned by commands whose arguments were wrong after they
// have printed usage; main exits with status 2 for it.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "canvass", versionString())
		return 0
	}
	// Grouped commands ("log append", "rla sample") take two words.
	name := args[0]
	rest := args[1:]
	if len(rest) > 0 {
		if _, ok := commands[name+" "+rest[0]]; ok {
			name, rest = name+" "+rest[0], rest[1:]
		}
	}
	c, ok := commands[name]
	if !ok {
		if group := subcommands(name); len(group) > 0 {
			help := len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help" || rest[0] == "help")
			w, code := stderr, 2
			if help {
				w, code = stdout, 0
				fmt.Fprintf(w, "Usage: canvass %s <subcommand> [flags]; subcommands:\n", name)
			} else {
				fmt.Fprintf(w, "canvass %s: missing or unknown subcommand; one of:\n", name)
			}
			for _, g := range group {
				fmt.Fprintf(w, "  canvass %-20s %s\n", g.name, g.summary)
			}
			return code
		}
		fmt.Fprintf(stderr, "canvass: unknown command %q; run 'canvass help' for the list\n", args[0])
		return 2
	}
	// Help is output asked for: it goes to stdout with exit status 0.
	// Commands print their usage to the writer they get as stderr, so
	// that writer is stdout when help is asked for.
	errOut := stderr
	if helpRequested(rest) {
		errOut = stdout
	}
	err := c.run(rest, stdin, stdout, errOut)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "canvass %s: %v\n", c.name, err)
		return 1
	}
}

func subcommands(group string) []*command {
	var cs []*command
	for n, c := range commands {
		if strings.HasPrefix(n, group+" ") {
			cs = append(cs, c)
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "canvass: cast vote records, tabulation, risk-limiting audits, and a witnessed election log.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: canvass <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-22s %s\n", "version", "print the version and VCS revision")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'canvass <command> --help' for a command's flags.")
}

// newFlagSet returns a FlagSet for a command that prints its usage and
// flags to stderr on a parse error, and on --help (run then passes stdout
// as the command's stderr, see helpRequested).
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("canvass "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: canvass %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// helpRequested reports whether args ask for help (-h, -help, --help)
// before any "--" that ends the flags.
func helpRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parseInterleaved parses args with fs, accepting flags after positional
// arguments ("tabulate --format genericCsv a.csv --seats 2") as well as
// before them. Everything after "--" is positional. fs.Args() then holds
// the positional arguments in order.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	// Parsing "--" and the positional arguments sets fs.Args() to them.
	return fs.Parse(append([]string{"--"}, pos...))
}

// writeJSON prints v as indented JSON for --json and --output json. Names
// such as "Elections & Voter Services" are written as they are, not with
// \u0026 escapes meant for HTML.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// parseFlags parses args, mapping a parse failure to errUsage (the FlagSet
// has already printed why) and --help to flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseInterleaved(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
