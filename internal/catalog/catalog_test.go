package catalog

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// recordingIndex is an Index that remembers what it was given, so tests can
// see the catalog keep it in step.
type recordingIndex struct {
	mu      sync.Mutex
	put     map[string]Service
	deleted []string
	queries []Query
}

var _ Index = (*recordingIndex)(nil)

func newIndex() *recordingIndex { return &recordingIndex{put: map[string]Service{}} }

func (x *recordingIndex) Put(svc Service) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.put[svc.ID] = svc
	return nil
}

func (x *recordingIndex) Delete(id string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.put, id)
	x.deleted = append(x.deleted, id)
	return nil
}

func (x *recordingIndex) Search(q Query) (Results, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.queries = append(x.queries, q)
	var res Results
	for _, svc := range x.put {
		res.Items = append(res.Items, svc)
	}
	sort.Slice(res.Items, func(i, j int) bool { return res.Items[i].ID < res.Items[j].ID })
	res.Total, res.Page, res.Pages = len(res.Items), q.Page, 1
	return res, nil
}

func (x *recordingIndex) has(id string) (Service, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	svc, ok := x.put[id]
	return svc, ok
}

var (
	admin  = identity.System
	jud    = identity.Principal{Kind: "apikey", ID: 1, Agency: "JUD"}
	nocr   = identity.Principal{Kind: "apikey", ID: 2, Agency: "NOCR"}
	judAdm = identity.Principal{Kind: "user", ID: 7, Agency: "JUD", Roles: []identity.Role{identity.RoleAgencyAdmin}}
	judOp  = identity.Principal{Kind: "user", ID: 8, Agency: "JUD", Roles: []identity.Role{identity.RoleOperator}}
	person = identity.Principal{Kind: "user", ID: 9, Roles: []identity.Role{identity.RoleCitizen}}
)

// run runs fn on both engines with a migrated store, three agencies and a
// catalog whose recording index is returned too.
func run(t *testing.T, fn func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, idx *recordingIndex)) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, a := range []Agency{
			{Code: "JUD", NameFa: "قوه قضاییه", NameEn: "Judiciary", Domain: DomainJudicial, Connected: true},
			{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: DomainCivil, Connected: true},
			{Code: "POST", NameFa: "شرکت ملی پست", Domain: DomainCommunication},
		} {
			if err := mustCatalog(t, ctx, s, nil).PutAgency(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		idx := newIndex()
		fn(t, ctx, s, mustCatalog(t, ctx, s, idx), idx)
	}, Migrations())
}

