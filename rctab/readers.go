package rctab

// The CVR readers RCTab configurations can name, registered with package
// cvr under RCTab's provider names (cdf and dominion are imported by name
// in run.go, for their candidate tokens).
import (
	_ "github.com/canvass/canvass/cvr/clearballot"
	_ "github.com/canvass/canvass/cvr/ess"
	_ "github.com/canvass/canvass/cvr/generic"
	_ "github.com/canvass/canvass/cvr/hart"
)
