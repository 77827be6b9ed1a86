package web

import (
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/persian"
)

// The monthly oversight reports: the public archive (/reports), each
// report as archived (HTML, PDF, figures, signed note), and building a
// past month by hand for overseers and platform admins.

// Vazirmatn returns the embedded font the portal serves, for other
// capabilities' PDFs (the reports); nil when the build has none.
func Vazirmatn() []byte {
	b, _ := fs.ReadFile(staticFS, "static/"+vazirmatnPath)
	return b
}

// errNoReports is shown when the portal runs without the oversight
// capability.
var errNoReports = errs.E("web.reports", errs.Unavailable, "The monthly reports are not available on this server.", "گزارش‌های ماهانه در این سامانه در دسترس نیست.")

// reportsView is the data of /reports.
type reportsView struct {
	Reports []reportRow
	Build   bool   // the visitor may build a past month's report
	Last    string // the last month that has ended, offered in the form
}

type reportRow struct {
	Month, NameFa, NameEn string
	BuiltAt               time.Time
	PDFSHA256             string
}

// canBuildReports reports whether the visitor may build a report.
func canBuildReports(r *http.Request) bool {
	p, ok := identity.FromContext(r.Context())
	return ok && (p.Has(identity.RoleOverseer) || p.Has(identity.RolePlatformAdmin))
}

// reports lists the archived reports, latest first.
func (w *Web) reports(rw http.ResponseWriter, r *http.Request) error {
	if w.ov == nil {
		return errNoReports
	}
	list, err := w.ov.Reports(r.Context())
	if err != nil {
		return err
	}
	v := reportsView{Build: canBuildReports(r), Last: oversight.LastEnded(time.Now())}
	for _, x := range list {
		v.Reports = append(v.Reports, reportRow{Month: x.Month, NameFa: oversight.MonthName(x.Month), NameEn: oversight.MonthNameEn(x.Month),
			BuiltAt: x.BuiltAt, PDFSHA256: x.PDFSHA256})
	}
	if v.Build {
		rw.Header().Set("Cache-Control", "no-store")
	}
	return w.render(rw, r, http.StatusOK, "reports", translate(langOf(r), "reports.title"), "", v)
}

// report serves one month's report as archived: /reports/1404-07 (the
// page), .pdf, .json (the figures) and .sig (the signed note).
func (w *Web) report(rw http.ResponseWriter, r *http.Request) error {
	if w.ov == nil {
		return errNoReports
	}
	month, ext, _ := strings.Cut(r.PathValue("month"), ".")
	ended, err := oversight.Ended(month, time.Now())
	if err != nil {
		return err
	}
	if !ended {
		return errs.E("web.report", errs.Invalid,
			"The report of "+oversight.MonthNameEn(month)+" is made after the month ends.",
			"گزارش "+oversight.MonthName(month)+" پس از پایان ماه ساخته می‌شود.")
	}
	rep, err := w.ov.Report(r.Context(), month)
	if err != nil {
		return err
	}
	h := rw.Header()
	h.Set("Cache-Control", "public, max-age=3600")
	var body []byte
	switch ext {
	case "":
		// The archived page is one self-contained document with its
		// styles inline: allow exactly those, and nothing else.
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", rep.CSP())
		body = rep.HTML
	case "pdf":
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", `inline; filename="panjare-report-`+rep.Month+`.pdf"`)
		body = rep.PDF
	case "json":
		h.Set("Content-Type", "application/json")
		body = rep.Figures
	case "sig":
		h.Set("Content-Type", "text/plain; charset=utf-8")
		body = rep.Signature
	default:
		return w.notFound(rw, r)
	}
	_, err = rw.Write(body)
	return err
}

// buildReport builds a past month's report now (overseers and platform
// admins); the oversight.report.published event records who.
func (w *Web) buildReport(rw http.ResponseWriter, r *http.Request) error {
	rw.Header().Set("Cache-Control", "no-store")
	p, err := identity.Require(r.Context(), identity.RoleOverseer, identity.RolePlatformAdmin)
	switch {
	case errs.Is(err, errs.Unauthorized):
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	case err != nil:
		return errs.E("web.buildReport", errs.Forbidden, "Only overseers and the platform's administrators may build reports.",
			"فقط ناظران و مدیران سامانه می‌توانند گزارش بسازند.")
	}
	if w.ov == nil {
		return errNoReports
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("web.buildReport", "reports.badform")
	}
	month := persian.ASCIIDigits(strings.TrimSpace(r.PostForm.Get("month")))
	rep, err := w.ov.BuildBy(r.Context(), month, p.Actor())
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/reports/"+rep.Month, http.StatusSeeOther)
	return nil
}
