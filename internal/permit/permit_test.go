package permit_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestDocumentID(t *testing.T) {
	for range 200 {
		id := permit.NewDocumentIDForTest()
		canon, ok := permit.ParseDocumentID(id)
		if !ok {
			t.Fatalf("fresh id %q does not parse", id)
		}
		formatted := permit.FormatDocumentID(canon)
		for _, typed := range []string{
			formatted, canon, strings.ToLower(formatted), " " + strings.ReplaceAll(formatted, "-", " ") + " ",
			persian.Digits(formatted), strings.ReplaceAll(strings.ReplaceAll(formatted, "0", "O"), "1", "l"),
		} {
			if got, ok := permit.ParseDocumentID(typed); !ok || got != canon {
				t.Fatalf("ParseDocumentID(%q) = %q, %v; want %q", typed, got, ok, canon)
			}
		}
		// Every single wrong symbol and every swap of neighbours is caught.
		const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // Z included: it is never valid
		for i := range canon {
			for _, c := range alphabet {
				if byte(c) == canon[i] {
					continue
				}
				bad := canon[:i] + string(c) + canon[i+1:]
				if _, ok := permit.ParseDocumentID(bad); ok {
					t.Fatalf("%q with symbol %d changed to %c still parses", canon, i, c)
				}
			}
			if i+1 < len(canon) && canon[i] != canon[i+1] {
				swapped := canon[:i] + string(canon[i+1]) + string(canon[i]) + canon[i+2:]
				if _, ok := permit.ParseDocumentID(swapped); ok {
					t.Fatalf("%q with symbols %d and %d swapped still parses", canon, i, i+1)
				}
			}
		}
	}
	for _, bad := range []string{"", "ABC", "D7K3-9QXM-4RAA", "D7K3-9QXM-4R!", "دی۷کا", strings.Repeat("A", 1000)} {
		if _, ok := permit.ParseDocumentID(bad); ok {
			t.Errorf("ParseDocumentID(%q) accepted", bad)
		}
	}
}

