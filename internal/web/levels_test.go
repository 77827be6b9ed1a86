package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestTrueLevelPages: the home, agency and service pages show true levels
// and shares with a note on how they are computed; when the ruleset behind
// the certificate goes, the pages (cached or not) show it at L2 with "planned:
// level 3" and the reason, and it leaves the smart share.
func TestTrueLevelPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		h := st.handler
		ctx := context.Background()

		home := textOf(getPage(t, h, "/", false, http.StatusOK).doc)
		for _, want := range []string{"از خدمات هوشمند است (۱ خدمت)", "برنامه‌ریزی‌شده"} {
			if !strings.Contains(home, want) {
				t.Errorf("home lacks %q: %s", want, home)
			}
		}
		if strings.Contains(home, "سطح بالاتری را برنامه‌ریزی کرده‌اند") {
			t.Errorf("home counts planned services while none is: %s", home)
		}
		page := textOf(getPage(t, h, "/services/"+st.certificate, false, http.StatusOK).doc)
		if strings.Contains(page, "برنامه‌ریزی‌شده:") || !strings.Contains(page, "از آنچه واقعاً ساخته شده است محاسبه می‌شود") {
			t.Errorf("certificate page with its ruleset: %s", page)
		}

		// The ruleset is retired.
		st.cat.UseMachinery(fixtureMachinery{catalog.Built{}})
		if err := st.cat.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		st.web.overview.expire()
		page = textOf(getPage(t, h, "/services/"+st.certificate, false, http.StatusOK).doc)
		for _, want := range []string{"برنامه‌ریزی‌شده: سطح ۳", "هنوز هیچ مجموعه‌قاعدهٔ فعالی دربارهٔ درخواست‌های این خدمت تصمیم نمی‌گیرد"} {
			if !strings.Contains(page, want) {
				t.Errorf("certificate page without a ruleset lacks %q: %s", want, page)
			}
		}
		en := textOf(getPage(t, h, "/services/"+st.certificate, true, http.StatusOK).doc)
		if !strings.Contains(en, "Planned: Level 3") || !strings.Contains(en, "no active ruleset decides this service yet") {
			t.Errorf("English certificate page: %s", en)
		}
		home = textOf(getPage(t, h, "/", false, http.StatusOK).doc)
		if !strings.Contains(home, "از خدمات هوشمند است (۰ خدمت)") || !strings.Contains(home, "۱ خدمت سطح بالاتری را برنامه‌ریزی کرده‌اند") {
			t.Errorf("home after the ruleset went: %s", home)
		}
		agency := textOf(getPage(t, h, "/agencies/JUD", false, http.StatusOK).doc)
		if !strings.Contains(agency, "۱ خدمت سطح بالاتری را برنامه‌ریزی کرده‌اند") || !strings.Contains(agency, "سطح‌ها و سهم‌ها از سازوکار واقعی محاسبه می‌شوند") {
			t.Errorf("agency page: %s", agency)
		}
		if res := getPage(t, h, "/services?level=L3", false, http.StatusOK); strings.Contains(textOf(res.doc), "صدور گواهی عدم سوء پیشینهٔ کیفری") {
			t.Errorf("the level facet still lists the certificate at L3")
		}
	}, catalogMigrations()...)
}
