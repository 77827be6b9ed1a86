package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestDocumentVerify checks "panjare document verify": a document's QR
// text and the published keys, nothing else, tell genuine from forged.
func TestDocumentVerify(t *testing.T) {
	ctx := context.Background()
	s := storetest.MustOpen(t, store.SQLite, identity.Migrations(), catalog.Migrations(), permit.Migrations())
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cat, err := catalog.New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.PutAgency(ctx, identity.System, catalog.Agency{Code: "JUD", NameFa: "قوه قضاییه", Domain: catalog.DomainJudicial, Connected: true}); err != nil {
		t.Fatal(err)
	}
	d, err := cat.SaveDraft(ctx, identity.System, 0, catalog.Record{
		TitleFa: "صدور گواهی عدم سوء پیشینه", DescriptionFa: "گواهی عدم سوء پیشینهٔ کیفری را برخط و بدون مراجعه دریافت کنید؛ گواهی امضای دیجیتال دارد.",
		Agency: "JUD", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Trigger: catalog.OnRequest, Decision: catalog.DecideManual,
		Outputs:        []catalog.Output{{NameFa: "گواهی", Kind: "document"}},
		ProcessingTime: catalog.Duration{Days: 1}, Frequency: catalog.AsNeeded,
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون آیین دادرسی کیفری"}},
		Channels:   []catalog.Channel{catalog.ChannelWeb},
		Stages:     catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	p, err := permit.New(ctx, s, cat, "https://panjare.test")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := p.Issue(ctx, identity.System, permit.IssueRequest{Service: svc.ID, Holder: "0067749828", HolderName: "زهرا کریمی",
		Facts: []permit.Fact{{Code: "record", LabelFa: "سابقهٔ کیفری مؤثر", LabelEn: "Relevant criminal record", Value: "ندارد"}}})
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := p.JWKSJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(keys, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dir, "qr.txt")
	if err := os.WriteFile(token, []byte(doc.JWS+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(jwks) }))
	defer srv.Close()

	verify := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"document", "verify"}, args...), env(nil), &out, &errb)
		return code, out.String() + errb.String()
	}
	for _, args := range [][]string{{"--jwks", keys, "--jws", doc.JWS}, {"--jwks", srv.URL, "--jws-file", token}} {
		if code, out := verify(args...); code != 0 || !strings.Contains(out, "valid signature") || !strings.Contains(out, doc.ID) || !strings.Contains(out, "زهرا کریمی") ||
			!strings.Contains(out, "Relevant criminal record: ندارد") {
			t.Errorf("verify %v: exit %d\n%s", args[:2], code, out)
		}
	}
	parts := strings.Split(doc.JWS, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	if code, out := verify("--jwks", keys, "--jws", forged); code != 1 || !strings.Contains(out, "forged") {
		t.Errorf("forged: exit %d\n%s", code, out)
	}
	if code, _ := verify("--jws", doc.JWS); code != 2 {
		t.Errorf("without --jwks: exit %d, want 2", code)
	}
	if code, _ := verify("--jwks", filepath.Join(dir, "missing.json"), "--jws", doc.JWS); code != 1 {
		t.Errorf("a missing key file: exit %d, want 1", code)
	}
}
