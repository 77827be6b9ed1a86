package web

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
)

// The pages of signed documents: the public verify page, the printable
// document with its QR code and PDF, revocation by the issuing agency, and
// the citizen's wallet (my documents).

// documents is what the document pages need: the permit capability and the
// fonts of the PDF, loaded on the first PDF asked for.
type documents struct {
	p     *permit.Permits
	fonts *permit.LazyFonts
	// limit bounds verifications per address: the answer names the holder
	// and the permit's fields, and guessing ids takes millions of tries.
	limit *httpx.RateLimiter
}

// vazirmatnPath is where the Makefile puts the font, in the static folder.
const vazirmatnPath = "vendor/vazirmatn/Vazirmatn-Variable.woff2"

// newDocuments returns the document pages' dependencies; p may be nil, and
// then the pages answer 503.
func newDocuments(p *permit.Permits, static fs.FS) documents {
	return documents{p: p, limit: httpx.NewRateLimiter(2, 20), fonts: permit.NewLazyFonts(func() []byte {
		b, _ := fs.ReadFile(static, vazirmatnPath) // missing: LoadFonts falls back to a system font
		return b
	})}
}

// errNoPermits is shown when the portal runs without the permit capability.
var errNoPermits = errs.E("web.documents", errs.Unavailable, "Signed documents are not available on this server.", "اسناد امضاشده در این سامانه در دسترس نیست.")

// maxVerifyInput bounds the verify form: a JWS of the largest document,
// with room to spare.
const maxVerifyInput = 16 << 10

// verifyView is the data of /verify.
type verifyView struct {
	Input  string // what was asked, to show it back in the form
	Asked  bool   // whether anything was asked
	Error  string // a problem with the input
	Status string // valid, revoked, expired, forged, unknown
	Good   bool   // green: valid
	Issuer *permit.Issuer
	Doc    *docView
}

// docView is a document as the pages show it.
type docView struct {
	ID           string
	Service      string
	ServiceTitle string
	AgencyName   string
	Agency       string
	Holder       string // masked on the public verify page
	HolderName   string
	CaseRef      string
	Facts        []permit.Fact // what it certifies, in order
	Fields       [][2]string
	IssuedAt     time.Time
	ValidFrom    time.Time
	ValidUntil   *time.Time
	Status       string
	RevokedAt    *time.Time
	RevokeReason string
	Kid          string
	JWS          string
	CanRevoke    bool   // the viewer may revoke it (the issuing agency's staff)
	RevokeError  string // a problem with the revocation form
	Revoked      bool   // the viewer has just revoked it
	URL, PDF, QR string // links
	VerifyURL    string // the public verify page of this document
	StatusKey    string // translation key of the status
	StatusGood   bool
	PublicAnswer bool // the page is the public verify page: holder masked, no revocation reason
	// Sealed: the page names where the document's issuing event is
	// sealed in the ledger, LedgerIndex, nil while it is not yet.
	Sealed      bool
	LedgerIndex *uint64
}

// newDocView builds the view of d; masked hides the holder's national code
// but for its last four digits, and the reason for a revocation (the public
// answer says when, never why).
func newDocView(d permit.Document, masked bool) *docView {
	v := &docView{
		ID: d.ID, Service: d.Service, ServiceTitle: d.ServiceTitleFa, AgencyName: d.AgencyNameFa, Agency: d.Agency,
		Holder: d.Holder, HolderName: d.HolderName, CaseRef: d.CaseRef, Facts: d.Facts, Fields: permit.SortedFields(d.Fields),
		IssuedAt: d.IssuedAt, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil, Status: d.Status,
		RevokedAt: d.RevokedAt, RevokeReason: d.RevokeReason, Kid: d.Kid, JWS: d.JWS,
		URL: "/documents/" + d.ID, PDF: "/documents/" + d.ID + ".pdf", QR: "/documents/" + d.ID + "/qr.png",
		VerifyURL: "/verify?document=" + url.QueryEscape(d.ID), StatusKey: "doc.status." + d.Status,
		StatusGood: d.Status == permit.StatusValid, PublicAnswer: masked,
	}
	if masked {
		v.Holder, v.JWS, v.CaseRef, v.RevokeReason = identity.MaskNationalCode(d.Holder), "", "", ""
	}
	return v
}

