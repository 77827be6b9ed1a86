package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/notify/notifytest"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func newSMTP(t *testing.T, addr string) *notify.SMTP {
	t.Helper()
	p, err := notify.NewSMTP(notify.SMTPConfig{Addr: addr, From: "پنجرهٔ ملی خدمات <no-reply@panjare.example.ir>",
		ReplyTo: "پشتیبانی <help@panjare.example.ir>", TLS: "none", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// parts returns the decoded parts of a multipart/alternative message by
// content type.
func parts(t *testing.T, msg *mail.Message) map[string]string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		out[p.Header.Get("Content-Type")] = string(b)
	}
}

func TestSMTPSendsPersianMultipart(t *testing.T) {
	mp := notifytest.StartMailpit(t)
	p := newSMTP(t, mp.SMTP)
	subject := "تأیید درخواست ۱۴۰۵-۷K۳M-۹Q"
	body := "درخواست «صدور پروانهٔ کسب» تأیید شد.\nپیگیری: https://panjare.example.ir/me/cases/1405-7K3M-9Q\n\nپنجرهٔ ملی خدمات دولت هوشمند"
	if err := p.Send(context.Background(), notify.Outgoing{Channel: "email", To: address, Subject: subject, Body: body, NoticeID: 77}); err != nil {
		t.Fatal(err)
	}
	got := mp.Raw(t)
	if len(got) != 1 {
		t.Fatalf("mailpit received %d messages", len(got))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0]))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if s, _ := dec.DecodeHeader(msg.Header.Get("Subject")); s != subject {
		t.Errorf("Subject %q, want %q", s, subject)
	}
	if from, err := msg.Header.AddressList("From"); err != nil || from[0].Name != "پنجرهٔ ملی خدمات" || from[0].Address != "no-reply@panjare.example.ir" {
		t.Errorf("From %v %v", from, err)
	}
	if rt, err := msg.Header.AddressList("Reply-To"); err != nil || rt[0].Address != "help@panjare.example.ir" {
		t.Errorf("Reply-To %v %v", rt, err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || to[0].Address != address {
		t.Errorf("To %v %v", to, err)
	}
	if id := msg.Header.Get("Message-ID"); id != "<notice-77.email@panjare.example.ir>" {
		t.Errorf("Message-ID %q", id)
	}
	if msg.Header.Get("MIME-Version") != "1.0" || msg.Header.Get("Content-Language") != "fa" {
		t.Errorf("headers %v", msg.Header)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	ps := parts(t, msg)
	if text := strings.ReplaceAll(ps["text/plain; charset=UTF-8"], "\r\n", "\n"); text != body {
		t.Errorf("text part %q, want %q", text, body)
	}
	html := ps["text/html; charset=UTF-8"]
	for _, want := range []string{`<html lang="fa" dir="rtl">`, `dir="rtl"`, "درخواست «صدور پروانهٔ کسب» تأیید شد.<br>",
		`<a href="https://panjare.example.ir/me/cases/1405-7K3M-9Q" dir="ltr">`, "<title>" + subject + "</title>", "<p>پنجرهٔ ملی خدمات دولت هوشمند</p>"} {
		if !strings.Contains(html, want) {
			t.Errorf("html part lacks %q:\n%s", want, html)
		}
	}
	// An address with markup in the body is escaped, not rendered.
	if err := p.Send(context.Background(), notify.Outgoing{Channel: "email", To: address, Subject: "x", Body: "<script>alert(1)</script>", NoticeID: 78}); err != nil {
		t.Fatal(err)
	}
	got = mp.Raw(t)
	msg, _ = mail.ReadMessage(bytes.NewReader(got[1]))
	if html := parts(t, msg)["text/html; charset=UTF-8"]; strings.Contains(html, "<script>") {
		t.Errorf("html part renders markup: %s", html)
	}
}

func TestSMTPFailuresAreClassed(t *testing.T) {
	ctx := context.Background()
	m := notify.Outgoing{Channel: "email", To: address, Subject: "موضوع", Body: "متن", NoticeID: 5}

	// Nothing listens.
	addr := notifytest.FreeAddr(t)
	if err := newSMTP(t, addr).Send(ctx, m); notify.ErrorClass(err) != notify.ClassUnreachable || notify.IsPermanent(err) {
		t.Errorf("closed port: %v (%s)", err, notify.ErrorClass(err))
	}
	// A server that accepts and never greets; one that greets with
	// something that is not SMTP.
	for _, c := range []struct {
		greet string
		class string
	}{{"", notify.ClassTimeout}, {"HTTP/1.1 400 Bad Request\r\n\r\n", notify.ClassMalformed}} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				conn.Write([]byte(c.greet))
				time.AfterFunc(5*time.Second, func() { conn.Close() })
			}
		}()
		p, _ := notify.NewSMTP(notify.SMTPConfig{Addr: l.Addr().String(), From: "no-reply@panjare.example.ir", TLS: "none", Timeout: 300 * time.Millisecond})
		err = p.Send(ctx, m)
		l.Close()
		if notify.ErrorClass(err) != c.class || notify.IsPermanent(err) {
			t.Errorf("greeting %q: %v (%s), want %s", c.greet, err, notify.ErrorClass(err), c.class)
		}
	}

	mp := notifytest.StartMailpit(t)
	p := newSMTP(t, mp.SMTP)
	mp.Chaos(t, 451)
	if err := p.Send(ctx, m); notify.ErrorClass(err) != notify.ClassRefused || notify.IsPermanent(err) || !strings.Contains(err.Error(), "451") {
		t.Errorf("451: %v (%s)", err, notify.ErrorClass(err))
	}
	mp.Chaos(t, 550)
	if err := p.Send(ctx, m); notify.ErrorClass(err) != notify.ClassRejected || !notify.IsPermanent(err) {
		t.Errorf("550: %v (%s)", err, notify.ErrorClass(err))
	}
	if n := len(mp.Raw(t)); n != 0 {
		t.Errorf("mailpit kept %d refused messages", n)
	}
}