func mustCatalog(t *testing.T, ctx context.Context, s *store.Store, idx Index) *Catalog {
	t.Helper()
	c, err := New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustPublish(t *testing.T, ctx context.Context, c *Catalog, p identity.Principal, rec Record) Service {
	t.Helper()
	d, err := c.SaveDraft(ctx, p, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := c.Publish(ctx, p, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("err = %v, want kind %s", err, k)
	}
}

func events(t *testing.T, ctx context.Context, s *store.Store, kind string) []store.Event {
	t.Helper()
	evs, err := s.Events(ctx, store.EventFilter{KindPrefix: kind})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAgencies(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		wantKind(t, c.PutAgency(ctx, jud, Agency{Code: "TAX", NameFa: "سازمان امور مالیاتی", Domain: DomainTax}), errs.Forbidden)
		err := c.PutAgency(ctx, admin, Agency{Code: "tax office", NameFa: "", Domain: "money"})
		e, _ := errs.As(err)
		if e == nil || e.Kind != errs.Invalid || !reflect.DeepEqual(fields(e.Fields), []string{"code", "domain", "name_fa"}) {
			t.Fatalf("err = %v (%+v)", err, e)
		}
		wantKind(t, c.PutAgency(ctx, admin, Agency{Code: "TAX", NameFa: "مالیات", Domain: DomainTax, Parent: "MEF"}), errs.Invalid)

		// Persian order within a domain: چ comes before ح although Unicode puts it after.
		for _, a := range []Agency{
			{Code: "HAML", NameFa: "حمل‌ونقل جاده‌ای", Domain: DomainTransport},
			{Code: "CHAP", NameFa: "چاپ و نشر", Domain: DomainTransport},
		} {
			if err := c.PutAgency(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		// An update keeps one row and cleans the text.
		if err := c.PutAgency(ctx, admin, Agency{Code: "nocr", NameFa: "سازمان ثبت احوال  كشور", Domain: DomainCivil, Connected: true}); err != nil {
			t.Fatal(err)
		}
		a, err := c.Agency(ctx, "NOCR")
		if err != nil || a.NameFa != "سازمان ثبت احوال کشور" || !a.Connected {
			t.Fatalf("Agency = %+v, %v", a, err)
		}
		_, err = c.Agency(ctx, "NONE")
		wantKind(t, err, errs.NotFound)

		list, err := c.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, a := range list {
			codes = append(codes, a.Code)
		}
		// Domains order: civil registration, judicial, …, transport, …, communications.
		if want := []string{"NOCR", "JUD", "CHAP", "HAML", "POST"}; !reflect.DeepEqual(codes, want) {
			t.Fatalf("Agencies = %v, want %v", codes, want)
		}
		if n := len(events(t, ctx, s, evAgencySaved)); n != 6 {
			t.Fatalf("%d agency events, want 6", n)
		}
	})
}

func TestRegions(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		wantKind(t, c.PutRegion(ctx, jud, Region{Code: "THR", NameFa: "تهران", Kind: Province}), errs.Forbidden)
		wantKind(t, c.PutRegion(ctx, admin, Region{Code: "THR-01", NameFa: "تهران", Kind: City, Province: "THR"}), errs.Invalid)
		for _, r := range []Region{
			{Code: "THR", NameFa: "تهران", NameEn: "Tehran", Kind: Province},
			{Code: "ESF", NameFa: "اصفهان", NameEn: "Isfahan", Kind: Province},
			{Code: "THR-02", NameFa: "شهریار", Kind: City, Province: "THR", Pilot: true},
			{Code: "THR-01", NameFa: "تهران", Kind: City, Province: "THR", Capital: true},
			{Code: "ESF-01", NameFa: "اصفهان", Kind: City, Province: "ESF", Capital: true},
			{Code: "ESF-02", NameFa: "کاشان", Kind: City, Province: "ESF", Pilot: true},
		} {
			if err := c.PutRegion(ctx, admin, r); err != nil {
				t.Fatalf("%s: %v", r.Code, err)
			}
		}
		wantKind(t, c.PutRegion(ctx, admin, Region{Code: "ESF-03", NameFa: "نطنز", Kind: City, Province: "THR-01"}), errs.Invalid)
		list, err := c.Regions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, r := range list {
			codes = append(codes, r.Code)
		}
		if want := []string{"ESF", "ESF-01", "ESF-02", "THR", "THR-01", "THR-02"}; !reflect.DeepEqual(codes, want) {
			t.Fatalf("Regions = %v, want %v", codes, want)
		}
		if !list[5].Pilot || !list[4].Capital || list[0].Kind != Province {
			t.Fatalf("regions = %+v", list)
		}
		evs := events(t, ctx, s, evRegionSaved)
		if len(evs) != 6 || evs[0].Region != "THR" {
			t.Fatalf("region events = %+v", evs)
		}
	})
}

func TestServiceLifecycle(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, idx *recordingIndex) {
		// The service's first identifier, once published, has a ruleset
		// and an offer subscription: it reaches what it declares.
		c.UseMachinery(&fakeMachinery{b: Built{Rules: map[string]bool{"1000015": true}, Triggers: map[string]string{"1000015": TriggerOffer}}})
		rec := smartRecord()
		rec.TitleFa = "صدور گواهي عدم سوء پيشينه" // Arabic yeh, cleaned on save
		d, err := c.SaveDraft(ctx, jud, 0, rec)
		if err != nil {
			t.Fatal(err)
		}
		if d.Key == 0 || d.ID != "" || d.Version != 1 || d.Status != Draft || d.Domain != DomainJudicial ||
			d.Record.TitleFa != "صدور گواهی عدم سوء پیشینه" || d.Level != L2 || d.Declared != L3 || !d.IsPlanned() {
			t.Fatalf("draft = %+v", d)
		}
		if _, ok := idx.has(""); ok || len(idx.put) != 0 {
			t.Fatal("a draft reached the index")
		}

		v1, err := c.Publish(ctx, jud, d.Key)
		if err != nil {
			t.Fatal(err)
		}
		if v1.ID != "1000015" || v1.Version != 1 || v1.Status != Published || v1.PublishedAt == nil || v1.Quality.Score != 100 {
			t.Fatalf("published = %+v", v1)
		}
		if got, ok := idx.has(v1.ID); !ok || got.Version != 1 {
			t.Fatalf("index after publish: %+v, %v", got, ok)
		}
		// Publishing again without a draft is a conflict.
		_, err = c.Publish(ctx, jud, d.Key)
		wantKind(t, err, errs.Conflict)
		_, err = c.Draft(ctx, d.Key)
		wantKind(t, err, errs.NotFound)

		// A new draft opens version 2; the published version stays visible.
		rec2 := smartRecord()
		rec2.Trigger, rec2.Events = OnEvent, []string{"job", "start_business"}
		d2, err := c.SaveDraft(ctx, judAdm, d.Key, rec2)
		if err != nil {
			t.Fatal(err)
		}
		if d2.Version != 2 || d2.ID != v1.ID || d2.Status != Draft || d2.Level != L4 || d2.Declared != L4 {
			t.Fatalf("second draft = %+v", d2)
		}
		rec2.CostRials = 600000
		if d2, err = c.SaveDraft(ctx, jud, d.Key, rec2); err != nil || d2.Version != 2 || d2.Record.CostRials != 600000 {
			t.Fatalf("draft update = %+v, %v", d2, err)
		}
		cur, err := c.Service(ctx, v1.ID)
		if err != nil || cur.Version != 1 || cur.Level != L3 {
			t.Fatalf("Service during draft = %+v, %v", cur, err)
		}
		df, err := c.DraftFor(ctx, v1.ID)
		if err != nil || df.Version != 2 || df.Key != d.Key || df.Status != Draft {
			t.Fatalf("DraftFor = %+v, %v", df, err)
		}

		v2, err := c.Publish(ctx, jud, d.Key)
		if err != nil {
			t.Fatal(err)
		}
		if v2.ID != v1.ID || v2.Version != 2 || v2.Level != L4 || v2.Record.CostRials != 600000 {
			t.Fatalf("second publication = %+v", v2)
		}
		if got, _ := idx.has(v1.ID); got.Version != 2 {
			t.Fatalf("index still has version %d", got.Version)
		}
		if df, err := c.DraftFor(ctx, "۱۰۰۰۰۱۵"); err != nil || df.Version != 2 || df.Status != Published {
			t.Fatalf("DraftFor without a draft = %+v, %v", df, err)
		}

		// Retire.
		wantKind(t, c.Retire(ctx, jud, v1.ID, "  "), errs.Invalid)
		if err := c.Retire(ctx, jud, v1.ID, "ادغام با خدمت دیگر"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, c.Retire(ctx, jud, v1.ID, "دوباره"), errs.Conflict)
		ret, err := c.Service(ctx, v1.ID)
		if err != nil || ret.Status != Retired || ret.RetiredAt == nil || ret.Version != 2 {
			t.Fatalf("retired = %+v, %v", ret, err)
		}
		if _, ok := idx.has(v1.ID); ok || len(idx.deleted) != 1 {
			t.Fatalf("index after retire: deleted %v", idx.deleted)
		}
		if pub, _ := c.Published(ctx); len(pub) != 0 {
			t.Fatalf("Published lists a retired service: %+v", pub)
		}

		hist, err := c.History(ctx, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Status != Superseded || hist[1].Status != Retired ||
			hist[1].Note != "ادغام با خدمت دیگر" || hist[0].PublishedAt == nil || hist[0].Actor != "apikey:1" || hist[1].Actor != "apikey:1" {
			t.Fatalf("history = %+v", hist)
		}

		// Events: a draft created, a draft opened and updated; two
		// publications; one retirement.
		if n := len(events(t, ctx, s, evDrafted)); n != 3 {
			t.Fatalf("%d drafted events, want 3", n)
		}
		pubs := events(t, ctx, s, evPublished)
		if len(pubs) != 2 || pubs[1].Agency != "JUD" || pubs[1].Service != v1.ID || pubs[1].Actor != "apikey:1" {
			t.Fatalf("published events = %+v", pubs)
		}
		var payload struct {
			Version int    `json:"version"`
			Level   string `json:"level"`
			Quality int    `json:"quality"`
		}
		if err := json.Unmarshal(pubs[1].Payload, &payload); err != nil || payload.Version != 2 || payload.Level != "L4" || payload.Quality != 100 {
			t.Fatalf("payload = %s (%v)", pubs[1].Payload, err)
		}
		if evs := events(t, ctx, s, evRetired); len(evs) != 1 || evs[0].Service != v1.ID {
			t.Fatalf("retired events = %+v", evs)
		}

		// A retired service can come back through a new draft.
		if _, err := c.SaveDraft(ctx, jud, d.Key, smartRecord()); err != nil {
			t.Fatal(err)
		}
		v3, err := c.Publish(ctx, jud, d.Key)
		if err != nil || v3.Version != 3 || v3.Status != Published || v3.RetiredAt != nil {
			t.Fatalf("republished = %+v, %v", v3, err)
		}
		if _, ok := idx.has(v1.ID); !ok {
			t.Fatal("republished service is not indexed")
		}
		// The next new service gets the next serial.
		if other := mustPublish(t, ctx, c, nocr, nocrRecord()); other.ID != "1000028" {
			t.Fatalf("second identifier = %s", other.ID)
		}
	})
}

