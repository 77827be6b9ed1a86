package permit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Claims is the signed payload of a document: everything printed on it.
// Times are seconds since the epoch, as in JWT (RFC 7519), whose registered
// names it reuses where they fit.
type Claims struct {
	ID             string            `json:"jti"` // the document id, formatted
	Issuer         string            `json:"iss"` // the platform's address
	Agency         string            `json:"agency"`
	AgencyNameFa   string            `json:"agency_name_fa"`
	Holder         string            `json:"sub"` // national code or company id
	HolderName     string            `json:"holder_name"`
	Service        string            `json:"service"`
	ServiceTitleFa string            `json:"service_title_fa"`
	CaseRef        string            `json:"case_ref,omitempty"`
	Facts          []Fact            `json:"facts,omitempty"` // what the document certifies, in order
	Fields         map[string]string `json:"fields,omitempty"`
	IssuedAt       int64             `json:"iat"`
	ValidFrom      int64             `json:"nbf"`
	ValidUntil     int64             `json:"exp,omitempty"` // 0: no expiry
}

// Expired reports whether the document has expired at now.
func (c Claims) Expired(now time.Time) bool {
	return c.ValidUntil != 0 && !now.Before(time.Unix(c.ValidUntil, 0))
}

// MaxJWSBytes is the most a document's JWS may weigh: what a QR code of
// version 40 at error correction level L holds in byte mode. The QR carries
// the JWS itself, so a larger document could not be verified offline.
const MaxJWSBytes = 2953

// Limits on each part of a document; MaxJWSBytes bounds the whole.
const (
	maxFields     = 20
	maxLabelRunes = 80
	maxValueRunes = 300
	maxNameRunes  = 150
	maxCaseRef    = 64
	maxValidDays  = 365 * 100
	maxReasonRune = 500
)