// verify is the public verify page, /verify: a form for a document id, QR
// payload or JWS, and the answer in plain words. GET ?document= works
// without JavaScript (a QR scanner can open it); POST takes the form, so
// that a long JWS need not travel in the address.
func (w *Web) verify(rw http.ResponseWriter, r *http.Request) error {
	if w.docs.p == nil {
		return errNoPermits
	}
	l := langOf(r)
	title := translate(l, "verify.title")
	var input string
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(rw, r.Body, maxVerifyInput+1024)
		if err := parseForm(r); err != nil {
			return err
		}
		input = r.PostForm.Get("document")
	} else {
		input = r.URL.Query().Get("document")
	}
	v := verifyView{Input: strings.TrimSpace(input)}
	rw.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodGet && !r.URL.Query().Has("document") {
		return w.render(rw, r, http.StatusOK, "verify", title, "verify", v)
	}
	v.Asked = true
	if !w.docs.limit.Allow(httpx.ClientAddr(r)) {
		rw.Header().Set("Retry-After", "1")
		return errs.E("web.verify", errs.RateLimited, "Too many checks from your address; wait a moment and try again.",
			"تعداد استعلام‌ها از نشانی شما بیش از حد مجاز است؛ لحظه‌ای صبر کنید و دوباره تلاش کنید.")
	}
	res, err := w.docs.p.Verify(r.Context(), input)
	switch kind := errs.KindOf(err); {
	case err == nil:
	case kind == errs.Invalid || kind == errs.TooLarge:
		if len(v.Input) > 200 {
			v.Input = ""
		}
		fa, en := errs.Messages(err)
		v.Error = pickText(l, fa, en)
		return w.render(rw, r, errs.StatusOf(kind), "verify", title, "verify", v)
	default:
		return err
	}
	v.Status, v.Good, v.Issuer = res.Status, res.Status == permit.StatusValid, res.Issuer
	if res.Document != nil {
		v.Doc = newDocView(*res.Document, true)
		v.Doc.Sealed, v.Doc.LedgerIndex = w.ledger != nil, w.documentSeal(r, *res.Document)
	}
	return w.render(rw, r, http.StatusOK, "verify", title, "verify", v)
}

// parseForm parses a form whose body MaxBytesReader has bounded: a body
// over the bound is too large, anything else unreadable is invalid.
func parseForm(r *http.Request) error {
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return errs.E("web.form", errs.TooLarge, "The form is larger than the limit.", "حجم فرم بیش از حد مجاز است.")
	}
	return errs.E("web.form", errs.Invalid, "The form could not be read.", "فرم خوانده نشد.")
}

// mayView reports whether p may see document d in full: its holder (or
// whoever acts for the holder), and the issuing agency's staff. Everyone
// else verifies it on the public page, which masks the holder.
func mayView(p identity.Principal, d permit.Document) bool {
	if p.Kind != "user" {
		return false
	}
	if p.NationalCode != "" && d.Holder == p.NationalCode || p.ActingFor != "" && d.Holder == p.ActingFor {
		return true
	}
	return permit.CanRevoke(p, d.Agency)
}

// viewable returns the document named in the path if the signed-in person
// may see it. A visitor is sent to sign in (ok false, nothing to do); a
// document someone may not see is not found, as if it did not exist.
func (w *Web) viewable(rw http.ResponseWriter, r *http.Request, id string) (permit.Document, identity.Principal, bool, error) {
	rw.Header().Set("Cache-Control", "no-store")
	if w.docs.p == nil {
		return permit.Document{}, identity.Principal{}, false, errNoPermits
	}
	p, err := identity.Require(r.Context())
	if err != nil {
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return permit.Document{}, identity.Principal{}, false, nil
	}
	notFound := errs.E("web.document", errs.NotFound, "There is no document with this id that you may see.", "سندی با این شناسه که اجازهٔ دیدنش را داشته باشید وجود ندارد.")
	d, err := w.docs.p.Document(r.Context(), id)
	if errs.Is(err, errs.NotFound) {
		return permit.Document{}, p, false, notFound
	}
	if err != nil {
		return permit.Document{}, p, false, err
	}
	if !mayView(p, d) {
		return permit.Document{}, p, false, notFound
	}
	return d, p, true, nil
}

