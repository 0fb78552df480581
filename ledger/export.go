package ledger

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ExportOptions configure ExportNIST.
type ExportOptions struct {
	// VKey, when set, is the log's verifier key and the checkpoint's
	// signature is checked. Without it the export still checks every
	// entry and tile against the checkpoint's root hash.
	VKey string
	// ElectionID fills ElectionEventLog.ElectionId when not empty.
	ElectionID string
	// GeneratedTime fills ElectionEventLog.GeneratedTime; zero means now.
	GeneratedTime time.Time
	// SoftwareVersion fills Device.Version, e.g. "canvass v1.2.0".
	SoftwareVersion string
	// Workers for the integrity check; 0 means GOMAXPROCS.
	Workers int
}

// nistEvent is an EventLogging.Event of NIST SP 1500-101.
type nistEvent struct {
	Type_            string `json:"@type"`
	Description      string `json:"Description,omitempty"`
	Details          string `json:"Details"`
	Disposition      string `json:"Disposition"`
	Hash             string `json:"Hash"`
	ID               string `json:"Id"`
	OtherDisposition string `json:"OtherDisposition,omitempty"`
	Sequence         string `json:"Sequence"`
	Severity         string `json:"Severity"`
	TimeStamp        string `json:"TimeStamp"`
	Type             string `json:"Type"`
	UserID           string `json:"UserId,omitempty"`
}

// ExportNIST writes the log as a NIST SP 1500-101 ElectionEventLog JSON
// document with one Device (the log) holding every entry up to the current
// checkpoint as an Event. Each Event's Details is the entry's canonical
// JSON exactly as logged (so the typed payload is preserved and the entry
// can be re-hashed) and its Hash is the entry's RFC 6962 leaf hash, hex,
// so that each exported event can be matched to the log. The whole tree is
// checked against the checkpoint before anything is written.
func ExportNIST(ctx context.Context, f Fetcher, w io.Writer, opts ExportOptions) error {
	raw, err := f.Fetch(ctx, CheckpointPath)
	if err != nil {
		return err
	}
	var cp Checkpoint
	if opts.VKey != "" {
		v, err := note.NewVerifier(opts.VKey)
		if err != nil {
			return fmt.Errorf("log verifier key: %v", err)
		}
		sc, err := OpenCheckpoint(raw, v)
		if err != nil {
			return tampered(-1, "checkpoint: %v", err)
		}
		cp = sc.Checkpoint
	} else if cp, err = unverifiedCheckpoint(raw); err != nil {
		return err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if _, err := verifyTree(ctx, f, cp, workers, nil); err != nil {
		return err
	}
	gen := opts.GeneratedTime
	if gen.IsZero() {
		gen = time.Now()
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	str := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	fmt.Fprintf(bw, "{\n  \"@type\": \"EventLogging.ElectionEventLog\",\n")
	fmt.Fprintf(bw, "  \"Details\": %s,\n", str(fmt.Sprintf(
		"canvass election log %s, checkpoint size %d, root %s. Each Event's Details is the log entry's canonical JSON; its Hash is the entry's RFC 6962 leaf hash SHA-256(0x00 || entry), hex.",
		cp.Origin, cp.Size, b64(cp.Hash))))
	if opts.ElectionID != "" {
		fmt.Fprintf(bw, "  \"ElectionId\": %s,\n", str(opts.ElectionID))
	}
	fmt.Fprintf(bw, "  \"GeneratedTime\": %s,\n", str(gen.UTC().Format(time.RFC3339)))
	fmt.Fprintf(bw, "  \"Device\": [\n    {\n      \"@type\": \"EventLogging.Device\",\n")
	fmt.Fprintf(bw, "      \"HashType\": \"other\",\n      \"OtherHashType\": \"rfc6962-leaf-sha256\",\n")
	fmt.Fprintf(bw, "      \"Id\": %s,\n      \"Manufacturer\": \"canvass\",\n      \"Model\": \"canvass election log\",\n", str(cp.Origin))
	fmt.Fprintf(bw, "      \"Type\": \"ems\",\n")
	if opts.SoftwareVersion != "" {
		fmt.Fprintf(bw, "      \"Version\": %s,\n", str(opts.SoftwareVersion))
	}
	fmt.Fprintf(bw, "      \"Event\": [")
	for t := uint64(0); t*TileWidth < cp.Size; t++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		width := bundleWidth(cp.Size, t*TileWidth)
		data, path, full, err := fetchResource(ctx, f, -1, t, width)
		if err != nil {
			return err
		}
		entries, _, err := splitBundle(path, data, width, !full)
		if err != nil {
			return err
		}
		for j, e := range entries {
			idx := t*TileWidth + uint64(j)
			ev, err := ParseEntry(e, cp.Origin, idx)
			if err != nil {
				return tampered(int64(idx), "%v", err)
			}
			h := tlog.RecordHash(e)
			ne := nistEvent{
				Type_: "EventLogging.Event", Details: string(e), Disposition: ev.Disposition,
				Hash: hex.EncodeToString(h[:]), ID: ev.ID, OtherDisposition: ev.OtherDisposition,
				Sequence: strconv.FormatUint(ev.Sequence, 10), Severity: ev.Severity,
				TimeStamp: ev.TimeStamp.Format(time.RFC3339Nano), Type: ev.Type, UserID: ev.UserID,
				Description: ev.Description,
			}
			if ne.Description == "" {
				et, _ := LookupType(ev.Type)
				ne.Description = et.Description
			}
			b, err := json.Marshal(ne)
			if err != nil {
				return err
			}
			if idx > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n        ")
			bw.Write(b)
		}
	}
	if cp.Size > 0 {
		bw.WriteString("\n      ")
	}
	bw.WriteString("]\n    }\n  ]\n}\n")
	return bw.Flush()
}
