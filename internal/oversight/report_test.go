package oversight_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/text/unicode/norm"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

var sets = []store.MigrationSet{identity.Migrations(), catalog.Migrations(), ledger.Migrations(), kpi.Migrations(), oversight.Migrations()}

// ev is one event of the hand-made history.
type ev struct {
	at                                            time.Time
	kind, actor, agency, service, region, subject string
	payload                                       map[string]any
}

// mehr is a time in Mehr 1404 (October 2025); aban one in Aban 1404,
// which began on 23 October 2025 in Tehran.
func mehr(day, hour int) time.Time { return time.Date(2025, 10, day, hour, 0, 0, 0, time.UTC) }
func aban(day, hour int) time.Time { return time.Date(2025, 10, 24+day, hour, 0, 0, 0, time.UTC) }

func submitted(at time.Time, agency, service, region, subject, tracking string, promised time.Duration) ev {
	return ev{at, "apply.case.submitted", "user:1", agency, service, region, subject,
		map[string]any{"tracking": tracking, "state": "submitted", "deadline": at.Add(promised), "channel": "online"}}
}

func decided(at time.Time, actor, agency, service, region, subject, tracking, to string) ev {
	return ev{at, "apply.case.transition", actor, agency, service, region, subject,
		map[string]any{"tracking": tracking, "from": "in_review", "to": to}}
}

// history: in Mehr, NOCR has S1 (L2) and S2 (L1) and SSO has S3 (L3);
// three cases are decided, one late; in Aban S2 becomes L3, SSO's
// automatic rejection of Mehr is overturned, and NOCR decides one case
// automatically and on time.
var history = []ev{
	{mehr(1, 8), "catalog.service.published", "user:2", "NOCR", "S1", "", "", map[string]any{"key": 1, "level": "L2"}},
	{mehr(1, 8), "catalog.service.published", "user:2", "NOCR", "S2", "", "", map[string]any{"key": 2, "level": "L1"}},
	{mehr(1, 9), "catalog.service.published", "user:3", "SSO", "S3", "", "", map[string]any{"key": 3, "level": "L3"}},
	submitted(mehr(2, 10), "NOCR", "S1", "THR-01", "p1", "T1", 72*time.Hour),
	decided(mehr(2, 11), "rules:S1@v1", "NOCR", "S1", "THR-01", "p1", "T1", "approved"),
	submitted(mehr(3, 10), "NOCR", "S2", "THR-01", "p2", "T2", 48*time.Hour),
	decided(mehr(5, 12), "user:7", "NOCR", "S2", "THR-01", "p2", "T2", "rejected"),
	submitted(mehr(4, 10), "SSO", "S3", "YZD-01", "p3", "T3", 24*time.Hour),
	decided(mehr(4, 12), "rules:S3@v2", "SSO", "S3", "YZD-01", "p3", "T3", "rejected"),
	{mehr(6, 9), "apply.feedback.given", "user:4", "NOCR", "S2", "THR-01", "p2", map[string]any{"tracking": "T2", "rating": 2}},
	{mehr(6, 9), "apply.complaint.received", "user:4", "NOCR", "S2", "THR-01", "p2", map[string]any{"tracking": "T2", "complaint": "C1"}},
	{aban(1, 8), "catalog.service.level_changed", "system", "NOCR", "S2", "", "", map[string]any{"level": "L3", "was": "L1"}},
	{aban(1, 10), "apply.objection.decided", "user:6", "SSO", "S3", "YZD-01", "p3", map[string]any{"tracking": "T3", "overturned": true}},
	submitted(aban(2, 10), "NOCR", "S1", "THR-01", "p4", "T5", 10*time.Hour),
	decided(aban(2, 13), "rules:S1@v1", "NOCR", "S1", "THR-01", "p4", "T5", "approved"),
	{aban(4, 9), "apply.feedback.given", "user:1", "NOCR", "S1", "THR-01", "p4", map[string]any{"tracking": "T5", "rating": 5}},
}