func TestIssueVerifyRevoke(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		doc := f.mustIssue(t, mimtOperator, f.licenceRequest("۰۰۶-۷۷۴۹۸۲-۸"))
		if doc.Holder != holderA || doc.Agency != "MIMT" || doc.Status != permit.StatusValid || doc.ValidUntil == nil {
			t.Fatalf("issued %+v", doc)
		}
		if days := doc.ValidUntil.Sub(doc.ValidFrom).Hours() / 24; days != 1825 {
			t.Errorf("validity = %v days, want the record's 1825", days)
		}
		if !strings.HasPrefix(doc.Kid, "MIMT-") || strings.Count(doc.JWS, ".") != 2 {
			t.Errorf("kid %q, jws %q", doc.Kid, doc.JWS)
		}

		// Valid by id in every form people type, by the JWS (the QR
		// payload) and by a link.
		canon, _ := permit.ParseDocumentID(doc.ID)
		for _, in := range []string{doc.ID, strings.ToLower(canon), persian.Digits(doc.ID), doc.JWS, " " + doc.JWS + "\n",
			"https://panjare.example/verify?document=" + doc.ID, "https://panjare.example/documents/" + doc.ID} {
			v, err := f.p.Verify(ctx, in)
			if err != nil {
				t.Fatalf("Verify(%.20q): %v", in, err)
			}
			if v.Status != permit.StatusValid || v.Issuer == nil || v.Issuer.Agency != "MIMT" || v.Issuer.NameFa != "وزارت صنعت، معدن و تجارت" || v.Document.HolderName != "زهرا کریمی" {
				t.Fatalf("Verify(%.20q) = %+v", in, v)
			}
		}

		// Only the issuing agency's staff or key may revoke, with a reason.
		for _, pr := range []identity.Principal{judOperator, citizenA, platformUser, identity.System,
			{Kind: "user", ID: 13, Agency: "MIMT", Roles: []identity.Role{identity.RoleCitizen}}} {
			if err := f.p.Revoke(ctx, pr, doc.ID, "تخلف"); !errs.Is(err, errs.Forbidden) {
				t.Errorf("Revoke by %s of %q = %v, want forbidden", pr.Actor(), pr.Agency, err)
			}
		}
		if err := f.p.Revoke(ctx, mimtOperator, doc.ID, "  "); !errs.Is(err, errs.Invalid) {
			t.Errorf("Revoke without reason = %v, want invalid", err)
		}
		if err := f.p.Revoke(ctx, mimtOperator, "D7K3-9QXM-4RA", "x"); !errs.Is(err, errs.NotFound) {
			t.Errorf("Revoke of an unknown id = %v, want not found", err)
		}
		if v, _ := f.p.Verify(ctx, doc.ID); v.Status != permit.StatusValid {
			t.Fatalf("refused revocations changed the status to %s", v.Status)
		}
		if err := f.p.Revoke(ctx, mimtKey, strings.ToLower(doc.ID), "واحد صنفی تعطیل شد"); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if err := f.p.Revoke(ctx, mimtOperator, doc.ID, "دوباره"); !errs.Is(err, errs.Conflict) {
			t.Errorf("second Revoke = %v, want conflict", err)
		}
		for _, in := range []string{doc.ID, doc.JWS} {
			v, err := f.p.Verify(ctx, in)
			if err != nil || v.Status != permit.StatusRevoked || v.Document.RevokedAt == nil {
				t.Fatalf("Verify after revocation = %+v, %v", v, err)
			}
			// Verification is public: it says when, not why.
			if v.Document.RevokeReason != "" {
				t.Errorf("Verify tells anyone why the document was revoked: %q", v.Document.RevokeReason)
			}
		}
		// The holder's own reads keep the reason.
		if d, err := f.p.Document(ctx, doc.ID); err != nil || d.RevokeReason != "واحد صنفی تعطیل شد" {
			t.Errorf("Document after revocation: reason %q, %v", d.RevokeReason, err)
		}
		if w, _, err := f.p.Wallet(ctx, holderA, "", 0); err != nil || len(w) == 0 || w[0].RevokeReason != "واحد صنفی تعطیل شد" {
			t.Errorf("the wallet after revocation lacks the reason: %v", err)
		}
		// The signature alone still checks out offline: revocation needs
		// the online check, which is why the verify page asks the platform.
		jwks, err := f.p.JWKSJSON(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := permit.VerifyOffline(doc.JWS, jwks); err != nil {
			t.Errorf("VerifyOffline of a revoked document = %v", err)
		}

		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "permit.document."})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Kind != "permit.document.issued" || evs[1].Kind != "permit.document.revoked" ||
			evs[0].Subject != holderA || evs[0].Agency != "MIMT" || evs[0].Service != f.licence || evs[1].Actor != "apikey:12" {
			t.Errorf("events = %+v", evs)
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Payload), holderA) || strings.Contains(string(ev.Payload), "کریمی") {
				t.Errorf("event payload carries personal data: %s", ev.Payload)
			}
		}
	}, sets()...)
}

