package office

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/canvass/canvass/auth"
	"github.com/canvass/canvass/demo"
	"github.com/canvass/canvass/store"
	"golang.org/x/mod/sumdb/note"
)

// DemoPerson is one account of the demo office, with everything needed to
// sign in and to sign requests as them. Demo only: real people keep these
// to themselves.
type DemoPerson struct {
	User     string
	Roles    []string
	Password string
	// TOTPURI holds the TOTP seed (add it to an authenticator app).
	TOTPURI string
	// SigningKey is the private signed-note key for approving requests.
	SigningKey string
}

// DemoInfo describes a demo office.
type DemoInfo struct {
	Origin   string
	VKey     string
	Election string
	People   []DemoPerson
}

// Demo creates an office in dir with st in which two administrators
// created two officials, and the officials created the 2013 Minneapolis
// mayoral election, uploaded its CVRs, counted it with its RCTab
// configuration and published the results (in test mode), every step
// through the same methods the API calls, two-person rule included.
func Demo(ctx context.Context, dir string, st store.Store) (*DemoInfo, error) {
	created, err := Create(ctx, dir, st, CreateOptions{Origin: "demo.canvass.example/minneapolis", Admins: []string{"ada", "bob"}})
	if err != nil {
		return nil, err
	}
	o, err := Open(ctx, dir, st, Options{})
	if err != nil {
		return nil, err
	}
	defer o.Close()
	info := &DemoInfo{Origin: created.Origin, VKey: created.VKey}
	signers := map[string]note.Signer{}
	enroll := func(name, code string, roles []string) (*User, error) {
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, err
		}
		signer, err := note.NewSigner(skey)
		if err != nil {
			return nil, err
		}
		pw := "demo password for " + strings.ToUpper(name[:1]) + " " + strings.Repeat("*", 3)
		uri, err := o.Enroll(ctx, name, code, pw, vkey)
		if err != nil {
			return nil, fmt.Errorf("enrolling %s: %w", name, err)
		}
		u, err := url.Parse(uri)
		if err != nil {
			return nil, err
		}
		seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
		if err != nil {
			return nil, err
		}
		// The code of the previous step: a person signing in right away
		// then uses the current one, which is still unused.
		if err := o.ConfirmEnrollment(ctx, name, code, auth.TOTPCode(seed, o.now().Add(-auth.TOTPPeriod))); err != nil {
			return nil, fmt.Errorf("confirming %s: %w", name, err)
		}
		signers[name] = signer
		info.People = append(info.People, DemoPerson{User: name, Roles: roles, Password: pw, TOTPURI: uri, SigningKey: skey})
		return o.user(ctx, name)
	}
	sign := func(u *User, q *RequestView) (*RequestView, error) {
		msg, err := note.Sign(&note.Note{Text: q.SignText}, signers[u.Name])
		if err != nil {
			return nil, err
		}
		return o.Sign(ctx, u, q.ID, string(msg))
	}
	twoSign := func(a, b *User, q *RequestView) error {
		if _, err := sign(a, q); err != nil {
			return err
		}
		_, err := sign(b, q)
		return err
	}
	ada, err := enroll("ada", created.Enrollment["ada"], []string{RoleAdmin})
	if err != nil {
		return nil, err
	}
	bob, err := enroll("bob", created.Enrollment["bob"], []string{RoleAdmin})
	if err != nil {
		return nil, err
	}
	var officials []*User
	for _, name := range []string{"olga", "pat"} {
		q, err := o.RequestUser(ctx, ada, name, []string{RoleOfficial}, "state/minneapolis")
		if err != nil {
			return nil, err
		}
		if err := twoSign(ada, bob, q); err != nil {
			return nil, err
		}
		if q, err = o.Request(ctx, ada, q.ID); err != nil {
			return nil, err
		}
		u, err := enroll(name, q.Result["enrollment_code"], []string{RoleOfficial})
		if err != nil {
			return nil, err
		}
		officials = append(officials, u)
	}
	olga, pat := officials[0], officials[1]
	c := demo.Minneapolis2013
	fsys, err := c.FS()
	if err != nil {
		return nil, err
	}
	e, err := o.CreateElection(ctx, olga, "2013 Minneapolis Mayor", "2013-11-05", "")
	if err != nil {
		return nil, err
	}
	info.Election = e.ID
	cvrData, err := fs.ReadFile(fsys, c.CVR)
	if err != nil {
		return nil, err
	}
	sent := false
	if _, err := o.Upload(ctx, olga, e.ID, func() (*UploadPart, error) {
		if sent {
			return nil, ErrNoMoreParts
		}
		sent = true
		return &UploadPart{Name: c.CVR, Body: bytes.NewReader(cvrData)}, nil
	}); err != nil {
		return nil, err
	}
	cfg, err := fs.ReadFile(fsys, c.Config)
	if err != nil {
		return nil, err
	}
	t, err := o.Tabulate(ctx, olga, e.ID, &TabulationRequest{RCTabConfig: cfg})
	if err != nil {
		return nil, err
	}
	q, err := o.RequestPublication(ctx, olga, e.ID, t.ID)
	if err != nil {
		return nil, err
	}
	if err := twoSign(olga, pat, q); err != nil {
		return nil, err
	}
	return info, nil
}
