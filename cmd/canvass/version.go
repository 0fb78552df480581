package main

import "github.com/canvass/canvass/buildinfo"

func versionString() string { return buildinfo.Read().String() }
