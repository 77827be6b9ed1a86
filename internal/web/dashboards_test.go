package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/panjare/panjare/internal/persian"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// dashSite is the portal with KPIs folded from a small history: three
// applications for the passport (POLICE) in two cities of Yazd, one of
// them a pilot city, two decisions (one by rules, later overturned on
// objection; one late), two ratings, a complaint and two inquiries; and
// one application in an earlier month, for the trend.
type dashSite struct {
	*site
	kpi         *kpi.KPI
	ov          *oversight.Oversight
	month, prev string
}

var (
	dashOverseer = &identity.Principal{Kind: "user", ID: 21, Name: "ناظر", Roles: []identity.Role{identity.RoleOverseer}}
	policeAdmin  = &identity.Principal{Kind: "user", ID: 22, Name: "مدیر پلیس", Agency: "POLICE", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	policeClerk  = &identity.Principal{Kind: "user", ID: 23, Name: "کارشناس پلیس", Agency: "POLICE", Roles: []identity.Role{identity.RoleOperator}}
	judAdmin     = &identity.Principal{Kind: "user", ID: 24, Name: "مدیر قضاییه", Agency: "JUD", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	aCitizen     = &identity.Principal{Kind: "user", ID: 25, Name: "شهروند", NationalCode: "0067749828", Roles: []identity.Role{identity.RoleCitizen}}
)

func mustDashSite(t *testing.T, s *store.Store) *dashSite {
	t.Helper()
	ctx := context.Background()
	st := mustSite(t, s)
	root := identity.Principal{Kind: "user", ID: 1, Roles: []identity.Role{identity.RolePlatformAdmin}}
	for _, r := range []catalog.Region{
		{Code: "YZD", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.Province},
		{Code: "YZD-01", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.City, Province: "YZD", Capital: true},
		{Code: "YZD-02", NameFa: "میبد", NameEn: "Meybod", Kind: catalog.City, Province: "YZD", Pilot: true},
	} {
		if err := st.cat.PutRegion(ctx, root, r); err != nil {
			t.Fatal(err)
		}
	}
	// Every event of the month falls within three hours of base, in one
	// Jalali month whatever the day the test runs.
	base := s.Now()
	if persian.MonthKey(base.Add(-3*time.Hour)) != persian.MonthKey(base) {
		base = base.Add(3 * time.Hour)
	}
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	earlier := base.AddDate(0, 0, -40)
	svc := st.passport
	type ev struct {
		store.Event
		payload any
	}
	apply := func(at time.Time, kind, actor, region, subject string, payload any) ev {
		return ev{store.Event{At: at, Kind: kind, Actor: actor, Agency: "POLICE", Service: svc, Region: region, Subject: subject}, payload}
	}
	evs := []ev{
		apply(earlier, "apply.case.submitted", "user:9", "YZD-01", "0012345679", map[string]any{"tracking": "1405-0000-0009", "deadline": earlier.Add(240 * time.Hour)}),
		apply(h(-3), "apply.draft.saved", "user:1", "", "0067749828", map[string]any{}),
		apply(h(-3), "apply.case.submitted", "user:1", "YZD-02", "0067749828", map[string]any{"tracking": "1405-0000-0001", "deadline": h(240), "channel": "online"}),
		apply(h(-3), "apply.case.submitted", "user:2", "YZD-01", "0012345679", map[string]any{"tracking": "1405-0000-0002", "deadline": h(-2), "channel": "counter"}),
		apply(h(-3), "apply.case.submitted", "user:3", "YZD-02", "0499370899", map[string]any{"tracking": "1405-0000-0003", "deadline": h(240)}),
		apply(h(-1), "apply.case.transition", "rules:"+svc, "YZD-02", "0067749828", map[string]any{"tracking": "1405-0000-0001", "to": "approved"}),
		apply(h(0), "apply.case.transition", "user:7", "YZD-01", "0012345679", map[string]any{"tracking": "1405-0000-0002", "to": "rejected"}),
		apply(h(0), "apply.objection.decided", "user:7", "YZD-02", "0067749828", map[string]any{"tracking": "1405-0000-0001", "overturned": true}),
		apply(h(0), "apply.feedback.given", "user:1", "YZD-02", "0067749828", map[string]any{"tracking": "1405-0000-0001", "rating": 4}),
		apply(h(0), "apply.feedback.given", "user:2", "YZD-01", "0012345679", map[string]any{"tracking": "1405-0000-0002", "rating": 5}),
		apply(h(0), "apply.complaint.received", "user:2", "YZD-01", "0012345679", map[string]any{"tracking": "1405-0000-0002"}),
		{store.Event{At: h(-2), Kind: "exchange.inquiry", Actor: "system", Subject: "0067749828"},
			map[string]any{"provider": "IR/GOV/NOCR/person-identity", "status": 200, "latency_ms": 120.7}},
		{store.Event{At: h(-2), Kind: "exchange.inquiry", Actor: "system", Subject: "0012345679"},
			map[string]any{"provider": "IR/GOV/NOCR/person-identity", "status": 503, "error": "unavailable", "latency_ms": 300}},
	}
	for _, e := range evs {
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.Append(ctx, e.Event, e.payload) }); err != nil {
			t.Fatal(err)
		}
	}
	k, err := kpi.New(kpi.Config{Store: s, Catalog: st.cat})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	st.web.kpi = k
	// Targets and rankings, with the default configuration; the ledger
	// only signs reports, which these tests do not build.
	led, err := ledger.New(ctx, ledger.Config{Store: s, Origin: "panjare.ledger"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := oversight.New(oversight.Options{Store: s, KPI: k, Signer: led, Catalog: st.cat, Config: oversight.Default()})
	if err != nil {
		t.Fatal(err)
	}
	st.web.ov = o
	return &dashSite{site: st, kpi: k, ov: o, month: persian.MonthKey(base), prev: persian.MonthKey(earlier)}
}

// kpiCell returns the value shown on the row of figure id of the figures
// table.
func kpiCell(t *testing.T, doc *html.Node, id string) string {
	t.Helper()
	rows := all(doc, func(e *html.Node) bool { return e.Data == "tr" && attr(e, "data-kpi") == id })
	if len(rows) != 1 {
		t.Fatalf("%d rows of figure %s", len(rows), id)
	}
	return textOf(tags(rows[0], "td")[0])
}

// checkFigures holds the figures table of doc to f, formatted in l, and to
// the counts the history is known to hold (want: figure → Persian text).
func checkFigures(t *testing.T, path string, doc *html.Node, l lang, f kpi.Figures, want map[string]string) {
	t.Helper()
	for _, m := range metrics(l, f) {
		if got := kpiCell(t, doc, m.ID); got != strings.Join(strings.Fields(m.Value), " ") {
			t.Errorf("%s: %s shows %q, the figures say %q", path, m.ID, got, m.Value)
		}
	}
	for id, v := range want {
		if got := kpiCell(t, doc, id); got != v {
			t.Errorf("%s: %s shows %q, want %q", path, id, got, v)
		}
	}
}

func TestDashboards(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDashSite(t, s)
		nat, err := d.kpi.Get(ctx, kpi.Key{Month: d.month})
		if err != nil {
			t.Fatal(err)
		}
		if nat.Submitted != 3 || nat.Decided != 2 || nat.DecidedAuto != 1 || nat.Overturned != 1 || nat.OnTime != 1 || nat.Complaints != 1 {
			t.Fatalf("the history folded into %+v", nat)
		}

		// The public national page: every figure, in Persian digits.
		path := "/transparency?month=" + d.month
		res := getPage(t, d.handler, path, false, http.StatusOK)
		checkFigures(t, path, res.doc, fa, nat, map[string]string{
			"submitted": "۳", "decided": "۲", "auto_share": "۵۰٪", "overturned_share": "۱۰۰٪", "on_time_share": "۵۰٪",
			"satisfaction": "۴٫۵ از ۵", "complaints_per_thousand": "۳۳۳٫۳", "digital_share": "۶۷٪", "started": "۳", "completion_rate": "۱۰۰٪",
		})
		if p := byID(res.doc, "providers"); len(p) != 1 || !strings.Contains(textOf(p[0]), "IR/GOV/NOCR") || !strings.Contains(textOf(p[0]), "۵۰٪") {
			t.Errorf("%s: providers table %q", path, textOf(p[0]))
		}
		// The trend holds both months, the earlier first (one submitted).
		trend := byID(res.doc, "transparency-volumes")
		if len(trend) != 1 {
			t.Fatalf("%s: no volumes chart table", path)
		}
		rows := tags(tags(trend[0], "tbody")[0], "tr")
		if len(rows) != 2 || textOf(tags(rows[0], "th")[0]) != monthIn(fa, d.prev) || textOf(tags(rows[1], "td")[1]) != "۳" || attr(tags(rows[1], "td")[1], "data-v") != "3" {
			t.Errorf("%s: trend rows %d: %q", path, len(rows), textOf(trend[0]))
		}
		prov := byID(res.doc, "provenance")
		src, _ := d.kpi.Source(ctx)
		if len(prov) != 1 || !strings.Contains(textOf(prov[0]), numIn(fa, src.Through)) {
			t.Errorf("%s: provenance %q, want event %d", path, textOf(prov[0]), src.Through)
		}
		for _, href := range []string{"/opendata/kpi-" + d.month + ".csv", "/opendata/kpi-" + d.month + ".json", "/reports"} {
			if !hasLink(res.doc, href) {
				t.Errorf("%s: no link to %s", path, href)
			}
		}
		checkRanks(t, d, res.doc, "")
		// The charts load only when ECharts is installed (`make assets`),
		// from our own origin; without it the page is its tables.
		scripts := func(doc *html.Node) []string {
			var out []string
			for _, sc := range tags(doc, "script") {
				out = append(out, attr(sc, "src"))
			}
			return out
		}
		if _, ok := d.web.hashes[echartsFile]; ok {
			got := scripts(res.doc)
			if len(got) != 2 || !strings.HasPrefix(got[0], "/static/vendor/echarts/echarts.min.js") || !strings.HasPrefix(got[1], "/static/js/charts.js") {
				t.Errorf("%s: scripts %v", path, got)
			}
		}
		saved := d.web.hashes
		d.web.hashes = map[string]string{}
		for k, v := range saved {
			if k != echartsFile {
				d.web.hashes[k] = v
			}
		}
		if got := scripts(getPage(t, d.handler, path, false, http.StatusOK).doc); len(got) != 0 {
			t.Errorf("%s without ECharts: scripts %v", path, got)
		}
		d.web.hashes = saved
		// English: the same figures with ASCII digits.
		res = getPage(t, d.handler, path, true, http.StatusOK)
		checkFigures(t, path+" (en)", res.doc, en, nat, map[string]string{"submitted": "3", "satisfaction": "4.5 out of 5"})

		// A pilot city: marked, and only its own events.
		path = "/transparency/city/YZD-02?month=" + d.month
		res = getPage(t, d.handler, path, false, http.StatusOK)
		if len(byID(res.doc, "pilot")) != 1 {
			t.Errorf("%s: the pilot city is not marked", path)
		}
		city, _ := d.kpi.Get(ctx, kpi.Key{Month: d.month, City: "YZD-02"})
		checkFigures(t, path, res.doc, fa, city, map[string]string{"submitted": "۲", "started": "—"})
		path = "/transparency/province/YZD?month=" + d.month
		res = getPage(t, d.handler, path, false, http.StatusOK)
		province, _ := d.kpi.Get(ctx, kpi.Key{Month: d.month, Province: "YZD"})
		checkFigures(t, path, res.doc, fa, province, map[string]string{"submitted": "۳", "started": "—"})
		if c := byID(res.doc, "transparency-cities"); len(c) != 1 || !strings.Contains(textOf(c[0]), "میبد (شهر هدف)") {
			t.Errorf("%s: cities table does not mark the pilot city", path)
		}
		path = "/transparency/agency/POLICE?month=" + d.month
		res = getPage(t, d.handler, path, false, http.StatusOK)
		police, _ := d.kpi.Get(ctx, kpi.Key{Month: d.month, Agency: "POLICE"})
		checkFigures(t, path, res.doc, fa, police, map[string]string{"submitted": "۳", "services": "۱"})
		if len(all(res.doc, func(e *html.Node) bool { return attr(e, "data-service") == d.passport })) != 1 {
			t.Errorf("%s: the passport is not in the services table", path)
		}
		for _, bad := range []string{"/transparency/agency/NOPE", "/transparency/province/YZD-01", "/transparency/city/YZD", "/transparency/city/THR-09"} {
			if r := fetch(t, d.handler, bad, false); r.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", bad, r.status)
			}
		}
		for _, bad := range []string{"/transparency?month=1405-13", "/transparency?month=hello", "/oversight?month=14050", "/opendata/kpi-1405-00.csv"} {
			if r := fetchAs(t, d.handler, dashOverseer, bad, false); r.status != http.StatusBadRequest || !strings.Contains(r.body, "۱۴۰۴-۰۷") {
				t.Errorf("%s: %d, want 400 saying the month's form", bad, r.status)
			}
		}

		// The dashOverseer's dashboard, narrowed by agency and city; nobody else
		// reads it.
		path = "/oversight?month=" + d.month
		res = fetchAs(t, d.handler, dashOverseer, path, false)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", path, res.status, res.body)
		}
		checkPage(t, path, res.doc, "fa", "rtl")
		checkFigures(t, path, res.doc, fa, nat, nil)
		if a := byID(res.doc, "oversight-agencies"); len(a) != 1 || !strings.Contains(textOf(a[0]), "پلیس مهاجرت و گذرنامه") {
			t.Errorf("%s: agencies side by side: %v", path, a)
		}
		res = fetchAs(t, d.handler, dashOverseer, path+"&agency=POLICE&city=YZD-01", false)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d", path, res.status)
		}
		narrowed, _ := d.kpi.Get(ctx, kpi.Key{Month: d.month, Agency: "POLICE", City: "YZD-01"})
		checkFigures(t, path+" narrowed", res.doc, fa, narrowed, map[string]string{"submitted": "۱", "complaints_per_thousand": "۱۰۰۰٫۰"})
		checkTargetsAndRanks(t, d, res.doc, "")
		if r := fetchAs(t, d.handler, dashOverseer, path+"&agency=NOPE", false); r.status != http.StatusBadRequest {
			t.Errorf("an unknown agency: %d, want 400", r.status)
		}
		if r := fetchAs(t, d.handler, nil, path, false); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/signin") {
			t.Errorf("anonymous: %d %s", r.status, r.header.Get("Location"))
		}
		for _, p := range []*identity.Principal{aCitizen, policeAdmin} {
			if r := fetchAs(t, d.handler, p, path, false); r.status != http.StatusForbidden {
				t.Errorf("%s reads /oversight: %d", p.Name, r.status)
			}
		}

		// The agency's own dashboard: POLICE's admin and operator see
		// POLICE's figures and services; JUD's admin sees JUD's (none), and
		// nobody reads another agency's by editing the address.
		path = "/agency/dashboard?month=" + d.month
		for _, p := range []*identity.Principal{policeAdmin, policeClerk} {
			res = fetchAs(t, d.handler, p, path, false)
			if res.status != http.StatusOK {
				t.Fatalf("%s as %s: %d\n%s", path, p.Name, res.status, res.body)
			}
			checkPage(t, path, res.doc, "fa", "rtl")
			checkFigures(t, path, res.doc, fa, police, map[string]string{"submitted": "۳"})
			if len(all(res.doc, func(e *html.Node) bool { return attr(e, "data-service") == d.passport })) != 1 {
				t.Errorf("%s as %s: no row for the passport", path, p.Name)
			}
			checkTargetsAndRanks(t, d, res.doc, "POLICE")
			if ro := len(byID(res.doc, "read-only")) == 1; ro != (p == policeClerk) {
				t.Errorf("%s as %s: read-only note %v", path, p.Name, ro)
			}
		}
		res = fetchAs(t, d.handler, judAdmin, path, false)
		jud, _ := d.kpi.Get(ctx, kpi.Key{Month: d.month, Agency: "JUD"})
		checkFigures(t, path+" JUD", res.doc, fa, jud, map[string]string{"submitted": "۰"})
		if strings.Contains(res.body, "data-service=\""+d.passport+"\"") {
			t.Errorf("JUD's dashboard lists POLICE's passport")
		}
		if r := fetchAs(t, d.handler, judAdmin, path+"&agency=POLICE", false); r.status != http.StatusForbidden {
			t.Errorf("JUD's admin reads POLICE's dashboard: %d, want 403", r.status)
		}
		for _, p := range []*identity.Principal{aCitizen, dashOverseer} {
			if r := fetchAs(t, d.handler, p, path, false); r.status != http.StatusForbidden {
				t.Errorf("%s reads /agency/dashboard: %d", p.Name, r.status)
			}
		}
	}, dashMigrations()...)
}