// nocrRecord is a complete record of another agency, at L2.
func nocrRecord() Record {
	r := smartRecord()
	r.Agency = "NOCR"
	r.TitleFa = "صدور کارت ملی هوشمند المثنی"
	r.Decision = DecideManual
	r.Requirements = nil
	r.AnnualVolume = 3000000
	return r
}

func TestPrincipals(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		svc := mustPublish(t, ctx, c, jud, smartRecord())
		_, err := c.SaveDraft(ctx, nocr, 0, smartRecord()) // a record of JUD
		wantKind(t, err, errs.Forbidden)
		_, err = c.SaveDraft(ctx, nocr, svc.Key, nocrRecord()) // JUD's service, relabelled
		wantKind(t, err, errs.Forbidden)
		_, err = c.SaveDraft(ctx, jud, svc.Key, nocrRecord()) // moving a service to another agency
		wantKind(t, err, errs.Forbidden)
		_, err = c.SaveDraft(ctx, judOp, 0, smartRecord()) // an operator is not an admin
		wantKind(t, err, errs.Forbidden)
		_, err = c.SaveDraft(ctx, person, 0, smartRecord())
		wantKind(t, err, errs.Forbidden)
		if _, err := c.SaveDraft(ctx, judAdm, svc.Key, smartRecord()); err != nil {
			t.Fatal(err)
		}
		_, err = c.Publish(ctx, nocr, svc.Key)
		wantKind(t, err, errs.Forbidden)
		wantKind(t, c.Retire(ctx, nocr, svc.ID, "بی‌دلیل"), errs.Forbidden)
		_, err = c.SaveDraft(ctx, jud, 999, smartRecord())
		wantKind(t, err, errs.NotFound)
		// The platform admin may do anything.
		if _, err := c.Publish(ctx, admin, svc.Key); err != nil {
			t.Fatal(err)
		}
		// The failed attempts left no events behind.
		if n := len(events(t, ctx, s, "catalog.service.")); n != 4 {
			t.Fatalf("%d service events, want 4 (draft, publish, draft, publish)", n)
		}
	})
}

