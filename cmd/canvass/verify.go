package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/verify"
)

func init() {
	register(&command{name: "verify", summary: "check an election's evidence package, or a tabulation results directory (--results), re-deriving every number", run: runVerify})
}

// errVerifyFailed makes canvass exit 1 after printing the failed claims.
var errVerifyFailed = errors.New("verification failed: see the FAIL lines above")

// parseInterspersed parses flags that may come before or after the
// positional arguments (canvass verify PACKAGE --vkey KEY).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", "PACKAGE_DIR_OR_URL [--vkey VKEY] [--policy FILE] [--state FILE] [--json]\n       canvass verify --results DIR [--inputs DIR] [--json]", stderr)
	vkey := fs.String("vkey", "", "the log's verifier key obtained out of band (or a file holding it); default: the package's own vkey, which proves nothing about who published it")
	policyFile := fs.String("policy", "", "C2SP tlog-policy file: the checkpoint must carry its quorum of witness cosignatures (default: the package's policy, if any)")
	stateFile := fs.String("state", "", "file holding the last checkpoint this verifier accepted; the log must be consistent with it, and it is updated when every claim holds")
	results := fs.String("results", "", "verify a 'canvass tabulate --out' results directory by its manifest.json instead of a package")
	inputs := fs.String("inputs", "", "with --results: the directory the manifest's input paths are relative to (for an RCTab configuration, the configuration's folder); default: paths as recorded, from the current directory")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *results != "" {
		if len(pos) > 0 {
			fmt.Fprintln(stderr, "canvass verify: give either a package or --results DIR, not both")
			fs.Usage()
			return errUsage
		}
		return verifyResults(*results, *inputs, *asJSON, stdout)
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "canvass verify: give one package: a directory, a .tar.gz or .zip, or a URL")
		fs.Usage()
		return errUsage
	}
	opts := verify.Options{}
	if *vkey != "" {
		if opts.VKey, err = readVKey(*vkey); err != nil {
			return err
		}
	}
	if *policyFile != "" {
		if opts.Policy, err = os.ReadFile(*policyFile); err != nil {
			return err
		}
	}
	if *stateFile != "" {
		if opts.State, err = ledger.ReadState(*stateFile); err != nil {
			return err
		}
	}
	ctx := context.Background()
	pkg, closer, err := openPackage(ctx, pos[0])
	if err != nil {
		return err
	}
	defer closer()
	rep, err := verify.Package(ctx, pkg, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if *asJSON {
		if err := writeJSON(stdout, map[string]any{"ok": rep.OK(), "report": rep}); err != nil {
			return err
		}
	} else {
		rep.WriteText(stdout)
	}
	if !rep.OK() {
		return errVerifyFailed
	}
	if *stateFile != "" && rep.Checkpoint != nil {
		if err := ledger.WriteState(*stateFile, rep.Checkpoint); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "state %s updated to size %d\n", *stateFile, rep.LogSize)
		}
	}
	return nil
}

// openPackage opens a package directory, archive or URL as an fs.FS.
func openPackage(ctx context.Context, src string) (fs.FS, func(), error) {
	nop := func() {}
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		client := &http.Client{Timeout: 5 * time.Minute}
		if strings.HasSuffix(src, ".tar.gz") || strings.HasSuffix(src, ".tgz") {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
			if err != nil {
				return nil, nil, err
			}
			resp, err := client.Do(req)
			if err != nil {
				return nil, nil, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, nil, fmt.Errorf("%s: HTTP %s", src, resp.Status)
			}
			f, err := verify.TarGzFS(resp.Body)
			return f, nop, err
		}
		return &verify.HTTPFS{Prefix: src, Client: client, Ctx: ctx}, nop, nil
	}
	st, err := os.Stat(src)
	if err != nil {
		return nil, nil, err
	}
	if st.IsDir() {
		return os.DirFS(src), nop, nil
	}
	switch {
	case strings.HasSuffix(src, ".zip"):
		z, err := zip.OpenReader(src)
		if err != nil {
			return nil, nil, err
		}
		return z, func() { z.Close() }, nil
	case strings.HasSuffix(src, ".tar.gz"), strings.HasSuffix(src, ".tgz"):
		f, err := os.Open(src)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		p, err := verify.TarGzFS(f)
		return p, nop, err
	}
	return nil, nil, fmt.Errorf("%s is neither a directory, a .tar.gz, a .zip nor a URL", src)
}

func verifyResults(dir, inputs string, asJSON bool, stdout io.Writer) error {
	var in fs.FS
	if inputs != "" {
		in = os.DirFS(inputs)
	}
	claims := verify.Results(os.DirFS(dir), in)
	ok := true
	for _, c := range claims {
		ok = ok && c.Status != verify.Fail
	}
	if asJSON {
		if err := writeJSON(stdout, map[string]any{"ok": ok, "claims": claims}); err != nil {
			return err
		}
	} else {
		for _, c := range claims {
			fmt.Fprintf(stdout, "%-4s %d %s: %s\n", c.Status, c.N, c.Name, c.Detail)
		}
	}
	if !ok {
		return errVerifyFailed
	}
	return nil
}