// document is the printable document, /documents/{id}, and its PDF,
// /documents/{id}.pdf.
func (w *Web) document(rw http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if base, ok := strings.CutSuffix(id, ".pdf"); ok {
		return w.documentPDF(rw, r, base)
	}
	d, p, ok, err := w.viewable(rw, r, id)
	if !ok {
		return err
	}
	v := newDocView(d, false)
	v.Sealed, v.LedgerIndex = w.ledger != nil, w.documentSeal(r, d)
	v.CanRevoke = permit.CanRevoke(p, d.Agency) && d.Status != permit.StatusRevoked
	v.Revoked = r.URL.Query().Get("done") == "revoked"
	return w.render(rw, r, http.StatusOK, "document", d.ServiceTitleFa, "me", v)
}

// documentPDF serves the document as a PDF.
func (w *Web) documentPDF(rw http.ResponseWriter, r *http.Request, id string) error {
	d, _, ok, err := w.viewable(rw, r, id)
	if !ok {
		return err
	}
	fonts, err := w.docs.fonts.Get()
	if err != nil {
		return err
	}
	body, err := permit.PDFBytes(d, fonts, w.docs.p.BaseURL()+"/verify")
	if err != nil {
		return err
	}
	h := rw.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	// The file name is the id: ASCII, so no encoding is needed.
	h.Set("Content-Disposition", `inline; filename="`+strings.ReplaceAll(d.ID, `"`, "")+`.pdf"`)
	rw.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = rw.Write(body)
	}
	return nil
}

// documentQR serves the document's QR code, whose payload is its JWS.
func (w *Web) documentQR(rw http.ResponseWriter, r *http.Request) error {
	d, _, ok, err := w.viewable(rw, r, r.PathValue("id"))
	if !ok {
		return err
	}
	body, err := permit.QRPNG(d.JWS, 4)
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "image/png")
	rw.Header().Set("Content-Length", strconv.Itoa(len(body)))
	rw.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = rw.Write(body)
	}
	return nil
}

// revokeDocument is the revocation form of the printable page: the issuing
// agency's signed-in staff revoke the document with a reason.
func (w *Web) revokeDocument(rw http.ResponseWriter, r *http.Request) error {
	d, p, ok, err := w.viewable(rw, r, r.PathValue("id"))
	if !ok {
		return err
	}
	if !permit.CanRevoke(p, d.Agency) {
		return errs.E("web.revokeDocument", errs.Forbidden, "Only the issuing agency's staff may revoke this document.", "فقط کارکنان دستگاه صادرکننده می‌توانند این سند را باطل کنند.")
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 8<<10)
	if err := parseForm(r); err != nil {
		return err
	}
	err = w.docs.p.Revoke(r.Context(), p, d.ID, r.PostForm.Get("reason"))
	if errs.Is(err, errs.Invalid) {
		v := newDocView(d, false)
		v.CanRevoke = true
		fa, en := errs.Messages(err)
		v.RevokeError = pickText(langOf(r), fa, en)
		return w.render(rw, r, http.StatusBadRequest, "document", d.ServiceTitleFa, "me", v)
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/documents/"+d.ID+"?done=revoked", http.StatusSeeOther)
	return nil
}

// documentsView is the data of /me/documents.
type documentsView struct {
	Docs []*docView
	Next string // the next page's address, "" on the last
}

// myDocuments is the citizen's wallet, /me/documents: every document issued
// to them (or to whom they act for), newest first, with its status.
func (w *Web) myDocuments(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.docs.p == nil {
		return errNoPermits
	}
	list, next, err := w.docs.p.Wallet(r.Context(), p.Subject(), r.URL.Query().Get("cursor"), permit.WalletPage)
	if err != nil {
		return err
	}
	v := documentsView{}
	v.Next = cursorLink("/me/documents", next)
	for _, d := range list {
		v.Docs = append(v.Docs, newDocView(d, false))
	}
	return w.render(rw, r, http.StatusOK, "documents", translate(langOf(r), "docs.title"), "me", v)
}
