// Package facility turns a county's physical-security records — key-card
// (badge) swipes, camera on/off status and tamper-seal actions — into
// facts the election log can commit to, and checks them against a
// description of the site: for every room that holds election equipment it
// finds each interval in which no camera covering the room was on, every
// badge entry into the room during such an interval, and every tamper seal
// that was broken or removed and not resealed.
//
// It is a pure core: it reads only the io.Readers it is given, does no
// other I/O and builds for js/wasm, so that a verifier in a browser can run
// the same analysis as the office. docs/facility.md documents the CSV
// formats, the site description, the log payloads, the analysis and its
// conservative choices.
package facility