// validate normalises r and checks it; it returns errs.Invalid with the
// fields at fault.
func (r *IssueRequest) validate() error {
	var fe []errs.FieldError
	r.Holder = persian.NormalizeNationalCode(strings.TrimSpace(r.Holder))
	switch len(r.Holder) {
	case 10:
		if persian.CheckNationalCode(r.Holder) != nil {
			fe = append(fe, errs.FieldError{Field: "holder", En: "not a valid national code", Fa: "کد ملی معتبر نیست"})
		}
	case 11: // a company's national id (شناسهٔ ملی)
		if strings.Trim(r.Holder, "0123456789") != "" {
			fe = append(fe, errs.FieldError{Field: "holder", En: "not a valid national id", Fa: "شناسهٔ ملی معتبر نیست"})
		}
	default:
		fe = append(fe, errs.FieldError{Field: "holder", En: "a national code has 10 digits, a company's national id 11", Fa: "کد ملی ۱۰ رقم و شناسهٔ ملی شرکت ۱۱ رقم دارد"})
	}
	r.HolderName = persian.Clean(r.HolderName)
	if r.HolderName == "" || utf8.RuneCountInString(r.HolderName) > maxNameRunes {
		fe = append(fe, errs.FieldError{Field: "holder_name", En: "the holder's name is required (at most 150 characters)", Fa: "نام دارنده لازم است (حداکثر ۱۵۰ نویسه)"})
	}
	r.CaseRef = strings.TrimSpace(r.CaseRef)
	if len(r.CaseRef) > maxCaseRef {
		fe = append(fe, errs.FieldError{Field: "case_ref", En: "the case reference is too long", Fa: "کد رهگیری بیش از حد بلند است"})
	}
	if len(r.Fields) > maxFields {
		fe = append(fe, errs.FieldError{Field: "fields", En: "at most 20 fields", Fa: "حداکثر ۲۰ مورد"})
	}
	clean := make(map[string]string, len(r.Fields))
	for k, v := range r.Fields {
		k, v = persian.Clean(k), persian.Clean(v)
		if k == "" || utf8.RuneCountInString(k) > maxLabelRunes || utf8.RuneCountInString(v) > maxValueRunes {
			fe = append(fe, errs.FieldError{Field: "fields", En: "each field needs a label of at most 80 characters and a value of at most 300", Fa: "هر مورد باید عنوانی تا ۸۰ نویسه و مقداری تا ۳۰۰ نویسه داشته باشد"})
			break
		}
		clean[k] = v
	}
	r.Fields = clean
	if len(r.Facts)+len(r.Fields) > maxFields {
		fe = append(fe, errs.FieldError{Field: "facts", En: "at most 20 facts and fields in all", Fa: "حداکثر ۲۰ مورد در کل"})
	}
	codes := map[string]bool{}
	r.Facts = append([]Fact(nil), r.Facts...) // the caller's slice stays as it was
	for i, f := range r.Facts {
		f.Code, f.LabelFa, f.LabelEn, f.Value = strings.TrimSpace(f.Code), persian.Clean(f.LabelFa), persian.Clean(f.LabelEn), persian.Clean(f.Value)
		r.Facts[i] = f
		switch {
		case f.Code == "" || len(f.Code) > 40 || codes[f.Code] || strings.Trim(f.Code, "abcdefghijklmnopqrstuvwxyz0123456789_") != "":
			fe = append(fe, errs.FieldError{Field: "facts", En: "each fact needs its own code of lower-case letters, digits and _", Fa: "هر مورد باید کدی یکتا از حروف کوچک لاتین، رقم و _ داشته باشد"})
		case f.LabelFa == "" || utf8.RuneCountInString(f.LabelFa) > maxLabelRunes || utf8.RuneCountInString(f.LabelEn) > maxLabelRunes:
			fe = append(fe, errs.FieldError{Field: "facts", En: "each fact needs a Persian label of at most 80 characters", Fa: "هر مورد باید عنوانی فارسی تا ۸۰ نویسه داشته باشد"})
		case f.Value == "" || utf8.RuneCountInString(f.Value) > maxValueRunes:
			fe = append(fe, errs.FieldError{Field: "fact_" + f.Code, En: f.LabelEn + ": a value of at most 300 characters is required", Fa: f.LabelFa + ": مقداری تا ۳۰۰ نویسه لازم است"})
		}
		codes[f.Code] = true
	}
	if r.ValidDays < 0 || r.ValidDays > maxValidDays {
		fe = append(fe, errs.FieldError{Field: "valid_days", En: "the validity must be between 0 and 36500 days", Fa: "مدت اعتبار باید بین ۰ تا ۳۶۵۰۰ روز باشد"})
	}
	if len(fe) > 0 {
		e := errs.E("permit.Issue", errs.Invalid, "the document request is invalid", "درخواست صدور سند نامعتبر است")
		e.Fields = fe
		return e
	}
	return nil
}

// mayIssue reports whether pr may issue for the competent agency: its staff
// (operators and admins), its API clients, or the platform itself.
func mayIssue(pr identity.Principal, agency string) bool {
	if pr.Kind == "system" {
		return true
	}
	if agency == "" || pr.Agency != agency {
		return false
	}
	return pr.Kind == "apikey" || pr.Has(identity.RoleOperator) || pr.Has(identity.RoleAgencyAdmin)
}

// issuesDocuments reports whether a service produces a document: every
// permit does, and so does any service with an output of kind "document"
// (a certificate).
func issuesDocuments(rec catalog.Record) bool {
	if rec.IsPermit() {
		return true
	}
	for _, o := range rec.Outputs {
		if o.Kind == "document" {
			return true
		}
	}
	return false
}

// Issue signs and stores a document for an approved case, in its own
// transaction. Only the competent agency of the service (its staff, API
// client) or the platform acting for it (identity.System) may issue.
// Errors: Invalid (bad request, or a service that issues no document),
// NotFound (no such published service), Forbidden.
func (p *Permits) Issue(ctx context.Context, pr identity.Principal, r IssueRequest) (Document, error) {
	var doc Document
	err := p.s.InTx(ctx, func(tx *store.Tx) error {
		var err error
		doc, err = p.IssueTx(ctx, tx, pr, r)
		return err
	})
	return doc, err
}

