// Package deps holds no code: its test enforces which canvass packages may
// import what, in the style of Go's own src/go/build/deps_test.go.
//
// The pure cores (domain types, tabulation, audit math and samplers, log
// formats and verification) must do no I/O, so that anyone can run them
// anywhere — a verifier in a browser included (they build for js/wasm) —
// and so that their results depend only on their inputs. The test reads the
// import lists of every package in the module and fails when a pure package
// imports a package that does I/O, directly or through another canvass
// package.
package deps