func TestSMTPConfig(t *testing.T) {
	for _, c := range []notify.SMTPConfig{
		{From: "a@example.ir"},
		{Addr: "mail.example.ir", From: "a@example.ir"},
		{Addr: "mail.example.ir:587", From: "not an address"},
		{Addr: "mail.example.ir:587", From: "a@example.ir", TLS: "none"},
		{Addr: "mail.example.ir:587", From: "a@example.ir", TLS: "ssl3"},
		{Addr: "mail.example.ir:587", From: "a@example.ir", Username: "panjare"},
		{Addr: "mail.example.ir:587", From: "a@example.ir", ReplyTo: "@"},
	} {
		if _, err := notify.NewSMTP(c); err == nil {
			t.Errorf("NewSMTP(%+v) took it", c)
		}
	}
	for _, c := range []notify.SMTPConfig{
		{Addr: "mail.example.ir:587", From: "پنجره <a@example.ir>"},
		{Addr: "127.0.0.1:1025", From: "a@example.ir", TLS: "none"},
		{Addr: "mail.example.ir:465", From: "a@example.ir", TLS: "tls", Username: "u", Password: "p"},
	} {
		if _, err := notify.NewSMTP(c); err != nil {
			t.Errorf("NewSMTP(%+v): %v", c, err)
		}
	}
}