// TestFacts checks that what a document certifies is signed into it, in
// the order given, with Persian and English labels, and comes back from the
// store and from offline verification; a fact without a value is refused,
// naming the fact.
func TestFacts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		r := permit.IssueRequest{Service: f.cert, Holder: holderB, HolderName: "علی رضایی", Facts: []permit.Fact{
			{Code: "record", LabelFa: "سابقهٔ کیفری", LabelEn: "Criminal record", Value: " فاقد سابقهٔ کیفری مؤثر "},
			{Code: "purpose", LabelFa: "برای ارائه به", LabelEn: "Issued for", Value: "استخدام"},
		}}
		doc := f.mustIssue(t, judOperator, r)
		if r.Facts[0].Value != " فاقد سابقهٔ کیفری مؤثر " {
			t.Errorf("Issue changed the caller's facts")
		}
		jwks, err := f.p.JWKSJSON(ctx)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := permit.VerifyOffline(doc.JWS, jwks)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := f.p.Document(ctx, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []permit.Fact{
			{Code: "record", LabelFa: "سابقهٔ کیفری", LabelEn: "Criminal record", Value: "فاقد سابقهٔ کیفری مؤثر"},
			{Code: "purpose", LabelFa: "برای ارائه به", LabelEn: "Issued for", Value: "استخدام"},
		}
		for name, got := range map[string][]permit.Fact{"the signed payload": claims.Facts, "the stored document": stored.Facts, "Issue's answer": doc.Facts} {
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s certifies %v, want %v", name, got, want)
			}
		}
		payload := string(decode(t, strings.Split(doc.JWS, ".")[1]))
		if !strings.Contains(payload, `"facts":[{"k":"record","fa":"سابقهٔ کیفری","en":"Criminal record","v":"فاقد سابقهٔ کیفری مؤثر"}`) {
			t.Errorf("the signed payload does not carry the facts in order: %s", payload)
		}

		for name, facts := range map[string][]permit.Fact{
			"no value":       {{Code: "record", LabelFa: "سابقهٔ کیفری", Value: "  "}},
			"no label":       {{Code: "record", Value: "ندارد"}},
			"duplicate code": {{Code: "record", LabelFa: "الف", Value: "۱"}, {Code: "record", LabelFa: "ب", Value: "۲"}},
			"bad code":       {{Code: "Record!", LabelFa: "الف", Value: "۱"}},
		} {
			bad := r
			bad.Facts = facts
			_, err := f.p.Issue(ctx, judOperator, bad)
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: Issue = %v, want invalid", name, err)
			}
			if name == "no value" {
				var e *errs.Error
				if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "fact_record" {
					t.Errorf("no value: the error does not name the fact: %v", err)
				}
			}
		}
	}, sets()...)
}

func TestIssueRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		good := f.licenceRequest(holderA)
		cases := []struct {
			name string
			pr   identity.Principal
			edit func(*permit.IssueRequest)
			kind errs.Kind
		}{
			{"another agency", judOperator, nil, errs.Forbidden},
			{"a citizen", citizenA, nil, errs.Forbidden},
			{"a platform admin user", platformUser, nil, errs.Forbidden},
			{"an information service", mimtOperator, func(r *permit.IssueRequest) { r.Service = f.info }, errs.Invalid},
			{"a mistyped service id", mimtOperator, func(r *permit.IssueRequest) { r.Service = "9999999" }, errs.Invalid},
			{"an unpublished service", mimtOperator, func(r *permit.IssueRequest) { r.Service = unpublished(t, f) }, errs.NotFound},
			{"a bad national code", mimtOperator, func(r *permit.IssueRequest) { r.Holder = "0684159415" }, errs.Invalid},
			{"no holder name", mimtOperator, func(r *permit.IssueRequest) { r.HolderName = " " }, errs.Invalid},
			{"negative validity", mimtOperator, func(r *permit.IssueRequest) { r.ValidDays = -1 }, errs.Invalid},
			{"too many fields", mimtOperator, func(r *permit.IssueRequest) {
				r.Fields = map[string]string{}
				for i := range 21 {
					r.Fields[strings.Repeat("ب", i+1)] = "x"
				}
			}, errs.Invalid},
			{"an empty label", mimtOperator, func(r *permit.IssueRequest) { r.Fields = map[string]string{"": "x"} }, errs.Invalid},
		}
		for _, c := range cases {
			r := good
			r.Fields = map[string]string{"نام واحد صنفی": "برکت"}
			if c.edit != nil {
				c.edit(&r)
			}
			if _, err := f.p.Issue(ctx, c.pr, r); !errs.Is(err, c.kind) {
				t.Errorf("%s: Issue = %v, want %s", c.name, err, c.kind)
			}
		}
		if n := countDocuments(t, s); n != 0 {
			t.Fatalf("refused issues stored %d documents", n)
		}
		// A certificate (a document output, not a permit) may be issued by
		// its agency, by its API client and by the platform; it has no
		// expiry unless asked.
		cert := f.mustIssue(t, judOperator, permit.IssueRequest{Service: f.cert, Holder: holderB, HolderName: "علی رضایی"})
		if cert.ValidUntil != nil || cert.Status != permit.StatusValid {
			t.Errorf("certificate %+v", cert)
		}
		f.mustIssue(t, identity.System, permit.IssueRequest{Service: f.cert, Holder: holderB, HolderName: "علی رضایی", ValidDays: 90})
		f.mustIssue(t, mimtKey, permit.IssueRequest{Service: f.licence, Holder: "10103456789", HolderName: "شرکت نمونه"})
	}, sets()...)
}