func TestPublishIncomplete(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, idx *recordingIndex) {
		rec := smartRecord()
		rec.DescriptionFa = "کوتاه"
		rec.Outputs = nil
		rec.Requirements[0].Evidence[0].HeldBy = "GHOST"
		rec.Permit = &Permit{}
		d, err := c.SaveDraft(ctx, jud, 0, rec)
		if err != nil {
			t.Fatalf("an incomplete draft must save: %v", err)
		}
		_, err = c.Publish(ctx, jud, d.Key)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid {
			t.Fatalf("err = %v, want Invalid", err)
		}
		want := []string{"description_fa", "outputs", "permit.refusal_grounds", "requirements[0].evidence[0].held_by"}
		if got := fields(e.Fields); !reflect.DeepEqual(got, want) {
			t.Fatalf("fields = %q, want %q", got, want)
		}
		// Nothing was lost or changed: the draft is intact, nothing published.
		again, err := c.Draft(ctx, d.Key)
		if err != nil || !reflect.DeepEqual(again.Record, d.Record) || again.Version != 1 || again.ID != "" {
			t.Fatalf("draft after failed publish = %+v, %v", again, err)
		}
		if n := len(events(t, ctx, s, evPublished)); n != 0 || len(idx.put) != 0 {
			t.Fatalf("%d published events after a failed publish", n)
		}
		// Fixing the draft publishes it, and no identifier was wasted.
		if _, err := c.SaveDraft(ctx, jud, d.Key, smartRecord()); err != nil {
			t.Fatal(err)
		}
		svc, err := c.Publish(ctx, jud, d.Key)
		if err != nil || svc.ID != FormatID(FirstSerial) {
			t.Fatalf("publish = %+v, %v", svc, err)
		}
		// Drafts themselves are checked for shape.
		bad := smartRecord()
		bad.CostRials = -1
		_, err = c.SaveDraft(ctx, jud, 0, bad)
		wantKind(t, err, errs.Invalid)
		bad = smartRecord()
		bad.Agency = "GHOST"
		_, err = c.SaveDraft(ctx, admin, 0, bad)
		wantKind(t, err, errs.Invalid)
	})
}