type fixture struct {
	s   *store.Store
	led *ledger.Ledger
	k   *kpi.KPI
	o   *oversight.Oversight
}

func mustFixture(t *testing.T, s *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := identity.Principal{Kind: "user", ID: 1, Roles: []identity.Role{identity.RolePlatformAdmin}}
	for _, a := range []catalog.Agency{
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainPolice},
		{Code: "SSO", NameFa: "سازمان تأمین اجتماعی", NameEn: "Social Security Organization", Domain: catalog.DomainHealth},
	} {
		if err := cat.PutAgency(ctx, admin, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []catalog.Region{
		{Code: "THR", NameFa: "تهران", NameEn: "Tehran", Kind: catalog.Province},
		{Code: "YZD", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.Province},
		{Code: "THR-01", NameFa: "تهران", NameEn: "Tehran", Kind: catalog.City, Province: "THR", Capital: true},
		{Code: "YZD-01", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.City, Province: "YZD", Capital: true, Pilot: true},
	} {
		if err := cat.PutRegion(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range history {
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Append(ctx, store.Event{At: e.at, Kind: e.kind, Actor: e.actor, Agency: e.agency, Service: e.service,
				Region: e.region, Subject: e.subject}, e.payload)
		}); err != nil {
			t.Fatal(err)
		}
	}
	led, err := ledger.New(ctx, ledger.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.SealNow(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := kpi.New(kpi.Config{Store: s, Catalog: cat, Ledger: led})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := oversight.New(oversight.Options{Store: s, KPI: k, Signer: led, Catalog: cat, Config: oversight.Default()})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, led: led, k: k, o: o}
}

func TestBuild(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)

		// Rankings and targets straight from the figures. NOCR in Aban:
		// electronic 100, smart 50, on time 100, satisfaction 100,
		// complaints 100 (none), upheld 100: 90. SSO: electronic and
		// smart 100, nothing else: 100 on half the weight.
		agencies, provinces, err := f.o.Rankings(ctx, "1404-08")
		if err != nil {
			t.Fatal(err)
		}
		if len(agencies) != 2 || agencies[0].Agency != "SSO" || agencies[0].Score != 100 || agencies[0].Weight != 50 ||
			agencies[1].Agency != "NOCR" || agencies[1].Score != 90 || agencies[1].Rank != 2 {
			t.Errorf("agencies = %+v", agencies)
		}
		// Tehran in Aban: one case, on time and upheld, rated 5, no
		// complaint: 100 on the weight of the four case components.
		if len(provinces) != 1 || provinces[0].Province != "THR" || provinces[0].Score != 100 || provinces[0].Weight != 50 {
			t.Errorf("provinces = %+v", provinces)
		}
		progress, err := f.o.Progress(ctx, "1404-08")
		if err != nil {
			t.Fatal(err)
		}
		// The country: smart 1/3 in Mehr (the first month, so the base),
		// 2/3 in Aban; target for 1404: 33.33 + 20; the trend, +33.33 a
		// month, is at 100 by the year's end.
		if len(progress) != 3 || progress[0].Agency != "" || progress[0].Smart != 66.67 || progress[0].SmartBase != 33.33 ||
			progress[0].SmartTarget != 53.33 || progress[0].YearEnd != 100 || !progress[0].OnTrack || progress[0].BaseMonth != "1404-07" ||
			progress[1].Agency != "NOCR" || progress[1].Electronic != 100 || progress[1].Smart != 50 {
			t.Errorf("progress = %+v", progress)
		}

		// A month without a single event still has its catalogue (the
		// state at its end), so it is judged, with the quiet month in the
		// trend: shares 33.33, 66.67, 66.67.
		quiet, err := f.o.Progress(ctx, "1404-09")
		if err != nil {
			t.Fatal(err)
		}
		if quiet[0].NoData || quiet[0].Services != 3 || quiet[0].Points != 3 || quiet[0].Smart != 66.67 || quiet[0].Slope != 16.67 {
			t.Errorf("a quiet month: %+v", quiet[0])
		}

		// A month that has not ended, and a malformed one, are refused
		// and change nothing.
		y, m := persian.JalaliMonth(time.Now())
		thisMonth := fmt.Sprintf("%04d-%02d", y, m)
		for _, bad := range []string{thisMonth, "1499-01", "1404-13", "1404/08", ""} {
			if _, err := f.o.Build(ctx, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("Build(%q) = %v, want Invalid", bad, err)
			}
		}
		if fa, _ := errs.Messages(mustErr(f.o.Build(ctx, thisMonth))); !strings.Contains(fa, "پیش از پایان") {
			t.Errorf("the refusal says %q", fa)
		}
		if list, _ := f.o.Reports(ctx); len(list) != 0 {
			t.Fatalf("refused builds archived %v", list)
		}
		if _, err := f.o.Report(ctx, "1404-08"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("Report before Build = %v", err)
		}

		// Two nodes build Aban at once: one report, one event.
		var wg sync.WaitGroup
		reports := make([]oversight.Report, 2)
		errors := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reports[i], errors[i] = f.o.BuildBy(ctx, "1404-08", "user:9")
			}()
		}
		wg.Wait()
		for _, err := range errors {
			if err != nil {
				t.Fatal(err)
			}
		}
		r := reports[0]
		if reports[1].HTMLSHA256 != r.HTMLSHA256 || reports[1].PDFSHA256 != r.PDFSHA256 {
			t.Errorf("two builds returned different reports")
		}
		stored, err := f.o.Report(ctx, "1404-08")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct {
			name string
			body []byte
			sum  string
		}{{"html", stored.HTML, stored.HTMLSHA256}, {"pdf", stored.PDF, stored.PDFSHA256}, {"figures", stored.Figures, stored.FiguresSHA256}} {
			if h := sha256.Sum256(d.body); hex.EncodeToString(h[:]) != d.sum || len(d.body) == 0 {
				t.Errorf("the %s's digest does not match its bytes", d.name)
			}
		}
		if stored.HTMLSHA256 != r.HTMLSHA256 {
			t.Errorf("the archive holds another report than the one returned")
		}

		// The signature verifies with the ledger's key, over the digests.
		n, err := note.Open(stored.Signature, note.VerifierList(f.led.Verifier()))
		if err != nil {
			t.Fatalf("the signature does not verify: %v\n%s", err, stored.Signature)
		}
		want := "panjare report 1404-08\nsha256 html " + stored.HTMLSHA256 + "\nsha256 pdf " + stored.PDFSHA256 + "\nsha256 figures " + stored.FiguresSHA256 + "\n"
		if n.Text != want {
			t.Errorf("signed text = %q, want %q", n.Text, want)
		}

		// The event carries the digests; there is one.
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "oversight.report.published"})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Actor != "user:9" {
			t.Fatalf("events = %+v", evs)
		}
		var payload map[string]string
		json.Unmarshal(evs[0].Payload, &payload)
		if payload["month"] != "1404-08" || payload["html_sha256"] != stored.HTMLSHA256 || payload["pdf_sha256"] != stored.PDFSHA256 ||
			payload["figures_sha256"] != stored.FiguresSHA256 {
			t.Errorf("payload = %v", payload)
		}

		// Building again changes nothing.
		again, err := f.o.Build(ctx, "1404-08")
		if err != nil || again.HTMLSHA256 != stored.HTMLSHA256 || !bytes.Equal(again.PDF, stored.PDF) {
			t.Fatalf("rebuild: %v", err)
		}
		if evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "oversight.report.published"}); len(evs) != 1 {
			t.Errorf("a rebuild appended another event: %d", len(evs))
		}

		// The figures document is the KPIs of the months the report uses.
		var doc kpi.Document
		if err := json.Unmarshal(stored.Figures, &doc); err != nil || doc.Version != 1 {
			t.Fatalf("figures: %v", err)
		}
		months := map[string]bool{}
		for _, f := range doc.Figures {
			months[f.Month] = true
		}
		if !months["1404-07"] || !months["1404-08"] || len(months) != 2 || doc.Source.Through == 0 {
			t.Errorf("figures cover %v, source %+v", months, doc.Source)
		}

		// The page: a Persian RTL document with the names, the method and
		// the ranking.
		html := string(stored.HTML)
		if p := os.Getenv("PANJARE_KEEP_HTML"); p != "" {
			_ = os.WriteFile(p, stored.HTML, 0o600)
		}
		for _, want := range []string{`<html lang="fa" dir="rtl">`, "گزارش ماهانهٔ نظارت — آبان ۱۴۰۴", "سازمان ثبت احوال کشور",
			"سازمان تأمین اجتماعی", "رتبه‌بندی استان‌ها", "وزن ۳۰ (۳۰٪)", "بیشترین تغییرها نسبت به مهر ۱۴۰۴", "<td>۹۰</td>", "در مسیر"} {
			if !strings.Contains(html, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		checkPDF(t, stored.PDF, []string{"گزارش ماهانهٔ نظارت", "خلاصهٔ ملی", "سازمان ثبت احوال کشور", "رتبه‌بندی دستگاه‌ها",
			"دستگاه‌ها در برابر هدف‌ها", "خدمت فعال بود که"})

		list, err := f.o.Reports(ctx)
		if err != nil || len(list) != 1 || list[0].Month != "1404-08" || list[0].PDFSHA256 != stored.PDFSHA256 {
			t.Errorf("Reports = %+v, %v", list, err)
		}
	}, sets...)
}

