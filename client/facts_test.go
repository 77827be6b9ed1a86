package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/client"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// TestDecideWithFacts drives, over HTTP with the agency's key, the approval
// of a certificate whose document certifies a fact the official decides:
// without it the decision is a 400 naming the fact; with it the case is
// issued and the document certifies it. The JWKS had the agency's key
// before the document existed.
func TestDecideWithFacts(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			w := startApp(t, d)
			rec := complaintRecord()
			rec.TitleFa, rec.TitleEn = "گواهی عضویت صنفی", "Guild membership certificate"
			rec.Outputs = []catalog.Output{{NameFa: "گواهی عضویت", NameEn: "Membership certificate", Kind: "document", Certifies: []catalog.Fact{
				{Code: "story", NameFa: "شرح", NameEn: "Statement", From: catalog.FactFromForm, Evidence: "story"},
				{Code: "grade", NameFa: "درجهٔ عضویت", NameEn: "Membership grade", From: catalog.FactFromDecision},
			}}}
			dr, err := w.app.Catalog.SaveDraft(ctx, identity.System, 0, rec)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := w.app.Catalog.Publish(ctx, identity.System, dr.Key)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := w.app.Permits.PublicKeys(ctx)
			if err != nil || len(keys.Keys) != 1 || keys.Keys[0].Agency != "MIMT" {
				t.Fatalf("the JWKS after publishing MIMT's certificate = %+v, %v", keys.Keys, err)
			}
			cs, err := w.app.Apply.Submit(ctx, citizen, svc.ID, map[string]string{"phone": "09121234567", "decl_story": "عضو اتحادیهٔ نانوایان"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := client.New(w.base, w.key)
			if _, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.InReview}, ""); err != nil {
				t.Fatal(err)
			}
			// The case tells the back office what to confirm.
			open, err := c.Case(ctx, cs.Tracking)
			if err != nil || len(open.Facts) != 2 || open.Facts[0].Code != "story" || open.Facts[0].Value != "عضو اتحادیهٔ نانوایان" ||
				open.Facts[1].Code != "grade" || open.Facts[1].Value != "" || open.Facts[1].From != "decision" || open.Facts[1].NameEn != "Membership grade" {
				t.Fatalf("the open case's facts = %+v, %v", open.Facts, err)
			}
			_, err = c.Decide(ctx, cs.Tracking, client.Transition{To: client.Approved}, "")
			var p *client.Problem
			if !client.IsProblem(err, 400) || !asProblem(err, &p) || len(p.Errors) != 1 || p.Errors[0].Field != "fact_grade" {
				t.Fatalf("approval without the grade: %v", err)
			}
			got, err := c.Decide(ctx, cs.Tracking, client.Transition{To: client.Approved, Facts: map[string]string{"grade": "درجهٔ یک"}},
				"approve-"+time.Now().Format(time.RFC3339Nano))
			if err != nil || got.State != client.Issued || got.Document == "" {
				t.Fatalf("approve with the grade = %+v, %v", got, err)
			}
			doc, err := w.app.Permits.Document(ctx, got.Document)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Facts) != 2 || doc.Facts[0].Value != "عضو اتحادیهٔ نانوایان" || doc.Facts[1].Value != "درجهٔ یک" || doc.Facts[1].LabelEn != "Membership grade" {
				t.Fatalf("the document certifies %+v", doc.Facts)
			}
		})
	}
}