func TestIssueTxRollsBackWithTheCaller(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		boom := errors.New("the approval failed")
		var issued permit.Document
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if issued, err = f.p.IssueTx(ctx, tx, mimtOperator, f.licenceRequest(holderA)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		if _, err := f.p.Document(ctx, issued.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a document of a rolled-back approval exists: %v", err)
		}
		if set, _ := f.p.PublicKeys(ctx); len(set.Keys) != 0 {
			t.Errorf("a key of a rolled-back approval was published: %+v", set.Keys)
		}
		// Committed with the caller's own event.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if issued, err = f.p.IssueTx(ctx, tx, identity.System, f.licenceRequest(holderA)); err != nil {
				return err
			}
			err := tx.Append(ctx, store.Event{Kind: "test.approved", Actor: "system"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d, err := f.p.Document(ctx, issued.ID); err != nil || d.JWS != issued.JWS {
			t.Errorf("Document = %+v, %v", d, err)
		}
	}, sets()...)
}

func TestExpiredUnknownAndWallet(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		old := f.licenceRequest(holderA)
		old.ValidFrom = time.Now().AddDate(0, 0, -10)
		old.ValidDays = 3
		expired := f.mustIssue(t, mimtOperator, old)
		if expired.Status != permit.StatusExpired {
			t.Errorf("status = %s, want expired", expired.Status)
		}
		for _, in := range []string{expired.ID, expired.JWS} {
			if v, err := f.p.Verify(ctx, in); err != nil || v.Status != permit.StatusExpired || v.Issuer == nil {
				t.Errorf("Verify(expired) = %+v, %v", v, err)
			}
		}
		jwks, _ := f.p.JWKSJSON(ctx)
		if c, err := permit.VerifyOffline(expired.JWS, jwks); !errors.Is(err, permit.ErrExpired) || c.ID != expired.ID {
			t.Errorf("VerifyOffline(expired) = %+v, %v", c, err)
		}

		// A well-formed id that was never issued, and garbage, are unknown;
		// empty input is a 4xx.
		canon, _ := permit.ParseDocumentID(expired.ID)
		other := permit.NewDocumentIDForTest()
		for _, in := range []string{other, "ABCD", "<script>", canon[:10] + "Z"} {
			if in == expired.ID {
				continue
			}
			if v, err := f.p.Verify(ctx, in); err != nil || v.Status != permit.StatusUnknown || v.Issuer != nil || v.Document != nil {
				t.Errorf("Verify(%q) = %+v, %v; want unknown", in, v, err)
			}
		}
		if _, err := f.p.Verify(ctx, "  "); !errs.Is(err, errs.Invalid) {
			t.Errorf("Verify(blank) = %v, want invalid", err)
		}
		if _, err := f.p.Verify(ctx, strings.Repeat("a", 20000)); !errs.Is(err, errs.TooLarge) {
			t.Errorf("Verify(huge) = %v, want too large", err)
		}

		// Each holder's wallet holds their documents only.
		mine := f.mustIssue(t, mimtOperator, f.licenceRequest(holderA))
		theirs := f.mustIssue(t, judOperator, permit.IssueRequest{Service: f.cert, Holder: holderB, HolderName: "علی رضایی"})
		a, _, err := f.p.Wallet(ctx, holderA, "", 0)
		if err != nil || len(a) != 2 || a[0].ID != mine.ID || a[1].ID != expired.ID || a[1].Status != permit.StatusExpired {
			t.Fatalf("wallet A = %+v, %v", a, err)
		}
		b, _, err := f.p.Wallet(ctx, persian.Digits(holderB), "", 0)
		if err != nil || len(b) != 1 || b[0].ID != theirs.ID {
			t.Fatalf("wallet B = %+v, %v", b, err)
		}
		if none, _, err := f.p.Wallet(ctx, "", "", 0); err != nil || len(none) != 0 {
			t.Errorf("wallet of nobody = %+v, %v", none, err)
		}
	}, sets()...)
}

