package main

// The CVR formats the binary reads. Each reader registers itself with
// package cvr under its format name; importing it here is what makes the
// format available to 'tabulate --format', 'rla manifest --cvrs' and RCTab
// configurations.
import (
	_ "github.com/canvass/canvass/cvr/cdf"
	_ "github.com/canvass/canvass/cvr/clearballot"
	_ "github.com/canvass/canvass/cvr/dominion"
	_ "github.com/canvass/canvass/cvr/ess"
	_ "github.com/canvass/canvass/cvr/generic"
	_ "github.com/canvass/canvass/cvr/hart"
)