func TestEmailThroughSMTPIsRetriedUntilTheRelayTakesIt(t *testing.T) {
	mp := notifytest.StartMailpit(t)
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		before := len(mp.Raw(t))
		n := notify.New(s, nil, newSMTP(t, mp.SMTP)).WithBaseURL("https://panjare.example.ir")
		n.SetRetryForTest(50*time.Millisecond, 8)
		n.RegisterWorkers()
		mp.Chaos(t, 451)
		startJobs(t, s)
		data := dataFor("case.approved")
		data["link"] = "/me/cases/1405-7K3M-9Q"
		mustSend(t, s, n, notify.Notice{To: citizenA, Template: "case.approved", Data: data, Email: true, Address: address})
		m := latest(t, n, citizenA)
		// The relay refuses for now: the inbox says it is being retried,
		// and why.
		waitFor(t, "a refused attempt", func() bool {
			d := latest(t, n, citizenA).Deliveries
			return len(d) == 1 && d[0].Status == "retrying" && d[0].ErrorClass == notify.ClassRefused && d[0].Attempts >= 1
		})
		mp.Chaos(t, 0)
		ds := waitDeliveries(t, n, m.ID)
		if len(ds) != 1 || ds[0].Status != "sent" || ds[0].Attempts < 2 || ds[0].Provider != "smtp" {
			t.Fatalf("delivery %+v", ds)
		}
		got := mp.Raw(t)[before:]
		if len(got) != 1 {
			t.Fatalf("mailpit received %d messages, want 1", len(got))
		}
		msg, _ := mail.ReadMessage(bytes.NewReader(got[0]))
		if !strings.Contains(parts(t, msg)["text/plain; charset=UTF-8"], "https://panjare.example.ir/me/cases/1405-7K3M-9Q") {
			t.Errorf("the email lacks the absolute link")
		}
		if d := latest(t, n, citizenA).Deliveries; len(d) != 1 || d[0].Status != "sent" || d[0].ErrorClass != "" {
			t.Errorf("inbox deliveries %+v", d)
		}

		// Refused for good: failed at once, with the class.
		mp.Chaos(t, 550)
		mustSend(t, s, n, notify.Notice{To: citizenB, Template: "case.approved", Data: data, Email: true, Address: "nobody@example.ir"})
		mb := latest(t, n, citizenB)
		ds = waitDeliveries(t, n, mb.ID)
		mp.Chaos(t, 0)
		if len(ds) != 1 || ds[0].Status != "failed" || ds[0].Attempts != 1 || ds[0].ErrorClass != notify.ClassRejected || strings.Contains(ds[0].LastError, "nobody@") {
			t.Errorf("refused delivery %+v", ds)
		}
	}, notify.Migrations())
}

// TestSMTPOverTLSWithAuthentication: the default, STARTTLS with a password,
// and TLS from the first byte, against mailpit with a certificate; a relay
// whose certificate is not trusted is refused before the password is sent.
func TestSMTPOverTLSWithAuthentication(t *testing.T) {
	certFile, keyFile, pool := notifytest.Cert(t)
	ctx := context.Background()
	m := notify.Outgoing{Channel: "email", To: address, Subject: "آزمون", Body: "متن آزمون", NoticeID: 9}
	for _, c := range []struct {
		mode string
		flag string
	}{{"starttls", "--smtp-require-starttls"}, {"tls", "--smtp-require-tls"}} {
		mp := notifytest.StartMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, c.flag, "--smtp-auth-accept-any")
		p, err := notify.NewSMTP(notify.SMTPConfig{Addr: mp.SMTP, From: "no-reply@panjare.example.ir", TLS: c.mode,
			Username: "panjare", Password: "relay-secret", RootCAs: pool, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Send(ctx, m); err != nil {
			t.Fatalf("%s: %v", c.mode, err)
		}
		if got := mp.Raw(t); len(got) != 1 {
			t.Errorf("%s: mailpit received %d messages", c.mode, len(got))
		}
		untrusted, _ := notify.NewSMTP(notify.SMTPConfig{Addr: mp.SMTP, From: "no-reply@panjare.example.ir", TLS: c.mode,
			Username: "panjare", Password: "relay-secret", Timeout: 5 * time.Second})
		if err := untrusted.Send(ctx, m); notify.ErrorClass(err) != notify.ClassAuth || notify.IsPermanent(err) || strings.Contains(err.Error(), "relay-secret") {
			t.Errorf("%s with an untrusted certificate: %v", c.mode, err)
		}
	}
	// A relay that offers no STARTTLS is refused when it is required.
	plain := notifytest.StartMailpit(t)
	p, _ := notify.NewSMTP(notify.SMTPConfig{Addr: plain.SMTP, From: "no-reply@panjare.example.ir", Timeout: 5 * time.Second})
	if err := p.Send(ctx, m); notify.ErrorClass(err) != notify.ClassAuth || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("no STARTTLS: %v (%s)", err, notify.ErrorClass(err))
	}
}
