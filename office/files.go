package office

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/canvass/canvass/ledger"
	"github.com/canvass/canvass/office/blobs"
	"github.com/canvass/canvass/store"
)

// maxFilesPerUpload keeps one upload's event well under the log's entry
// size limit.
const maxFilesPerUpload = 200

// UploadPart is one file of an upload as the client sent it.
type UploadPart struct {
	// Name is the file name exactly as sent (not cleaned: a name that
	// tries to leave its folder is refused, not rewritten).
	Name string
	// ExpectedSHA256, if set, is the hash the county computed outside the
	// system; a different upload is refused.
	ExpectedSHA256 string
	Body           io.Reader
}

// ErrNoMoreParts ends an upload's parts.
var ErrNoMoreParts = io.EOF

// CheckUpload reports whether u may upload to election id, before any
// body is read.
func (o *Office) CheckUpload(ctx context.Context, u *User, id string) error {
	_, err := o.electionFor(ctx, u, id, ActUpload)
	return err
}

// Upload stores the files next yields (it returns ErrNoMoreParts at the
// end) in election id and logs them in one file-upload event. A zip is
// unpacked and its members stored by their path in the archive. Nothing
// is logged unless every part is valid. Re-uploading a file with the same
// name and content changes nothing; the same name with other content is
// refused (withdraw the old file by a two-person request first).
func (o *Office) Upload(ctx context.Context, u *User, id string, next func() (*UploadPart, error)) ([]FileRef, error) {
	if err := o.CheckUpload(ctx, u, id); err != nil {
		return nil, err
	}
	var files []FileRef
	budget := o.limits.Upload
	for {
		part, err := next()
		if errors.Is(err, ErrNoMoreParts) {
			break
		}
		if err != nil {
			var oe *Error
			if errors.As(err, &oe) {
				return nil, oe
			}
			return nil, badRequest("file", "malformed multipart body: %v", err)
		}
		if !validFileName(part.Name) {
			return nil, badRequest("file", "file name %q is not allowed: use a relative name without \"..\", \"\\\", control characters or a leading \"/\"", part.Name)
		}
		ref, err := o.blobs.Put(part.Body, budget)
		if errors.Is(err, blobs.ErrTooLarge) {
			return nil, errf(413, "file", "the upload exceeds the limit of %d bytes", o.limits.Upload)
		} else if err != nil {
			return nil, badRequest("file", "reading %s: %v", part.Name, err)
		}
		budget -= ref.Size
		if part.ExpectedSHA256 != "" && part.ExpectedSHA256 != ref.SHA256 {
			return nil, badRequest("expected_sha256", "%s has SHA-256 %s, not the expected %s; nothing was stored", part.Name, ref.SHA256, part.ExpectedSHA256)
		}
		if strings.HasSuffix(strings.ToLower(part.Name), ".zip") {
			members, err := o.unzip(part.Name, ref)
			if err != nil {
				return nil, err
			}
			files = append(files, members...)
			continue
		}
		files = append(files, FileRef{Name: part.Name, SHA256: ref.SHA256, Size: ref.Size})
	}
	if len(files) == 0 {
		return nil, badRequest("file", "no file parts: send one or more multipart parts named \"file\"")
	}
	if len(files) > maxFilesPerUpload {
		return nil, badRequest("file", "%d files in one upload; the limit is %d", len(files), maxFilesPerUpload)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Name] {
			return nil, badRequest("file", "%s is uploaded twice in one request", f.Name)
		}
		seen[f.Name] = true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var fresh []FileRef
	for _, f := range files {
		var old File
		err := getJSON(ctx, o.st, kindFile, id+"/"+f.Name, &old)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fresh = append(fresh, f)
		case err != nil:
			return nil, err
		case old.SHA256 != f.SHA256 || old.Withdrawn:
			return nil, conflict("file", "%s was already uploaded with other content (SHA-256 %s); to replace it, withdraw it by a two-person request and upload under a new name", f.Name, old.SHA256)
		}
	}
	if len(fresh) > 0 {
		if _, err := o.commit(ctx, ledger.Event{Type: "file-upload", UserID: u.Name,
			Payload: map[string]any{"election": id, "files": filesVal(fresh)}}); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// unzip stores the members of a stored zip, checking every name and
// bounding the count, the total uncompressed size and each member's
// compression ratio, using the actual bytes read, not the sizes the
// archive claims.
func (o *Office) unzip(name string, ref blobs.Ref) ([]FileRef, error) {
	f, err := o.blobs.Open(ref.SHA256)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zip.NewReader(f, ref.Size)
	if err != nil {
		return nil, badRequest("file", "%s is not a valid zip archive: %v", name, err)
	}
	if len(zr.File) > o.limits.ZipEntries {
		return nil, badRequest("file", "%s has %d members; the limit is %d", name, len(zr.File), o.limits.ZipEntries)
	}
	var out []FileRef
	total := int64(0)
	for _, m := range zr.File {
		if strings.HasSuffix(m.Name, "/") && m.UncompressedSize64 == 0 {
			continue // a folder entry
		}
		if !validFileName(m.Name) {
			return nil, badRequest("file", "%s: member name %q is not allowed (it must stay inside the archive's folder)", name, m.Name)
		}
		if !m.Mode().IsRegular() {
			return nil, badRequest("file", "%s: member %q is not a regular file", name, m.Name)
		}
		limit := o.limits.Upload - total
		if byRatio := int64(m.CompressedSize64)*o.limits.ZipRatio + 1024; byRatio < limit {
			limit = byRatio
		}
		rc, err := m.Open()
		if err != nil {
			return nil, badRequest("file", "%s: member %q: %v", name, m.Name, err)
		}
		mref, err := o.blobs.Put(rc, limit)
		rc.Close()
		if errors.Is(err, blobs.ErrTooLarge) {
			return nil, errf(413, "file", "%s: member %q expands beyond the limits (ratio %d:1, %d bytes in all): refused as a possible zip bomb", name, m.Name, o.limits.ZipRatio, o.limits.Upload)
		} else if err != nil {
			return nil, badRequest("file", "%s: member %q: %v", name, m.Name, err)
		}
		total += mref.Size
		out = append(out, FileRef{Name: m.Name, SHA256: mref.SHA256, Size: mref.Size})
	}
	return out, nil
}

// validFileName accepts relative, slash-separated names whose segments
// are not empty, "." or "..", with no backslash or control character.
func validFileName(name string) bool {
	if name == "" || len(name) > 255 || !utf8.ValidString(name) || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	segs := strings.Split(name, "/")
	if len(segs) > 16 {
		return false
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || strings.TrimSpace(s) != s {
			return false
		}
	}
	return !strings.Contains(segs[0], ":")
}

// Files lists an election's files.
func (o *Office) Files(ctx context.Context, u *User, id string) ([]File, error) {
	if _, err := o.electionFor(ctx, u, id, ActReadFiles); err != nil {
		return nil, err
	}
	recs, err := o.st.List(ctx, kindFile, id)
	if err != nil {
		return nil, err
	}
	out := []File{}
	for _, r := range recs {
		var f File
		if err := json.Unmarshal(r.Data, &f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RequestWithdrawal asks to withdraw an uploaded file: a two-person
// request.
func (o *Office) RequestWithdrawal(ctx context.Context, u *User, id, name string) (*RequestView, error) {
	e, err := o.electionFor(ctx, u, id, ActRequestWithdrawal)
	if err != nil {
		return nil, err
	}
	var f File
	if err := getJSON(ctx, o.st, kindFile, id+"/"+name, &f); errors.Is(err, store.ErrNotFound) {
		return nil, notFound("file", "election %s has no file %q", id, name)
	} else if err != nil {
		return nil, err
	}
	if f.Withdrawn {
		return nil, conflict("file", "%s is already withdrawn", name)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.newRequest(ctx, u, KindFileWithdrawal, e.Jurisdiction, withdrawalAction{Election: id, File: name})
}

func (o *Office) file(ctx context.Context, election, name string) (*File, error) {
	var f File
	if err := getJSON(ctx, o.st, kindFile, election+"/"+name, &f); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", store.ErrNotFound, name)
		}
		return nil, err
	}
	return &f, nil
}
