package verify_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canvass/canvass/verify"
	"github.com/canvass/canvass/verify/verifytest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestAuditExportVerifies(t *testing.T) {
	x := verifytest.New(t)
	x.PublishMinneapolis()
	a := x.RunAudit(verifytest.AuditOptions{Plant: 1})
	if len(a.Results) != 2 || !a.Results[1].Done {
		t.Fatalf("the test audit did not take two rounds: %+v", *a.Results[0])
	}
	pkg := x.Export()
	rep := run(t, pkg, verify.Options{})
	if !rep.OK() {
		t.Fatal("the package does not verify")
	}
	c := rep.Claim(verify.ClaimAudit)
	if c.Status != verify.OK || !strings.Contains(c.Detail, a.ID) || !strings.Contains(c.Detail, "2 rounds drawn again identically") {
		t.Fatalf("audit claim %+v", c)
	}
	ev := readEvidence(t, pkg)
	if len(ev.Audits) != 1 || len(ev.Audits[0].Rounds) != 2 || len(ev.Audits[0].Seeds) != 1 || len(ev.Audits[0].Readings) == 0 {
		t.Fatalf("audit record %+v", ev.Audits)
	}
	au := ev.Audits[0]
	if gov := au.Rounds[0].Closed.Contests[0]; gov.Discrepancies.O2 != 1 || gov.Decision != "another-round" {
		t.Errorf("round 1 Governor %+v", gov)
	}
	if au.Rounds[1].Closed.Outcome != "done" || au.Seeds[0].Seed != verifytest.AuditSeed {
		t.Errorf("round 2 %+v, seed %+v", au.Rounds[1].Closed, au.Seeds[0])
	}
	// Every upload, sample and result is a committed file of the package.
	files := map[string]bool{}
	for _, f := range ev.Files {
		files[f.SHA256] = true
	}
	for _, u := range au.Uploads {
		if !files[u.File.SHA256] {
			t.Errorf("upload %+v is not among the package's files", u)
		}
	}
	for _, r := range au.Rounds {
		if !files[r.Sample.SHA256] || !files[r.Closed.Result.SHA256] {
			t.Errorf("round %d's files are not in the package", r.Round)
		}
	}
	for _, n := range au.Report {
		if _, err := os.Stat(filepath.Join(pkg, verify.AuditReportDir(au.ID), n)); err != nil {
			t.Errorf("report file: %v", err)
		}
	}
	// The package's report is the office's public report.
	or, err := x.O.AuditReport(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	or.WriteJSON(&want)
	if got, _ := os.ReadFile(filepath.Join(pkg, verify.AuditReportDir(au.ID), "report.json")); !bytes.Equal(got, want.Bytes()) {
		t.Error("the package's report.json is not the office's public report")
	}

	// The package the office serves at /public/elections/{e}/evidence/
	// carries the same report and verifies the same.
	served, err := x.O.Evidence(t.Context(), x.Election)
	if err != nil {
		t.Fatal(err)
	}
	srep, err := verify.Package(t.Context(), served, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// (The served package cannot list files/sha256, as over HTTP; only
	// the audit claim is asked for here.)
	if c := srep.Claim(verify.ClaimAudit); c.Status != verify.OK {
		t.Errorf("the served package: audit claim %+v", c)
	}

	sch, err := jsonschema.NewCompiler().Compile("../docs/evidence.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(pkg, verify.EvidenceName))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("evidence.json does not follow docs/evidence.schema.json: %v", err)
	}
	bad := bytes.Replace(raw, []byte(`"outcome": "done"`), []byte(`"outcome": "finished"`), 1)
	doc, _ = jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err := sch.Validate(doc); err == nil {
		t.Error("the schema accepts an unknown round outcome")
	}
}