func TestForgeries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		doc := f.mustIssue(t, mimtOperator, f.licenceRequest(holderA))
		f.mustIssue(t, judOperator, permit.IssueRequest{Service: f.cert, Holder: holderB, HolderName: "علی رضایی"})
		jwks, err := f.p.JWKSJSON(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var set permit.JWKS
		if err := json.Unmarshal(jwks, &set); err != nil || len(set.Keys) != 2 {
			t.Fatalf("jwks %s: %v", jwks, err)
		}
		for _, k := range set.Keys {
			if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Use != "sig" || k.Alg != "EdDSA" || k.Kid == "" || k.Agency == "" || len(k.X) != 43 {
				t.Errorf("jwk %+v", k)
			}
			if strings.Contains(string(jwks), "private") || strings.Contains(string(jwks), `"d"`) {
				t.Fatalf("the JWKS leaks private material: %s", jwks)
			}
		}
		if _, err := permit.VerifyOffline(doc.JWS, jwks); err != nil {
			t.Fatalf("VerifyOffline(genuine) = %v", err)
		}

		parts := strings.Split(doc.JWS, ".")
		header, payload := decode(t, parts[0]), decode(t, parts[1])
		judKid, judKey := agencyKey(t, s, "JUD")

		var claims map[string]any
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		claims["holder_name"] = "شخص دیگر"
		changed, _ := json.Marshal(claims)

		flip := []byte(parts[2])
		if flip[20] == 'A' {
			flip[20] = 'B'
		} else {
			flip[20] = 'A'
		}
		swapped := strings.Replace(string(header), doc.Kid, judKid, 1)
		none := `{"alg":"none","kid":"` + doc.Kid + `"}`
		hs := `{"alg":"HS256","kid":"` + doc.Kid + `"}`

		// JUD's genuine key signs a document that claims to be MIMT's.
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: judKey},
			(&jose.SignerOptions{}).WithHeader("kid", judKid))
		if err != nil {
			t.Fatal(err)
		}
		obj, err := signer.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		crossAgency, _ := obj.CompactSerialize()
		// A stranger's key under MIMT's kid.
		_, stranger, _ := ed25519.GenerateKey(nil)
		signer, _ = jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: stranger},
			(&jose.SignerOptions{}).WithHeader("kid", doc.Kid))
		obj, _ = signer.Sign(payload)
		strangerJWS, _ := obj.CompactSerialize()

		forgeries := map[string]string{
			"payload changed":   parts[0] + "." + enc(changed) + "." + parts[2],
			"signature changed": parts[0] + "." + parts[1] + "." + string(flip),
			"kid swapped":       enc([]byte(swapped)) + "." + parts[1] + "." + parts[2],
			"alg none":          enc([]byte(none)) + "." + parts[1] + ".",
			"alg HS256":         enc([]byte(hs)) + "." + parts[1] + "." + parts[2],
			"no signature":      parts[0] + "." + parts[1] + ".",
			"another agency":    crossAgency,
			"a stranger's key":  strangerJWS,
			"unknown kid":       enc([]byte(strings.Replace(string(header), doc.Kid, "MIMT-nosuchkey", 1))) + "." + parts[1] + "." + parts[2],
			"not base64":        "a.b.c",
		}
		for name, jws := range forgeries {
			if _, err := permit.VerifyOffline(jws, jwks); !errors.Is(err, permit.ErrForged) {
				t.Errorf("%s: VerifyOffline = %v, want forged", name, err)
			}
			v, err := f.p.Verify(ctx, jws)
			if err != nil || v.Status != permit.StatusForged || v.Document != nil || v.Issuer != nil {
				t.Errorf("%s: Verify = %+v, %v; want forged", name, v, err)
			}
		}
		if _, err := permit.VerifyOffline(doc.JWS, []byte("not json")); !errors.Is(err, permit.ErrForged) {
			t.Errorf("VerifyOffline with a broken key set = %v", err)
		}
	}, sets()...)
}

