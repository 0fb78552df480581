// Package buildinfo reports which build of canvass is running, so that every
// published result and log entry can name the software that produced it.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Info identifies a build.
type Info struct {
	// Module is the main module path; Version its version ("(devel)" for a
	// build from a checkout).
	Module  string `json:"module"`
	Version string `json:"version"`
	// Revision and Time are the VCS commit and its time, when the binary
	// was built with VCS stamping; Modified is set when the work tree had
	// uncommitted changes.
	Revision string `json:"vcs_revision,omitempty"`
	Time     string `json:"vcs_time,omitempty"`
	Modified bool   `json:"vcs_modified,omitempty"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
}

var (
	once sync.Once
	info Info
)

// Read returns the running binary's build information.
func Read() Info {
	once.Do(func() {
		info = Info{Module: "github.com/canvass/canvass", Version: "(unknown)"}
		bi, ok := debug.ReadBuildInfo()
		if !ok {
			return
		}
		info.GoVersion = bi.GoVersion
		if bi.Main.Path != "" {
			info.Module = bi.Main.Path
		}
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	})
	return info
}

// String renders the build as "version (revision[+dirty])".
func (i Info) String() string {
	s := i.Version
	if i.Revision != "" {
		r := i.Revision
		if len(r) > 12 {
			r = r[:12]
		}
		if i.Modified {
			r += "+dirty"
		}
		s += " (" + r + ")"
	}
	return s
}
