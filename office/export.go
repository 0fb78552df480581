package office

// The public evidence package of an election (docs/evidence.md): the log,
// its verifier key and witness policy, every public file the log commits
// to, and evidence.json, which package verify derives from the log so
// that a verifier can derive it again and compare.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/ledger/witness"
	"github.com/canvass/canvass/verify"
)

// ExportEvidence writes the evidence package of election from the office
// data directory dir into the new directory out. It reads only the log and
// the file store, never the database or the secrets, so it runs beside a
// live "canvass serve": it exports the log as of the checkpoint it reads
// first, after verifying it. out appears complete or not at all.
func ExportEvidence(ctx context.Context, dir, election, out string) error {
	logPath := filepath.Join(dir, logDir)
	d := ledger.NewDirDriver(logPath)
	vkeyText, err := d.ReadState(ctx, ledger.StateVKey)
	if err != nil {
		return fmt.Errorf("%s is not an office data directory (no log key): %v", dir, err)
	}
	vkey := strings.TrimSpace(string(vkeyText))
	policyText, err := d.ReadState(ctx, ledger.StatePolicy)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var policy *witness.Policy
	if policyText != nil {
		if policy, err = ledger.ParsePolicy(policyText); err != nil {
			return fmt.Errorf("the log's witness policy: %v", err)
		}
	}
	lg, err := verify.ReadLog(ctx, ledger.DirFetcher(logPath), vkey, policy)
	if err != nil {
		return fmt.Errorf("the office's log does not verify, so it is not exported: %w", err)
	}
	blobDir := filepath.Join(dir, filesDir)
	read := func(sum string) ([]byte, error) { return os.ReadFile(filepath.Join(blobDir, "sha256", sum)) }
	ev, _, err := verify.Derive(lg.Checkpoint.Origin, lg.Entries, election, read)
	if err != nil {
		return err
	}
	claims, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}

	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s exists and is not empty; give --out a new directory", out)
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	write := func(rel string, data []byte) error {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	paths := make([]string, 0, len(lg.Resources))
	for p := range lg.Resources {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := write(verify.LogDir+"/"+p, lg.Resources[p]); err != nil {
			return err
		}
	}
	if err := write(verify.VKeyName, []byte(vkey+"\n")); err != nil {
		return err
	}
	if policyText != nil {
		if err := write(verify.PolicyName, policyText); err != nil {
			return err
		}
	}
	for _, f := range ev.Files {
		if err := copyBlob(filepath.Join(blobDir, "sha256", f.SHA256), filepath.Join(tmp, filepath.FromSlash(verify.FilePath(f.SHA256)))); err != nil {
			return fmt.Errorf("file %s (%s): %w", f.SHA256, strings.Join(f.Names, ", "), err)
		}
	}
	if err := write(verify.EvidenceName, append(claims, '\n')); err != nil {
		return err
	}
	os.Remove(out) // an empty directory given as --out
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	ok = true
	return nil
}

func copyBlob(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}