func TestServiceLookup(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		svc := mustPublish(t, ctx, c, jud, smartRecord())
		for _, id := range []string{"۱۰۰۰۰۱۵", "١٠٠٠٠١٥", "100-001-5", " ۱۰۰ ۰۰۱ ۵ "} {
			got, err := c.Service(ctx, id)
			if err != nil || got.ID != svc.ID || got.Key != svc.Key {
				t.Fatalf("Service(%q) = %+v, %v", id, got, err)
			}
		}
		_, err := c.Service(ctx, "1000014") // wrong check digit
		e, _ := errs.As(err)
		if e == nil || e.Kind != errs.Invalid || e.Fa == "" || e.En == "" {
			t.Fatalf("wrong check digit: %v", err)
		}
		_, err = c.Service(ctx, "12345")
		wantKind(t, err, errs.Invalid)
		_, err = c.Service(ctx, FormatID(FirstSerial+1)) // well formed, never assigned
		wantKind(t, err, errs.NotFound)
		_, err = c.History(ctx, FormatID(FirstSerial+1))
		wantKind(t, err, errs.NotFound)
		// A draft that was never published has no identifier to look up.
		if _, err := c.SaveDraft(ctx, jud, 0, smartRecord()); err != nil {
			t.Fatal(err)
		}
		_, err = c.Service(ctx, FormatID(FirstSerial+1))
		wantKind(t, err, errs.NotFound)
	})
}