func TestKeysRaceAndRotate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		// Several issues at once for an agency without a key yet make
		// exactly one key.
		var wg sync.WaitGroup
		docs := make([]permit.Document, 6)
		errors := make([]error, len(docs))
		for i := range docs {
			wg.Go(func() { docs[i], errors[i] = f.p.Issue(ctx, mimtOperator, f.licenceRequest(holderA)) })
		}
		wg.Wait()
		for i, err := range errors {
			if err != nil {
				t.Fatalf("issue %d: %v", i, err)
			}
			if docs[i].Kid != docs[0].Kid {
				t.Fatalf("concurrent issues used keys %s and %s", docs[0].Kid, docs[i].Kid)
			}
		}
		set, _ := f.p.PublicKeys(ctx)
		if len(set.Keys) != 1 {
			t.Fatalf("keys after the race = %+v", set.Keys)
		}

		if _, err := f.p.RotateKey(ctx, judOperator, "MIMT"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("RotateKey by another agency = %v", err)
		}
		kid, err := f.p.RotateKey(ctx, mimtKey, "MIMT")
		if err != nil || kid == docs[0].Kid || !strings.HasPrefix(kid, "MIMT-") {
			t.Fatalf("RotateKey = %q, %v", kid, err)
		}
		fresh := f.mustIssue(t, mimtOperator, f.licenceRequest(holderA))
		if fresh.Kid != kid {
			t.Errorf("after rotation the document is signed with %s, want %s", fresh.Kid, kid)
		}
		jwks, _ := f.p.JWKSJSON(ctx)
		for _, d := range []permit.Document{docs[0], fresh} {
			if _, err := permit.VerifyOffline(d.JWS, jwks); err != nil {
				t.Errorf("VerifyOffline(%s signed by %s) after rotation = %v", d.ID, d.Kid, err)
			}
			if v, _ := f.p.Verify(ctx, d.JWS); v.Status != permit.StatusValid {
				t.Errorf("Verify after rotation = %s", v.Status)
			}
		}
		set, _ = f.p.PublicKeys(ctx)
		if len(set.Keys) != 2 || set.Keys[0].Retired == nil || set.Keys[1].Retired != nil {
			t.Errorf("keys after rotation = %+v", set.Keys)
		}

		// Whoever still holds the retired key cannot sign new documents
		// with it: a document it claims to have signed after its
		// retirement (and the grace for a rotation in flight) is forged.
		var seed string
		if err := s.Read().QueryRow("SELECT private_key FROM permit_keys WHERE kid = $1", docs[0].Kid).Scan(&seed); err != nil {
			t.Fatal(err)
		}
		var claims permit.Claims
		if err := json.Unmarshal(decode(t, strings.Split(docs[0].JWS, ".")[1]), &claims); err != nil {
			t.Fatal(err)
		}
		claims.IssuedAt = set.Keys[0].Retired.Add(time.Hour).Unix()
		late := signClaims(t, ed25519.NewKeyFromSeed(decode(t, seed)), docs[0].Kid, claims)
		if _, err := permit.VerifyOffline(late, jwks); err != permit.ErrForged {
			t.Errorf("VerifyOffline of a document signed by a retired key after its retirement = %v, want forged", err)
		}
	}, sets()...)
}