func mustErr(_ oversight.Report, err error) error { return err }

// The River job, registered and started as the app does, builds the month
// before this one by itself.
func TestReportJob(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		f.o.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		y, m := persian.JalaliMonth(time.Now().Add(-10 * time.Minute))
		if m--; m == 0 {
			y, m = y-1, 12
		}
		want := fmt.Sprintf("%04d-%02d", y, m)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if _, err := f.o.Report(ctx, want); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the job did not build %s", want)
			}
		}
	}, sets...)
}

// The job builds the month before this one, once.
func TestBuildDue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		month, built, err := f.o.BuildDue(ctx)
		if err != nil || !built {
			t.Fatalf("BuildDue = %s, %v, %v", month, built, err)
		}
		y, m := persian.JalaliMonth(time.Now().Add(-10 * time.Minute))
		m--
		if m == 0 {
			y, m = y-1, 12
		}
		if want := fmt.Sprintf("%04d-%02d", y, m); month != want {
			t.Errorf("BuildDue built %s, want %s", month, want)
		}
		if _, built, err := f.o.BuildDue(ctx); err != nil || built {
			t.Errorf("BuildDue again: built %v, %v", built, err)
		}
	}, sets...)
}

// checkPDF checks that out is a PDF with an embedded font whose text, as
// poppler extracts it, holds each of want in logical order.
func checkPDF(t *testing.T, out []byte, want []string) {
	t.Helper()
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", out[:min(len(out), 16)])
	}
	if !bytes.Contains(out, []byte("/FontFile2")) && !bytes.Contains(out, []byte("/FontFile3")) {
		t.Error("the PDF embeds no font")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext is not installed (apt-get install poppler-utils): the PDF's text is not checked")
		return
	}
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("PANJARE_KEEP_PDF"); p != "" {
		_ = os.WriteFile(p, out, 0o600)
	}
	txt, err := exec.Command("pdftotext", "-q", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := flat(string(txt))
	for _, w := range want {
		if !strings.Contains(text, flat(w)) {
			t.Errorf("the PDF's text lacks %q:\n%s", w, txt)
		}
	}
}

// flat drops what pdftotext adds or loses (spaces, joiners, bidi marks)
// and folds presentation forms, to compare letters in logical order.
func flat(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\n' || r == '\u200c' || r == '\u00a0' || r == '\u200e' || r == '\u200f',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, norm.NFKC.String(s))
}