func TestStatsAndPopular(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		smart := smartRecord() // L3, 1.2 M a year
		manual := smartRecord()
		manual.TitleFa, manual.Decision, manual.AnnualVolume = "ثبت دادخواست", DecideManual, 5000000 // L2
		paper := smartRecord()
		paper.TitleFa, paper.Visits, paper.Stages.Delivery, paper.AnnualVolume = "صدور پروانهٔ وکالت", 1, false, 20000 // L1
		paper.Channels = append(paper.Channels, ChannelCounter)
		paper.Permit = &Permit{ValidityDays: 365, RefusalGrounds: []RefusalGround{{Code: "record", TextFa: "محکومیت کیفری مؤثر", LegalFa: "ماده ۱"}}}
		info := smartRecord()
		info.TitleFa, info.Stages, info.AnnualVolume = "راهنمای دادگاه‌ها", Stages{Information: true}, 10 // L0
		info.Decision = DecideManual
		var ids []string
		for _, r := range []Record{smart, manual, paper, info} {
			ids = append(ids, mustPublish(t, ctx, c, jud, r).ID)
		}
		mustPublish(t, ctx, c, nocr, nocrRecord())
		if err := c.Retire(ctx, jud, ids[3], "دیگر ارائه نمی‌شود"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SaveDraft(ctx, jud, 0, Record{Agency: "JUD", TitleFa: "پیش‌نویس"}); err != nil {
			t.Fatal(err)
		}

		st, err := c.AgencyStats(ctx, "JUD")
		if err != nil {
			t.Fatal(err)
		}
		// Nothing decides the smart record yet: it counts at L2, and its
		// declared L3 only as planned.
		want := AgencyStats{Agency: "JUD", Services: 3, Permits: 1, PerLevel: [6]int{0, 1, 2, 0, 0, 0},
			Electronic: 2.0 / 3, Smart: 0, Planned: 1, PlannedAt: [6]int{0, 0, 0, 1, 0, 0}, Quality: 100, Retired: 1}
		if !reflect.DeepEqual(st, want) {
			t.Fatalf("stats = %+v\nwant    %+v", st, want)
		}
		// Once a ruleset decides it, it is L3 and smart.
		c.UseMachinery(&fakeMachinery{b: Built{Rules: map[string]bool{ids[0]: true}}})
		if err := c.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		if st, err = c.AgencyStats(ctx, "JUD"); err != nil {
			t.Fatal(err)
		}
		want = AgencyStats{Agency: "JUD", Services: 3, Permits: 1, PerLevel: [6]int{0, 1, 1, 1, 0, 0},
			Electronic: 2.0 / 3, Smart: 1.0 / 3, Quality: 100, Retired: 1}
		if !reflect.DeepEqual(st, want) {
			t.Fatalf("stats = %+v\nwant    %+v", st, want)
		}
		all, err := c.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if all.Agency != "" || all.Services != 4 || all.PerLevel != [6]int{0, 1, 2, 1, 0, 0} || all.Smart != 0.25 {
			t.Fatalf("catalogue stats = %+v", all)
		}
		_, err = c.AgencyStats(ctx, "NONE")
		wantKind(t, err, errs.NotFound)

		pop, err := c.Popular(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, p := range pop {
			titles = append(titles, p.Record.TitleFa)
		}
		if want := []string{"ثبت دادخواست", "صدور کارت ملی هوشمند المثنی", "صدور گواهی عدم سوء پیشینهٔ کیفری"}; !reflect.DeepEqual(titles, want) {
			t.Fatalf("Popular = %q, want %q", titles, want)
		}
		if all, _ := c.Published(ctx); len(all) != 4 {
			t.Fatalf("Published = %d services, want 4", len(all))
		}
	})
}

func TestSearch(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, idx *recordingIndex) {
		svc := mustPublish(t, ctx, c, jud, smartRecord())
		res, err := c.Search(ctx, Query{Text: "گواهي", Page: -3, PerPage: 1000, Level: "L9"})
		if err != nil || res.Total != 1 || res.Items[0].ID != svc.ID {
			t.Fatalf("Search = %+v, %v", res, err)
		}
		q := idx.queries[0]
		if q.Page != 1 || q.PerPage != 100 || q.Text != "گواهی" || q.Level != "L9" {
			t.Fatalf("query passed on = %+v", q)
		}
		long := make([]rune, MaxQueryText+1)
		for i := range long {
			long[i] = 'ب'
		}
		_, err = c.Search(ctx, Query{Text: string(long)})
		wantKind(t, err, errs.Invalid)
		_, err = mustCatalog(t, ctx, s, nil).Search(ctx, Query{})
		wantKind(t, err, errs.Unavailable)
	})
}