// IssueTx does what Issue does inside the caller's transaction (apply's
// approval), so that approval and document commit together. It appends
// permit.document.issued.
func (p *Permits) IssueTx(ctx context.Context, tx *store.Tx, pr identity.Principal, r IssueRequest) (Document, error) {
	const op = "permit.Issue"
	if err := r.validate(); err != nil {
		return Document{}, err
	}
	svc, err := p.cat.Service(ctx, strings.TrimSpace(persian.ASCIIDigits(r.Service)))
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	if svc.Status != catalog.Published {
		return Document{}, errs.NotFoundf(op, "published service", "خدمت منتشرشده")
	}
	rec := svc.Record
	if !mayIssue(pr, rec.Agency) {
		return Document{}, errs.E(op, errs.Forbidden, "only the competent agency may issue this document", "فقط دستگاه صاحب خدمت می‌تواند این سند را صادر کند")
	}
	if !issuesDocuments(rec) {
		return Document{}, errs.E(op, errs.Invalid, "this service issues no document", "این خدمت سندی صادر نمی‌کند")
	}
	agency, err := p.cat.Agency(ctx, rec.Agency)
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	now := p.now()
	from := r.ValidFrom.UTC().Truncate(time.Second)
	if r.ValidFrom.IsZero() {
		from = now.Truncate(time.Second)
	}
	days := r.ValidDays
	if days == 0 && rec.Permit != nil {
		days = rec.Permit.ValidityDays
	}
	var until *time.Time
	if days > 0 {
		u := from.AddDate(0, 0, days)
		until = &u
	}
	kid, key, err := p.signerFor(ctx, tx, pr, agency.Code)
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	c := Claims{
		Issuer: p.baseURL, Agency: agency.Code, AgencyNameFa: agency.NameFa,
		Holder: r.Holder, HolderName: r.HolderName, Service: svc.ID, ServiceTitleFa: rec.TitleFa,
		CaseRef: r.CaseRef, Facts: r.Facts, Fields: r.Fields, IssuedAt: now.Unix(), ValidFrom: from.Unix(),
	}
	if len(c.Facts) == 0 {
		c.Facts = nil
	}
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	if until != nil {
		c.ValidUntil = until.Unix()
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key},
		(&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), kid).WithType("JWT"))
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	// A fresh id collides with an existing one about once in 10^15 issues
	// per stored document; the primary key catches it and we draw again.
	for attempt := 0; ; attempt++ {
		id := newDocumentID()
		c.ID = FormatDocumentID(id)
		payload, err := json.Marshal(c)
		if err != nil {
			return Document{}, errs.Wrap(op, err)
		}
		obj, err := signer.Sign(payload)
		if err != nil {
			return Document{}, errs.Wrap(op, err)
		}
		compact, err := obj.CompactSerialize()
		if err != nil {
			return Document{}, errs.Wrap(op, err)
		}
		if len(compact) > MaxJWSBytes {
			e := errs.E(op, errs.Invalid, "the document carries too much text to fit its QR code; shorten the fields",
				"متن سند بیش از گنجایش رمزینهٔ QR آن است؛ موارد سند را کوتاه‌تر کنید")
			e.Fields = []errs.FieldError{{Field: "fields", En: e.En, Fa: e.Fa}}
			return Document{}, e
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO permit_documents
			(id, agency, service, holder, holder_name, case_ref, kid, claims, jws, issued_at, valid_from, valid_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
			id, agency.Code, svc.ID, r.Holder, r.HolderName, r.CaseRef, kid, string(payload), compact, now, from, until)
		if err != nil {
			return Document{}, errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if attempt < 3 {
				continue
			}
			return Document{}, errs.Wrap(op, errors.New("could not draw a free document id"))
		}
		if err := tx.Append(ctx, store.Event{Kind: "permit.document.issued", Actor: pr.Actor(),
			Agency: agency.Code, Service: svc.ID, Subject: r.Holder},
			map[string]string{"document": c.ID, "case": r.CaseRef, "kid": kid}); err != nil {
			return Document{}, errs.Wrap(op, err)
		}
		return documentFrom(c, kid, compact, nil, "", now), nil
	}
}

