// Package java reproduces the few behaviours of the Java platform that
// RCTab's outputs depend on: String's order and hash code, the iteration
// order of java.util.HashMap and HashSet, and java.util.Random with
// Collections.shuffle. Matching RCTab byte for byte (its reports list
// candidates in HashMap order, and its random tie-breaks draw from
// java.util.Random) needs these exactly; everything else in canvass uses
// Go's own.
package java