func TestOpenData(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := mustDashSite(t, s)
		res := getPage(t, d.handler, "/opendata/", false, http.StatusOK)
		for _, c := range figureColumns {
			if !strings.Contains(textOf(byID(res.doc, "od-figures")[0]), c.Name) {
				t.Errorf("the schema does not document %s", c.Name)
			}
		}
		if !hasLink(res.doc, "/opendata/kpi-"+d.month+".csv") || !hasLink(res.doc, "/opendata/kpi-"+d.prev+".json") {
			t.Error("the index does not link each month's files")
		}

		// The CSV: RFC 4180, a header, one row per group of the document.
		r := fetch(t, d.handler, "/opendata/kpi-"+d.month+".csv", false)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", r.status, r.header.Get("Content-Type"))
		}
		if strings.HasPrefix(r.body, "\ufeff") || !strings.Contains(r.body, "\r\n") {
			t.Error("the CSV has a byte order mark or no CRLF line ends")
		}
		recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		doc, err := d.kpi.Export(ctx, []string{d.month})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(doc.Figures)+1 || recs[0][0] != "month" || len(recs[0]) != len(figureColumns) {
			t.Fatalf("CSV: %d rows for %d figures; header %v", len(recs), len(doc.Figures), recs[0])
		}
		col := func(name string) int {
			return slices.IndexFunc(figureColumns, func(c column) bool { return c.Name == name })
		}
		var national []string
		for _, rec := range recs[1:] {
			if rec[col("agency")] == "" && rec[col("service")] == "" && rec[col("province")] == "" && rec[col("city")] == "" {
				national = rec
			}
		}
		if national == nil || national[col("submitted")] != "3" || national[col("decided_auto")] != "1" || national[col("rating_sum")] != "9" || national[col("counter")] != "1" {
			t.Errorf("the national row: %v", national)
		}
		// The JSON is the document.
		r = fetch(t, d.handler, "/opendata/kpi-"+d.month+".json", false)
		var got kpi.Document
		if err := json.NewDecoder(bytes.NewReader([]byte(r.body))).Decode(&got); err != nil || r.status != http.StatusOK {
			t.Fatalf("JSON: %d %v", r.status, err)
		}
		if len(got.Figures) != len(doc.Figures) || got.Version != doc.Version || got.Source != doc.Source {
			t.Errorf("JSON: %d figures, want %d", len(got.Figures), len(doc.Figures))
		}
		r = fetch(t, d.handler, "/opendata/providers-"+d.month+".csv", false)
		if r.status != http.StatusOK || !strings.Contains(r.body, "month,provider,inquiries,succeeded,latency_p50_ms,latency_p90_ms\r\n"+d.month+",IR/GOV/NOCR,2,1,") {
			t.Errorf("providers CSV: %d %q", r.status, r.body)
		}
		for path, want := range map[string]int{
			"/opendata/kpi-1405-13.csv": 400, "/opendata/kpi-abc.json": 400, "/opendata/kpi-1390-01.csv": 404,
			"/opendata/providers-1405-01.json": 404, "/opendata/other.csv": 404,
		} {
			if r := fetch(t, d.handler, path, false); r.status != want {
				t.Errorf("%s: %d, want %d", path, r.status, want)
			}
		}
	}, dashMigrations()...)
}