// documentFrom builds the Document view of signed claims.
func documentFrom(c Claims, kid, jws string, revokedAt *time.Time, reason string, now time.Time) Document {
	d := Document{
		ID: c.ID, Service: c.Service, ServiceTitleFa: c.ServiceTitleFa, Agency: c.Agency,
		AgencyNameFa: c.AgencyNameFa, Holder: c.Holder, HolderName: c.HolderName, CaseRef: c.CaseRef,
		Facts: c.Facts, Fields: c.Fields, IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), ValidFrom: time.Unix(c.ValidFrom, 0).UTC(),
		Kid: kid, JWS: jws, RevokedAt: revokedAt, RevokeReason: reason,
	}
	if c.ValidUntil != 0 {
		u := time.Unix(c.ValidUntil, 0).UTC()
		d.ValidUntil = &u
	}
	d.Status = statusAt(revokedAt, d.ValidUntil, now)
	return d
}

const documentColumns = `claims, kid, jws, revoked_at, revoke_reason`

func (p *Permits) scanDocument(row interface{ Scan(...any) error }) (Document, error) {
	var claims, kid, jws, reason string
	var revoked sql.NullTime
	if err := row.Scan(&claims, &kid, &jws, &revoked, &reason); err != nil {
		return Document{}, err
	}
	var c Claims
	if err := json.Unmarshal([]byte(claims), &c); err != nil {
		return Document{}, fmt.Errorf("permit: stored claims: %w", err)
	}
	var at *time.Time
	if revoked.Valid {
		t := revoked.Time.UTC()
		at = &t
	}
	return documentFrom(c, kid, jws, at, reason, p.now()), nil
}

// Document returns the document with the given id, typed in any of the
// forms ParseDocumentID accepts. Errors: NotFound.
func (p *Permits) Document(ctx context.Context, id string) (Document, error) {
	const op = "permit.Document"
	canon, ok := ParseDocumentID(id)
	if !ok {
		return Document{}, errs.NotFoundf(op, "document", "سند")
	}
	d, err := p.scanDocument(p.s.Read().QueryRowContext(ctx,
		`SELECT `+documentColumns+` FROM permit_documents WHERE id = $1`, canon))
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, errs.NotFoundf(op, "document", "سند")
	}
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	return d, nil
}

// WalletPage is how many documents a page of the wallet holds when the
// caller does not say; MaxWalletPage is the most it holds.
const (
	WalletPage    = store.DefaultPage
	MaxWalletPage = store.MaxPage
)

