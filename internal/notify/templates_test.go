package notify_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// The notices the journey needs, each of which must exist.
var journey = []string{"case.submitted", "case.in_review", "case.needs_info", "case.approved", "case.rejected",
	"case.issued", "case.withdrawn", "case.overdue", "case.evidence_failed", "case.objected", "payment.confirmed", "complaint.received",
	"complaint.answered", "document.revoked", "proactive.offer", "proactive.nostop"}

func TestTemplatesRender(t *testing.T) {
	// email.confirm is sent by email only (TestConfirmTemplate).
	if got := notify.Templates(); len(got) != len(journey)+1 {
		t.Errorf("templates %v, want %v", got, journey)
	}
	for _, key := range journey {
		t.Run(key, func(t *testing.T) {
			if notify.Fields(key) == nil {
				t.Fatalf("no template %s", key)
			}
			sms, subject, email, titleFa, bodyFa, titleEn, bodyEn, err := notify.Render(key, dataFor(key), "https://panjare.example.ir")
			if err != nil {
				t.Fatal(err)
			}
			for name, s := range map[string]string{"sms": sms, "subject": subject, "email": email, "title_fa": titleFa,
				"body_fa": bodyFa, "title_en": titleEn, "body_en": bodyEn} {
				if strings.TrimSpace(s) == "" || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
					t.Errorf("%s = %q", name, s)
				}
				if strings.ContainsAny(s, "يك") {
					t.Errorf("%s uses Arabic ي or ك: %q", name, s)
				}
			}
			// One SMS for every notice with these realistic values: the
			// texts name codes, not long titles or reasons.
			if p := notify.SMSParts(sms); p != 1 {
				t.Errorf("SMS %q (%d characters) takes %d parts, want 1", sms, utf8.RuneCountInString(sms), p)
			}
			for _, f := range notify.Fields(key) {
				if f == "link" || f == "deadline" || f == "amount" {
					continue // shown formatted or as the absolute URL
				}
				if !strings.Contains(bodyFa+email, sample[f]) {
					t.Errorf("field %s (%q) appears in neither the inbox nor the email", f, sample[f])
				}
			}
			if strings.Contains(sms, sample["reason"]) {
				t.Errorf("the SMS carries the whole reason: %q", sms)
			}
		})
	}
	// case.issued names the document when there is one, and says the
	// application is done when the service issues none.
	withDoc := dataFor("case.issued")
	withDoc["document"] = sample["document"]
	sms, _, email, _, bodyFa, _, _, _ := notify.Render("case.issued", withDoc, "https://panjare.example.ir")
	if !strings.Contains(email, "https://panjare.example.ir/me/documents/D7K3-9QXM-4") || !strings.Contains(bodyFa, "D7K3-9QXM-4") ||
		!strings.Contains(sms, "D7K3-9QXM-4") || notify.SMSParts(sms) != 1 {
		t.Errorf("issued with a document: %q / %q / %q", sms, bodyFa, email)
	}
	sms, _, _, _, bodyFa, _, bodyEn, _ := notify.Render("case.issued", dataFor("case.issued"), "")
	if !strings.Contains(bodyFa, "انجام شد") || !strings.Contains(bodyEn, "was completed") || !strings.Contains(sms, "انجام شد") {
		t.Errorf("issued without a document: %q / %q / %q", sms, bodyFa, bodyEn)
	}
	if got := notify.Optional("case.issued"); len(got) != 1 || got[0] != "document" {
		t.Errorf("optional fields of case.issued: %v", got)
	}
	_, _, _, _, bodyFa, _, bodyEn, _ = notify.Render("payment.confirmed", dataFor("payment.confirmed"), "")
	if !strings.Contains(bodyFa, "۱٬۲۵۰٬۰۰۰ ریال") || !strings.Contains(bodyEn, "1,250,000 rials") {
		t.Errorf("amount not grouped: %q / %q", bodyFa, bodyEn)
	}
	_, _, _, _, bodyFa, _, bodyEn, _ = notify.Render("case.overdue", dataFor("case.overdue"), "")
	if !strings.Contains(bodyFa, "۱۴۰۵") || !strings.Contains(bodyEn, "20 November 2026") {
		t.Errorf("deadline not formatted: %q / %q", bodyFa, bodyEn)
	}
}