// dashMigrations are the migration sets the dashboards' store needs.
func dashMigrations() []store.MigrationSet {
	return append(catalogMigrations(), kpi.Migrations(), ledger.Migrations(), oversight.Migrations())
}

// checkTargetsAndRanks holds the targets table and the rankings of doc to
// what oversight computes for the month: every agency (or only agency's
// row on its own dashboard), its shares, target, forecast and whether it
// is on track; every rank and score; the method and each weight.
func checkTargetsAndRanks(t *testing.T, d *dashSite, doc *html.Node, agency string) {
	t.Helper()
	ctx := context.Background()
	progress, err := d.ov.Progress(ctx, d.month)
	if err != nil {
		t.Fatal(err)
	}
	rows := all(doc, func(e *html.Node) bool { return e.Data == "tr" && attr(e, "data-progress") != "" })
	want := 0
	for _, p := range progress {
		if agency != "" && p.Agency != agency {
			continue
		}
		want++
		row := all(doc, func(e *html.Node) bool {
			return e.Data == "tr" && attr(e, "data-progress") != "" && attr(e, "data-agency") == p.Agency
		})
		if len(row) != 1 {
			t.Errorf("no target row for %q", p.Agency)
			continue
		}
		cells := tags(row[0], "td")
		if got := []string{textOf(cells[0]), textOf(cells[1]), textOf(cells[2]), textOf(cells[3])}; !slices.Equal(got,
			[]string{pctOf(fa, p.Electronic), pctOf(fa, p.Smart), pctOf(fa, p.SmartTarget), pctOf(fa, p.YearEnd)}) {
			t.Errorf("targets of %q: %v; oversight says %+v", p.Agency, got, p)
		}
		if got := attr(row[0], "data-progress"); got != map[bool]string{true: "on-track", false: "behind"}[p.OnTrack] {
			t.Errorf("targets of %q: %q, oversight says on track %v", p.Agency, got, p.OnTrack)
		}
	}
	if len(rows) != want || want == 0 {
		t.Errorf("%d target rows, want %d", len(rows), want)
	}
	cfg := d.ov.Config()
	if p := byID(doc, "targets-of"); len(p) != 1 || !strings.Contains(textOf(p[0]), pctOf(fa, cfg.ElectronicTarget)) ||
		!strings.Contains(textOf(p[0]), digitsIn(fa, cfg.BaseYear)) || !strings.Contains(textOf(p[0]), decIn(fa, cfg.SmartStepPP, 0)) {
		t.Errorf("the targets are not stated as configured")
	}
	checkRanks(t, d, doc, agency)
}

