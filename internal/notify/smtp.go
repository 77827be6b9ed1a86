package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig says how to reach the mail relay.
type SMTPConfig struct {
	Addr     string // host:port of the relay, such as mail.example.ir:587
	Username string // empty: no authentication
	Password string // personal to this deployment: never logged
	From     string // the sender, "پنجرهٔ ملی <no-reply@example.ir>" or a bare address
	ReplyTo  string // optional: where answers go
	// TLS is "starttls" (the default: the relay must offer STARTTLS),
	// "tls" (TLS from the first byte, usually port 465) or "none" (plain
	// text, only to a relay on loopback).
	TLS       string
	Timeout   time.Duration  // for one whole send; 30 seconds when zero
	HelloName string         // the name given in EHLO; "localhost" when empty
	RootCAs   *x509.CertPool // to trust a private CA; nil: the system's
}

// SMTP sends email through a mail relay with net/smtp: a multipart message
// with a plain text part and a right-to-left HTML part, both UTF-8.
type SMTP struct {
	cfg           SMTPConfig
	host          string
	from, replyTo *mail.Address
}

var _ Provider = (*SMTP)(nil)

// NewSMTP checks cfg and returns the provider.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("--smtp-addr %q: want host:port, such as mail.example.ir:587", cfg.Addr)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = "starttls"
	case "starttls", "tls":
	case "none":
		if !isLoopback(host) {
			return nil, fmt.Errorf("--smtp-tls none: plain text is allowed only to a relay on loopback, not %s", host)
		}
	default:
		return nil, fmt.Errorf("--smtp-tls %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Username != "" && cfg.Password == "" {
		return nil, errors.New("--smtp-username needs PANJARE_SMTP_PASSWORD")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("--smtp-from %q: want an address such as no-reply@example.ir", cfg.From)
	}
	s := &SMTP{cfg: cfg, host: host, from: from}
	if cfg.ReplyTo != "" {
		if s.replyTo, err = mail.ParseAddress(cfg.ReplyTo); err != nil {
			return nil, fmt.Errorf("--smtp-reply-to %q: want an address such as help@example.ir", cfg.ReplyTo)
		}
	}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = 30 * time.Second
	}
	if s.cfg.HelloName == "" {
		s.cfg.HelloName = "localhost"
	}
	return s, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Name names the provider in deliveries.
func (s *SMTP) Name() string { return "smtp" }

// Send hands m to the relay. A relay that answers 4xx, times out or cannot
// be reached is retried; one that refuses the recipient or the message with
// 5xx is a permanent failure; one that refuses our credentials or sender is
// retried (an operator can fix it). The Message-ID is derived from the
// notice, so a repeated send is recognisable as the same message.
func (s *SMTP) Send(ctx context.Context, m Outgoing) error {
	if m.Channel != ChannelEmail {
		return Permanent(Fail(ClassRejected, fmt.Errorf("smtp: cannot send %s", m.Channel)))
	}
	to, err := ParseEmail(m.To)
	if err != nil {
		return Permanent(Fail(ClassRejected, errors.New("smtp: the address is not valid")))
	}
	msg, err := s.compose(m, to, time.Now())
	if err != nil {
		return Permanent(Fail(ClassOther, err))
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return smtpError("connect", err)
	}
	defer conn.Close()
	// The deadline bounds every read and write; cancelling ctx cuts the
	// connection at once.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	tlsConfig := &tls.Config{ServerName: s.host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	if s.cfg.TLS == "tls" {
		conn = tls.Client(conn, tlsConfig)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return smtpError("hello", err)
	}
	if s.cfg.TLS == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return Fail(ClassAuth, errors.New("smtp: the relay does not offer STARTTLS"))
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return smtpError("starttls", err)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return smtpError("auth", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return smtpError("mail", err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpError("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("data", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("data", err)
	}
	// The relay has taken the message: a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// smtpError classes an error of step of the conversation. The relay's reply
// is kept (it is redacted before it is stored): it says what an operator
// needs to know.
func smtpError(step string, err error) error {
	err = fmt.Errorf("smtp %s: %w", step, err)
	var te *textproto.Error
	var pe textproto.ProtocolError
	var ce *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ce):
		// The relay's certificate is not trusted: a setting to fix.
		return Fail(ClassAuth, err)
	case errors.As(err, &te):
		switch {
		case te.Code == 530 || te.Code == 534 || te.Code == 535 || te.Code == 538 || step == "auth" || step == "mail" && te.Code >= 500:
			// Our credentials or sender: an operator can fix it, retry.
			return Fail(ClassAuth, err)
		case te.Code >= 500:
			return Permanent(Fail(ClassRejected, err))
		default:
			return Fail(ClassRefused, err)
		}
	case errors.As(err, &pe):
		return Fail(ClassMalformed, err)
	}
	if c := ErrorClass(err); c != ClassOther {
		return Fail(c, err)
	}
	if step == "connect" {
		return Fail(ClassUnreachable, err)
	}
	return Fail(ClassOther, err)
}

// compose writes the message: headers, then a multipart/alternative body
// with the plain text and an HTML rendering of it, right to left.
func (s *SMTP) compose(m Outgoing, to string, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", s.from.String())
	if s.replyTo != nil {
		h("Reply-To", s.replyTo.String())
	}
	h("To", "<"+to+">")
	h("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	h("Message-ID", "<notice-"+strconv.FormatInt(m.NoticeID, 10)+".email@"+domain+">")
	h("MIME-Version", "1.0")
	h("Content-Language", "fa")
	h("Auto-Submitted", "auto-generated")
	mw := multipart.NewWriter(&buf)
	h("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	buf.WriteString("\r\n")
	var html bytes.Buffer
	if err := emailHTML.Execute(&html, struct {
		Subject string
		Paras   [][]htmlLine
	}{m.Subject, paragraphs(m.Body)}); err != nil {
		return nil, fmt.Errorf("smtp: html: %w", err)
	}
	for _, part := range []struct{ typ, body string }{
		{"text/plain; charset=UTF-8", strings.ReplaceAll(m.Body, "\n", "\r\n")},
		{"text/html; charset=UTF-8", html.String()},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// htmlLine is one line of the HTML part: text, or a link when the line
// holds a URL.
type htmlLine struct {
	Before, URL, After string
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// paragraphs splits text at blank lines, and each paragraph into lines,
// with the first URL of each line made a link.
func paragraphs(text string) [][]htmlLine {
	var out [][]htmlLine
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		var lines []htmlLine
		for _, l := range strings.Split(para, "\n") {
			if loc := linkPattern.FindStringIndex(l); loc != nil {
				lines = append(lines, htmlLine{Before: l[:loc[0]], URL: l[loc[0]:loc[1]], After: l[loc[1]:]})
			} else {
				lines = append(lines, htmlLine{Before: l})
			}
		}
		out = append(out, lines)
	}
	return out
}

// emailHTML is the HTML part: right to left, Persian, with the link
// direction isolated so that a Latin URL does not scramble the line.
var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body dir="rtl" style="direction:rtl;text-align:right;font-family:Vazirmatn,Tahoma,sans-serif;line-height:1.8">
{{range .Paras}}<p>{{range $i, $l := .}}{{if $i}}<br>
{{end}}{{$l.Before}}{{with $l.URL}}<a href="{{.}}" dir="ltr"><bdi>{{.}}</bdi></a>{{end}}{{$l.After}}{{end}}</p>
{{end}}</body>
</html>
`))