func TestSMSParts(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{"", 0},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("{", 80), 1},
		{strings.Repeat("{", 81), 2},
		{strings.Repeat("س", 70), 1},
		{strings.Repeat("س", 71), 2},
		{strings.Repeat("س", 134), 2},
		{strings.Repeat("س", 135), 3},
		{strings.Repeat("a", 150) + "س", 3},
	} {
		if got := notify.SMSParts(c.text); got != c.want {
			t.Errorf("SMSParts(%d runes starting %q) = %d, want %d", utf8.RuneCountInString(c.text), c.text[:min(len(c.text), 4)], got, c.want)
		}
	}
}

// Every template refuses at SendTx each missing field, and nothing is
// written when it does.
func TestSendTxRefusesBadNotices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n := notify.New(s, notify.NewOutbox(s), notify.NewOutbox(s))
		invalid := func(t *testing.T, what string, notice notify.Notice) {
			t.Helper()
			err := send(s, n, notice)
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: err = %v, want invalid", what, err)
				return
			}
			if fa, en := errs.Messages(err); fa == "" || en == "" {
				t.Errorf("%s: messages %q / %q", what, fa, en)
			}
		}
		for _, key := range journey {
			for _, f := range notify.Fields(key) {
				d := dataFor(key)
				delete(d, f)
				invalid(t, key+" without "+f, notify.Notice{To: recipientFor(key), Template: key, Data: d})
				d[f] = "  "
				invalid(t, key+" with a blank "+f, notify.Notice{To: recipientFor(key), Template: key, Data: d})
			}
		}
		good := func(key string) notify.Notice {
			return notify.Notice{To: recipientFor(key), Template: key, Data: dataFor(key)}
		}
		bad := good("case.unknown")
		bad.Data = dataFor("case.submitted")
		invalid(t, "unknown template", bad)
		bad = good("case.overdue")
		bad.Data["deadline"] = "next week"
		invalid(t, "malformed deadline", bad)
		bad = good("payment.confirmed")
		bad.Data["amount"] = "12.5"
		invalid(t, "malformed amount", bad)
		for _, link := range []string{"javascript:alert(1)", "//evil.example/x", "data:text/html,hi"} {
			bad = good("case.issued")
			bad.Data["link"] = link
			invalid(t, "link "+link, bad)
		}
		bad = good("case.overdue")
		bad.To = citizenA
		invalid(t, "overdue to a person", bad)
		bad = good("case.submitted")
		bad.To = "agency:NOCR"
		invalid(t, "submitted to an agency", bad)
		for _, to := range []string{"", "0013542418", "1111111111", "agency:", "agency:nocr';--"} {
			bad = good("case.submitted")
			bad.To = to
			invalid(t, "recipient "+to, bad)
		}
		bad = good("case.submitted")
		bad.SMS, bad.Phone = true, "0912123"
		invalid(t, "short phone", bad)
		bad = good("case.submitted")
		bad.Email, bad.Address = true, "not-an-address"
		invalid(t, "bad address", bad)

		for _, to := range []string{citizenA, "agency:NOCR"} {
			if msgs, err := n.Inbox(ctx, to); err != nil || len(msgs) != 0 {
				t.Fatalf("inbox of %s after refused notices: %d messages, %v", to, len(msgs), err)
			}
		}
		if evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "notify."}); len(evs) != 0 {
			t.Fatalf("%d notify events after refused notices", len(evs))
		}

		// Without a provider for a channel, asking for it is refused too.
		inboxOnly := notify.New(s, nil, nil)
		notice := good("case.submitted")
		notice.SMS, notice.Phone = true, "09121234567"
		if err := send(s, inboxOnly, notice); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("SMS without a provider: %v", err)
		}
		notice.SMS = false
		mustSend(t, s, inboxOnly, notice)
	}, notify.Migrations())
}

// TestConfirmTemplate: the link that proves the mailbox is the person's is
// in the email only, absolute; the inbox says it was sent.
func TestConfirmTemplate(t *testing.T) {
	data := map[string]string{"confirm": notify.ConfirmPath + "?token=SECRET", "link": "/me"}
	_, subject, email, titleFa, bodyFa, titleEn, bodyEn, err := notify.Render("email.confirm", data, "https://panjare.example.ir")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(email, "https://panjare.example.ir"+notify.ConfirmPath+"?token=SECRET") || subject == "" {
		t.Errorf("email %q", email)
	}
	if strings.Contains(titleFa+bodyFa+titleEn+bodyEn, "SECRET") || bodyFa == "" || bodyEn == "" {
		t.Errorf("the inbox shows the link: %q %q", bodyFa, bodyEn)
	}
	data["confirm"] = "https://evil.example/x"
	if _, _, _, _, _, _, _, err := notify.Render("email.confirm", data, ""); !errs.Is(err, errs.Invalid) {
		t.Errorf("a link off the portal: %v", err)
	}
}
