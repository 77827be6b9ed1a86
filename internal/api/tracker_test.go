package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestMyInquiries: each citizen, signed in with a real session cookie, gets
// exactly the inquiries about them; nobody gets an inquiry that named no
// citizen; without a session the answer is a 401 problem.
func TestMyInquiries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		set, err := backoffice.Start(0)
		if err != nil {
			t.Fatal(err)
		}
		defer set.Close(ctx)
		x := exchange.New(s, "IR")
		if err := demo.LoadExchange(ctx, x, set); err != nil {
			t.Fatal(err)
		}
		g, err := exchange.NewGateway(ctx, x, exchange.GatewayConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close(ctx)
		idx, err := search.New()
		if err != nil {
			t.Fatal(err)
		}
		cat, err := catalog.New(ctx, s, idx)
		if err != nil {
			t.Fatal(err)
		}
		id := identity.New(s)
		mux := http.NewServeMux()
		api.New(api.Config{Catalog: cat, Identity: id, Gateway: g, Log: slog.New(slog.DiscardHandler), BaseURL: "http://panjare.test", Version: "test"}).Register(mux)
		h := id.Middleware(identity.Cookies{}, nil)(mux)

		ali, maryam := backoffice.CitizenAli, backoffice.CitizenMaryam
		for _, inq := range []string{"NOCR/person-identity", "IHIO/coverage", "FARAJA_RAHVAR/vehicle-ownership"} {
			if _, _, err := g.Evidence(ctx, ali, inq, "درخواست وام ازدواج"); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := g.Evidence(ctx, maryam, "NOCR/family", "درخواست یارانه"); err != nil {
			t.Fatal(err)
		}
		company, err := x.ResolveInquiry(ctx, "INTA/company-tax-clearance")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Inquire(ctx, exchange.Inquiry{Client: x.OnceOnlyClient(), Service: company.ID,
			Path: "/companies/" + set.People.Companies()[1].NationalID, Purpose: "مجوز"}); err != nil {
			t.Fatal(err)
		}
		session := func(code string) string {
			p, err := id.EnsurePerson(ctx, code, "")
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := id.StartSession(ctx, p, "test")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		get := func(token, query string) (int, http.Header, string) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me/inquiries"+query, nil)
			if token != "" {
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code, rec.Header(), rec.Body.String()
		}
		type list struct {
			Items []struct {
				ID                                int64
				Service, Client, Outcome, Purpose string
				ClientMemberFa                    string `json:"client_member_fa"`
				ServiceFa                         string `json:"service_fa"`
				LegalBasis                        string `json:"legal_basis"`
				Subject, NationalCode             string
			}
			NextBefore int64 `json:"next_before"`
		}
		decode := func(body string) list {
			var l list
			if err := json.Unmarshal([]byte(body), &l); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			return l
		}
		aliTok, maryamTok := session(ali), session(maryam)
		code, hdr, body := get(aliTok, "")
		if code != 200 || hdr.Get("Cache-Control") != "no-store" {
			t.Fatalf("Ali: %d %v %s", code, hdr, body)
		}
		l := decode(body)
		if len(l.Items) != 3 || l.NextBefore != 0 {
			t.Fatalf("Ali has %d inquiries: %s", len(l.Items), body)
		}
		for _, it := range l.Items {
			if it.Client != "IR/GOV/PANJARE/once-only" || it.ClientMemberFa != "پنجره ملی خدمات دولت هوشمند" || it.ServiceFa == "" ||
				it.Outcome != "answered" || it.Purpose != "درخواست وام ازدواج" || it.LegalBasis == "" {
				t.Errorf("item %+v", it)
			}
		}
		if strings.Contains(body, maryam) || strings.Contains(body, "company") || strings.Contains(body, ali) {
			t.Errorf("Ali's list names a national code or another's inquiry: %s", body)
		}
		l = decode(func() string { _, _, b := get(maryamTok, ""); return b }())
		if len(l.Items) != 1 || !strings.HasSuffix(l.Items[0].Service, "/family") {
			t.Errorf("Maryam: %+v", l)
		}
		// Paging.
		_, _, body = get(aliTok, "?limit=2")
		l = decode(body)
		if len(l.Items) != 2 || l.NextBefore != l.Items[1].ID {
			t.Fatalf("first page: %s", body)
		}
		_, _, body = get(aliTok, fmt.Sprintf("?limit=2&before=%d", l.NextBefore))
		if l2 := decode(body); len(l2.Items) != 1 || l2.NextBefore != 0 || l2.Items[0].ID >= l.NextBefore {
			t.Errorf("second page: %s", body)
		}
		// Bad input and no session.
		for _, c := range []struct {
			token, query string
			want         int
		}{
			{aliTok, "?limit=abc", 400}, {aliTok, "?limit=0", 400}, {aliTok, "?limit=5000", 400}, {aliTok, "?before=-1", 400},
			{"", "", 401}, {"not-a-session", "", 401},
		} {
			code, hdr, body := get(c.token, c.query)
			if code != c.want || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "title_fa") {
				t.Errorf("%q %s: %d %s", c.token, c.query, code, body)
			}
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations())
}