// signClaims signs c with key under kid, as the platform does.
func signClaims(tb testing.TB, key ed25519.PrivateKey, kid string, c permit.Claims) string {
	tb.Helper()
	payload, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestKeysBeforeTheFirstDocument checks that every agency that can issue
// has its key in the JWKS before it issues anything: EnsureKeys covers
// what was published before, the publish hook what is published after,
// and neither touches an agency that issues nothing.
func TestKeysBeforeTheFirstDocument(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		agencies := func() map[string]int {
			set, err := f.p.PublicKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, k := range set.Keys {
				out[k.Agency]++
			}
			return out
		}
		if got := agencies(); len(got) != 0 {
			t.Fatalf("keys before anything = %v", got)
		}
		n, err := f.p.EnsureKeys(ctx)
		if err != nil || n != 2 {
			t.Fatalf("EnsureKeys = %d, %v; want keys for MIMT and JUD", n, err)
		}
		if got := agencies(); got["MIMT"] != 1 || got["JUD"] != 1 || len(got) != 2 {
			t.Fatalf("keys after EnsureKeys = %v", got)
		}
		if n, err := f.p.EnsureKeys(ctx); err != nil || n != 0 {
			t.Fatalf("EnsureKeys again = %d, %v; want nothing to do", n, err)
		}

		// With the hook, publishing a certificate gives its agency a key
		// in the same transaction; publishing a service that issues
		// nothing does not.
		f.cat.OnPublish(f.p.KeyOnPublish)
		for _, a := range []catalog.Agency{
			{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organisation for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
			{Code: "INTA", NameFa: "سازمان امور مالیاتی کشور", NameEn: "Iran National Tax Administration", Domain: catalog.DomainTax, Connected: true},
		} {
			if err := f.cat.PutAgency(ctx, identity.System, a); err != nil {
				t.Fatal(err)
			}
		}
		publish := func(rec catalog.Record) {
			t.Helper()
			d, err := f.cat.SaveDraft(ctx, identity.System, 0, rec)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.cat.Publish(ctx, identity.System, d.Key); err != nil {
				t.Fatal(err)
			}
		}
		cert, _ := f.cat.Service(ctx, f.cert)
		single := cert.Record
		single.TitleFa, single.Agency = "صدور گواهی تجرد", "NOCR"
		publish(single)
		info := cert.Record
		info.TitleFa, info.Agency = "اطلاع از نرخ مالیات", "INTA"
		info.Outputs = []catalog.Output{{NameFa: "نرخ‌ها", Kind: "information"}}
		publish(info)
		if got := agencies(); got["NOCR"] != 1 || got["INTA"] != 0 || len(got) != 3 {
			t.Fatalf("keys after publishing = %v, want NOCR's added and none for INTA", got)
		}
		// Publishing again keeps the one key.
		again := cert.Record
		again.DescriptionFa += " نسخهٔ دوم."
		d, err := f.cat.SaveDraft(ctx, identity.System, cert.Key, again)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cat.Publish(ctx, identity.System, d.Key); err != nil {
			t.Fatal(err)
		}
		if got := agencies(); got["JUD"] != 1 {
			t.Fatalf("JUD has %d keys after publishing again", got["JUD"])
		}
	}, sets()...)
}

func countDocuments(tb testing.TB, s *store.Store) int {
	tb.Helper()
	var n int
	if err := s.Read().QueryRow("SELECT COUNT(*) FROM permit_documents").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// agencyKey reads an agency's active private key straight from the table,
// as an attacker who stole one agency's key would hold it.
func agencyKey(tb testing.TB, s *store.Store, agency string) (string, ed25519.PrivateKey) {
	tb.Helper()
	var kid, seed string
	if err := s.Read().QueryRow("SELECT kid, private_key FROM permit_keys WHERE agency = $1 AND active", agency).Scan(&kid, &seed); err != nil {
		tb.Fatal(err)
	}
	return kid, ed25519.NewKeyFromSeed(decode(tb, seed))
}

func decode(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
