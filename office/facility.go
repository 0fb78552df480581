package office

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/canvass/canvass/facility"
	"github.com/canvass/canvass/ledger"
)

// FacilitySite is the kind ImportFacility takes for a site description;
// the other kinds are facility.ImportKinds.
const FacilitySite = "site"

// FacilityOperatorAction is the Details of the events ImportFacility
// logs: the import is run by someone with shell access to the office
// ("canvass facility import"), not by a signed-in user, and the user name
// is the one that person gave.
const FacilityOperatorAction = "operator action: run with shell access to the office (canvass facility import), not through a signed-in session; UserId is the name the operator gave"

// ImportFacility logs one physical-security record of the site: kind
// FacilitySite loads a site description (a facility-site event), kind
// "badge", "camera" or "seal" an export of the access-control system, the
// video system or the tamper-seal register (a facility-import event). The
// file is validated with package facility first: a bad file returns the
// *facility.Error (file, row, column, what was found and expected) and
// nothing is stored or logged; so is an export repeating a row of an
// earlier import of the same kind (see checkFacilityOverlap). Otherwise the file is stored by SHA-256 and
// one event, by user and marked as an operator action, commits to it
// under name. It returns the event's log index.
func (o *Office) ImportFacility(ctx context.Context, user string, kind, name string, data []byte) (uint64, error) {
	if !validOperatorName(user) {
		return 0, fmt.Errorf("user name %q: give the name of the person running the import (1 to 256 bytes of UTF-8 without control characters)", user)
	}
	if !validFileName(name) {
		return 0, fmt.Errorf("file name %q is not allowed: use a relative name without \"..\", \"\\\", control characters or a leading \"/\"", name)
	}
	if int64(len(data)) > o.limits.Upload {
		return 0, fmt.Errorf("%s is %d bytes; the limit is %d", name, len(data), o.limits.Upload)
	}
	var ev ledger.Event
	switch kind {
	case FacilitySite:
		p, _, err := facility.NewSitePayload(data, name)
		if err != nil {
			return 0, err
		}
		ev = ledger.Event{Type: facility.EventSite, Payload: p.Payload(),
			Description: fmt.Sprintf("site description %s loaded by %s", name, user)}
	case facility.ImportBadges, facility.ImportCameras, facility.ImportSeals:
		p, recs, err := facility.NewImportPayload(kind, data, name)
		if err != nil {
			return 0, err
		}
		if err := o.checkFacilityOverlap(ctx, kind, recs); err != nil {
			return 0, err
		}
		ev = ledger.Event{Type: facility.EventImport, Payload: p.Payload(),
			Description: fmt.Sprintf("%s export %s imported by %s: %d rows", kind, name, user, p.Rows)}
	default:
		return 0, &facility.Error{File: name, Column: "kind", Value: kind, Expected: "one of site, badge, camera, seal",
			Fix: "say what the file is: the site description or a badge, camera or seal export"}
	}
	ev.UserID = user
	ev.Details = FacilityOperatorAction
	ref, err := o.blobs.PutBytes(data)
	if err != nil {
		return 0, fmt.Errorf("storing %s: %w; nothing was logged", name, err)
	}
	if f, ok := ev.Payload["file"].(map[string]any); !ok || f["sha256"] != ref.SHA256 {
		return 0, errors.New("office: the file store's digest differs from the facility commitment; nothing was logged")
	}
	ctx, unlock := o.lock(ctx)
	defer unlock()
	return o.commit(ctx, ev)
}

// checkFacilityOverlap refuses records that repeat a row of an earlier
// import of the same kind (the same export imported twice, or overlapping
// exports): the verifier merges the imports of a kind (facility.Merge*),
// which refuses such a repeat, so logging it would make the record
// unverifiable. The error is the *facility.Error naming both rows.
func (o *Office) checkFacilityOverlap(ctx context.Context, kind string, recs facility.Records) error {
	var prev facility.Records
	err := o.Events(ctx, func(e ledger.Event) error {
		if e.Type != facility.EventImport || e.Payload["kind"] != kind {
			return nil
		}
		raw, err := json.Marshal(e.Payload)
		if err != nil {
			return err
		}
		var p facility.ImportPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		data, err := o.blobs.ReadAll(p.File.SHA256)
		if err != nil {
			return fmt.Errorf("reading %s, imported at log index %d, from the file store: %w", p.File.Name, e.Sequence, err)
		}
		r, err := facility.ReadImport(p, data)
		if err != nil {
			return fmt.Errorf("%s, imported at log index %d: %w", p.File.Name, e.Sequence, err)
		}
		prev.Badges = append(prev.Badges, r.Badges...)
		prev.Cameras = append(prev.Cameras, r.Cameras...)
		prev.Seals = append(prev.Seals, r.Seals...)
		return nil
	})
	if err != nil {
		return err
	}
	switch kind {
	case facility.ImportBadges:
		_, err = facility.MergeBadges(prev.Badges, recs.Badges)
	case facility.ImportCameras:
		_, err = facility.MergeCameras(prev.Cameras, recs.Cameras)
	case facility.ImportSeals:
		_, err = facility.MergeSeals(prev.Seals, recs.Seals)
	}
	return err
}

func validOperatorName(s string) bool {
	if s == "" || len(s) > 256 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
