package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/catalog"
)

// missPeriods are the periods /admin/search-misses offers, in days.
var missPeriods = []int{1, 7, 30, catalog.MissDays}

// missesShown is how many texts the page lists.
const missesShown = 50

// missPeriod is one choice of period on the page.
type missPeriod struct {
	Days    int
	URL     string
	Current bool
}

// missRow is one text on the page.
type missRow struct {
	Text        string
	Count, Days int
	Last        time.Time
	URL         string // the search again
}

// adminMissesView is the data of /admin/search-misses.
type adminMissesView struct {
	Days    int
	Periods []missPeriod
	Misses  []missRow
}

// adminMisses is the platform admin's list of what people searched for
// and did not find, /admin/search-misses?days=N: the texts searched most
// often without a result, with a link that runs each search again.
func (w *Web) adminMisses(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.adminMisses"
	p, done, err := platformAdminPage(rw, r, op)
	if done || err != nil {
		return err
	}
	days := 7
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > catalog.MissDays {
			return badRequest(op, "bad.param", "days")
		}
		days = n
	}
	v := adminMissesView{Days: days}
	for _, d := range missPeriods {
		v.Periods = append(v.Periods, missPeriod{Days: d, URL: "/admin/search-misses?days=" + strconv.Itoa(d), Current: d == days})
	}
	misses, err := w.cat.TopMisses(r.Context(), p, days, missesShown)
	if err != nil {
		return err
	}
	for _, m := range misses {
		last, _ := time.Parse(time.DateOnly, m.Last)
		v.Misses = append(v.Misses, missRow{Text: m.Text, Count: m.Count, Days: m.Days, Last: last,
			URL: queryURL(catalog.Query{Text: m.Text})})
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "admin_search_misses", translate(langOf(r), "misses.title"), "", v)
}