// Wallet returns a page of the documents whose holder is holder (a
// national code or company id), newest first: at most limit (1 to
// MaxWalletPage; 0 for WalletPage) after cursor ("" for the first page),
// and the cursor of the next page, "" on the last. A cursor that was not
// made here is errs.Invalid. The caller must have checked that the person
// asking is the holder or acts for them.
func (p *Permits) Wallet(ctx context.Context, holder, cursor string, limit int) ([]Document, string, error) {
	const op = "permit.Wallet"
	holder = persian.NormalizeNationalCode(holder)
	if holder == "" {
		return nil, "", nil
	}
	limit = store.PageLimit(limit)
	where, args := `WHERE holder = $1`, []any{holder}
	if cursor != "" {
		at, id, err := store.ParseCursor(op, cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (issued_at < $2 OR (issued_at = $2 AND id < $3))`
		args = append(args, at, id)
	}
	rows, err := p.s.Read().QueryContext(ctx,
		`SELECT issued_at, `+documentColumns+` FROM permit_documents `+where+` ORDER BY issued_at DESC, id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Document
	var issued time.Time // the row's own time: the claims keep only its second
	var next string
	for rows.Next() {
		d, err := p.scanDocument(scanAfter{rows, &issued})
		if err != nil {
			return nil, "", errs.Wrap(op, err)
		}
		out = append(out, d)
		if len(out) == limit {
			next = store.Cursor(issued, d.ID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	return out[:limit], next, nil
}

// scanAfter scans the row's first column into first and the rest as the
// caller asks.
type scanAfter struct {
	rows  *sql.Rows
	first any
}

func (s scanAfter) Scan(dest ...any) error { return s.rows.Scan(append([]any{s.first}, dest...)...) }

// CanRevoke reports whether pr may revoke documents of agency: the agency's
// operators and admins, and its API clients. No one else, not even a
// platform admin: a document speaks for the agency that signed it.
func CanRevoke(pr identity.Principal, agency string) bool {
	if agency == "" || pr.Agency != agency {
		return false
	}
	return pr.Kind == "apikey" || pr.Has(identity.RoleOperator) || pr.Has(identity.RoleAgencyAdmin)
}

// Revoke withdraws a document, with a reason shown to the holder (their
// document page and wallet); public verification shows only the date. Only the issuing agency may revoke. It appends
// permit.document.revoked. Errors: Invalid (no reason), NotFound, Forbidden,
// Conflict (already revoked).
func (p *Permits) Revoke(ctx context.Context, pr identity.Principal, id, reason string) error {
	const op = "permit.Revoke"
	reason = persian.Clean(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReasonRune {
		e := errs.E(op, errs.Invalid, "a reason is required (at most 500 characters)", "دلیل ابطال لازم است (حداکثر ۵۰۰ نویسه)")
		e.Fields = []errs.FieldError{{Field: "reason", En: e.En, Fa: e.Fa}}
		return e
	}
	canon, ok := ParseDocumentID(id)
	if !ok {
		return errs.NotFoundf(op, "document", "سند")
	}
	return p.s.InTx(ctx, func(tx *store.Tx) error {
		var agency, service, holder string
		var revoked sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT agency, service, holder, revoked_at FROM permit_documents WHERE id = $1`, canon).
			Scan(&agency, &service, &holder, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf(op, "document", "سند")
		}
		if err != nil {
			return errs.Wrap(op, err)
		}
		if !CanRevoke(pr, agency) {
			return errs.E(op, errs.Forbidden, "only the issuing agency may revoke this document", "فقط دستگاه صادرکننده می‌تواند این سند را باطل کند")
		}
		if revoked.Valid {
			return errs.E(op, errs.Conflict, "the document is already revoked", "این سند پیش‌تر باطل شده است")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE permit_documents SET revoked_at = $2, revoke_reason = $3, revoked_by = $4 WHERE id = $1`,
			canon, p.now(), reason, pr.Actor()); err != nil {
			return errs.Wrap(op, err)
		}
		err = tx.Append(ctx, store.Event{Kind: "permit.document.revoked", Actor: pr.Actor(), Agency: agency, Service: service, Subject: holder},
			map[string]string{"document": FormatDocumentID(canon), "reason": reason})
		return err
	})
}

// IssuedEvent returns the id of d's permit.document.issued event, which
// names the document's place in the ledger; ok is false when there is none.
// It reads only the holder's own issuing events.
func (p *Permits) IssuedEvent(ctx context.Context, d Document) (id int64, ok bool, err error) {
	ids, err := p.s.EventIDsBy(ctx, "permit.document.issued", d.Holder, "document", []string{d.ID})
	if err != nil {
		return 0, false, errs.Wrap("permit.IssuedEvent", err)
	}
	id, ok = ids[d.ID]
	return id, ok, nil
}