// checkRanks holds the rankings of doc to oversight's for the month: every
// rank and score (or only agency's rank), the method and each weight.
func checkRanks(t *testing.T, d *dashSite, doc *html.Node, agency string) {
	t.Helper()
	agencies, provinces, err := d.ov.Rankings(context.Background(), d.month)
	if err != nil {
		t.Fatal(err)
	}
	if agency != "" {
		for _, a := range agencies {
			if a.Agency == agency {
				if r := byID(doc, "rank"); len(r) != 1 || !strings.Contains(textOf(r[0]), numIn(fa, int64(a.Rank))) || !strings.Contains(textOf(r[0]), decIn(fa, a.Score, 2)) {
					t.Errorf("the agency's rank: %v, oversight says %+v", r, a)
				}
			}
		}
	} else {
		check := func(table string, list []oversight.Ranked) {
			for _, x := range list {
				code := x.Agency + x.Province
				row := all(doc, func(e *html.Node) bool { return e.Data == "tr" && attr(e, "data-code") == code })
				if len(row) != 1 {
					t.Errorf("%s: no row for %s", table, code)
					continue
				}
				cells := tags(row[0], "td")
				if x.Rank > 0 && (textOf(cells[0]) != numIn(fa, int64(x.Rank)) || textOf(cells[1]) != decIn(fa, x.Score, 2)) {
					t.Errorf("%s: %s ranked %q with %q, oversight says %d with %.2f", table, code, textOf(cells[0]), textOf(cells[1]), x.Rank, x.Score)
				}
			}
			if len(list) == 0 {
				t.Errorf("%s: nothing ranked", table)
			}
		}
		check("agencies", agencies)
		check("provinces", provinces)
	}
	m := d.ov.Method(oversight.ByAgency)
	if p := byID(doc, "method-agencies"); len(p) != 1 || textOf(p[0]) != strings.Join(strings.Fields(m.Fa), " ") {
		t.Errorf("the method is not published as oversight wrote it")
	}
	if w := all(doc, func(e *html.Node) bool { return attr(e, "data-weight") != "" }); len(w) != len(m.Weights) || len(w) == 0 {
		t.Errorf("%d weights published, the method has %d", len(w), len(m.Weights))
	}
}
