package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/canvass/canvass/rla"
)

func init() {
	register(&command{
		name:    "rla size",
		summary: "audit sample size from a JSON audit description on stdin (BRAVO, SuperSimple, Colorado, MACRO, ALPHA)",
		run: func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			return runRLAMath("size", args, stdin, stdout, stderr)
		},
	})
	register(&command{
		name:    "rla risk",
		summary: "measured audit risk from a JSON audit description on stdin",
		run: func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			return runRLAMath("risk", args, stdin, stdout, stderr)
		},
	})
}

const rlaMathSynopsis = `< audit.json

Reads one JSON audit description on stdin and writes JSON on stdout.
  rla size  → {"asn": n, "0.7": n, "0.8": n, "0.9": n} for bravo (plus
              "all-ballots": N when Arlo would recommend a full hand count),
              {"size": n} for every other method: the further ballots
              (batches for macro) to audit, capped at the ballot count
              (the batch count for macro).
  rla risk  → {"risk": p, "confirmed": true|false}

Common fields: "method", "risk_limit" (a fraction, 0.05 for 5%), "ballots"
(ballots cast in the contest), "tally" ({"name": votes, ...}, in the order
that breaks ties), "winners" (default 1), "votes_allowed" (default 1).

Methods and their own fields:
  bravo             Arlo's BRAVO ballot polling. "sample" {"name": votes}
                    (required for risk), "sample_size" (ballots drawn;
                    default the sum), "not_found" (each counts as a vote for
                    every loser).
  supersimple       Arlo's SuperSimple comparison. "discrepancies"
                    {"sample_size": n, "o1": a, "o2": b, "u1": c, "u2": d}
                    (required for risk), "not_found" (two-vote
                    overstatements, included in sample_size).
  corla             Colorado's Kaplan-Markov comparison: optimistic and
                    estimated sizes, risk rounded to 3 decimals. As
                    supersimple, plus "gamma" (default 1.03905).
  macro             Arlo's MACRO batch comparison. "batches" [{"name": s,
                    "ballots": n, "reported": {...}, "audited": {...},
                    "not_found": bool}], "sample" {"batch name": times
                    drawn} (required for risk), "pending" (uncounted ballots).
  alpha             ALPHA ballot polling (SHANGRLA). "draws" ["name", "",
                    null, ...] in draw order ("" no vote, null not found;
                    required for risk), "estimator" (shrink_trunc, fixed,
                    optimal), "eta", "d", "f", "c", "with_replacement".
                    Or raw assorter values: "x" [...] with "ballots" (N),
                    "t" (default 0.5), "u" (default 1), "eta", ...
  alpha-comparison  ALPHA ballot-level comparison. "overstatements" [-2..2,
                    in draw order] or "discrepancies" (counts), "not_found",
                    "estimator" (default optimal), "eta", "d", "f", "c",
                    "p2" (default 0.0001), "with_replacement".

Unknown or misplaced fields are errors. The output is always JSON (--json
is accepted and changes nothing). See docs/rla-math.md.

Example:
  echo '{"method": "bravo", "risk_limit": 0.1, "ballots": 1000, "tally": {"A": 600, "B": 400}}' | canvass rla size
`

func runRLAMath(what string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := rlaFlagSet("rla "+what, rlaMathSynopsis, stderr)
	// The answer is always JSON; --json is accepted so that it means the
	// same in every rla command.
	fs.Bool("json", true, "print JSON (always; accepted for symmetry with the other rla commands)")
	if err := rlaParseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "canvass rla %s: unexpected argument %q; the audit description is read from stdin\n", what, fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	data, err := io.ReadAll(io.LimitReader(stdin, rla.MaxRequestBytes+1))
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	req, err := rla.DecodeRequest(data)
	if err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	var out any
	if what == "size" {
		s, err := req.Size()
		if err != nil {
			return err
		}
		out = s
	} else {
		r, err := req.Risk()
		if err != nil {
			return err
		}
		out = rla.RiskReport{Risk: r}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}