func TestFollow(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, a *Catalog, idxA *recordingIndex) {
		first := mustPublish(t, ctx, a, jud, smartRecord())
		// A node that starts later loads what is already published.
		idxB := newIndex()
		b := mustCatalog(t, ctx, s, idxB)
		if _, ok := idxB.has(first.ID); !ok {
			t.Fatal("New did not load the published services")
		}
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { b.Follow(fctx, 20*time.Millisecond); close(done) }()
		defer func() { cancel(); <-done }()

		second := mustPublish(t, ctx, a, nocr, nocrRecord())
		if err := a.Retire(ctx, jud, first.ID, "ادغام شد"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			_, hasSecond := idxB.has(second.ID)
			_, hasFirst := idxB.has(first.ID)
			if hasSecond && !hasFirst {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the second node did not catch up: put %v, deleted %v", idxB.put, idxB.deleted)
	})
}

// TestFollowLateCommit checks that an event which becomes visible after
// events with larger ids (a PostgreSQL transaction that took its id early
// and committed late) is still followed.
func TestFollowLateCommit(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, a *Catalog, _ *recordingIndex) {
		idxB := newIndex()
		b := mustCatalog(t, ctx, s, idxB)
		svc := mustPublish(t, ctx, a, jud, smartRecord())
		last, err := s.LastEventID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Pretend b has already seen events beyond the publication.
		b.mu.Lock()
		b.lastEvent = last + 10
		b.mu.Unlock()
		if err := b.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := idxB.has(svc.ID); !ok {
			t.Fatal("an event committed late was skipped")
		}
		if !b.handled[last] {
			t.Fatalf("event %d not marked handled: %v", last, b.handled)
		}
	})
}

// TestFollowAgencyAndMemory checks the two things a node keeps in memory:
// a service it serves reflects a publication on the same node at once, and
// an agency's new domain saved on another node reaches this node's services
// through Follow.
func TestFollowAgencyAndMemory(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, a *Catalog, _ *recordingIndex) {
		svc := mustPublish(t, ctx, a, jud, smartRecord())
		idxB := newIndex()
		b := mustCatalog(t, ctx, s, idxB)
		if got, err := b.Service(ctx, svc.ID); err != nil || got.Version != 1 {
			t.Fatalf("b.Service = %+v, %v", got, err)
		}
		// Same node: a new version is served at once.
		rec := smartRecord()
		rec.CostRials = 700000
		if _, err := a.SaveDraft(ctx, jud, svc.Key, rec); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Publish(ctx, jud, svc.Key); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.Service(ctx, svc.ID); got.Version != 2 || got.Record.CostRials != 700000 {
			t.Fatalf("a.Service after republish = v%d cost %d", got.Version, got.Record.CostRials)
		}
		// Node b catches up with the new version first.
		if err := b.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.Service(ctx, svc.ID); got.Version != 2 {
			t.Fatalf("b.Service after catching up = v%d, want v2", got.Version)
		}
		// Then the agency moves to another domain on node a.
		ag, err := a.Agency(ctx, "JUD")
		if err != nil {
			t.Fatal(err)
		}
		ag.Domain = DomainPolice
		if err := a.PutAgency(ctx, identity.System, ag); err != nil {
			t.Fatal(err)
		}
		if err := b.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := b.Service(ctx, svc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Domain != DomainPolice {
			t.Fatalf("b after catching up: version %d domain %s, want 2 and %s", got.Version, got.Domain, DomainPolice)
		}
		if indexed, ok := idxB.has(svc.ID); !ok || indexed.Domain != DomainPolice {
			t.Fatalf("b's index holds %+v", indexed.Domain)
		}
	})
}
