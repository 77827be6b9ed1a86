package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// KavenegarConfig says how to reach Kavenegar's REST API.
type KavenegarConfig struct {
	// APIKey is the account's key. Kavenegar puts it in the URL's path,
	// so no URL of this API is ever logged or stored.
	APIKey  string
	Sender  string        // the sender line, such as 10004346; empty: the account's default line
	BaseURL string        // https://api.kavenegar.com when empty; tests point it at a local server
	Timeout time.Duration // for one call; 15 seconds when zero
}

// Kavenegar sends SMS through Kavenegar's REST API (sms/send.json) and asks
// it for delivery reports (sms/statuslocalmessageid.json). The notice's id
// is sent as localid, which Kavenegar uses to refuse a second message with
// the same id, and to look the message up later.
type Kavenegar struct {
	cfg    KavenegarConfig
	base   *url.URL
	client *http.Client
}

var (
	_ Provider = (*Kavenegar)(nil)
	_ Reporter = (*Kavenegar)(nil)
)

// NewKavenegar checks cfg and returns the provider.
func NewKavenegar(cfg KavenegarConfig) (*Kavenegar, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("--sms-provider kavenegar needs PANJARE_KAVENEGAR_API_KEY")
	}
	if strings.ContainsAny(cfg.APIKey, "/?#% \t\r\n") {
		return nil, errors.New("PANJARE_KAVENEGAR_API_KEY holds characters an API key cannot have")
	}
	if cfg.Sender != "" && strings.Trim(cfg.Sender, "0123456789") != "" {
		return nil, fmt.Errorf("--kavenegar-sender %q: want the digits of a sender line, such as 10004346", cfg.Sender)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.kavenegar.com"
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, errors.New("the Kavenegar base URL must be an https:// URL")
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, errors.New("the Kavenegar base URL must be https:// (plain http only on loopback, for tests)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &Kavenegar{cfg: cfg, base: base, client: &http.Client{Timeout: cfg.Timeout}}, nil
}

// Name names the provider in deliveries.
func (k *Kavenegar) Name() string { return "kavenegar" }

// kavenegarReply is the envelope of every answer of the API.
type kavenegarReply struct {
	Return *struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"return"`
	Entries []kavenegarEntry `json:"entries"`
}

// kavenegarEntry is one message in an answer.
type kavenegarEntry struct {
	MessageID  int64  `json:"messageid"`
	Status     int    `json:"status"`
	StatusText string `json:"statustext"`
}

// Send sends m as one SMS. See kavenegarStatus for how the API's refusals
// are classed.
func (k *Kavenegar) Send(ctx context.Context, m Outgoing) error {
	if m.Channel != ChannelSMS {
		return Permanent(Fail(ClassRejected, fmt.Errorf("kavenegar: cannot send %s", m.Channel)))
	}
	to, err := ParseMobile(m.To)
	if err != nil {
		return Permanent(Fail(ClassRejected, errors.New("kavenegar: the number is not valid")))
	}
	form := url.Values{"receptor": {to}, "message": {m.Body}, "localid": {strconv.FormatInt(m.NoticeID, 10)}}
	if k.cfg.Sender != "" {
		form.Set("sender", k.cfg.Sender)
	}
	entries, err := k.call(ctx, "sms/send.json", form)
	if err != nil {
		return err
	}
	if len(entries) != 1 {
		return Fail(ClassMalformed, fmt.Errorf("kavenegar send: %d entries in the reply, want 1", len(entries)))
	}
	switch e := entries[0]; e.Status {
	case 6, 11, 13, 14:
		// Failed, undelivered, cancelled or blocked by the recipient at once.
		return Permanent(Fail(ClassRejected, fmt.Errorf("kavenegar send: message status %d: %s", e.Status, e.StatusText)))
	}
	return nil
}

// Report asks for the delivery report of m by its localid. Kavenegar's
// message statuses: 1 and 2 queued or scheduled, 4 and 5 handed to the
// operator, 10 delivered, 6 failed, 11 undelivered, 13 cancelled, 14
// blocked by the recipient, 100 unknown (not yet known by its localid).
func (k *Kavenegar) Report(ctx context.Context, m Outgoing) (Report, error) {
	entries, err := k.call(ctx, "sms/statuslocalmessageid.json", url.Values{"localid": {strconv.FormatInt(m.NoticeID, 10)}})
	if err != nil {
		return Report{}, err
	}
	if len(entries) != 1 {
		return Report{}, Fail(ClassMalformed, fmt.Errorf("kavenegar status: %d entries in the reply, want 1", len(entries)))
	}
	e := entries[0]
	r := Report{Status: strconv.Itoa(e.Status) + " " + e.StatusText}
	switch e.Status {
	case 10:
		r.Final, r.Delivered = true, true
	case 6, 11, 13, 14:
		r.Final = true
	}
	return r, nil
}

// call posts form to method and returns the reply's entries, or a classed
// error. Errors never hold the URL: it carries the API key.
func (k *Kavenegar) call(ctx context.Context, method string, form url.Values) ([]kavenegarEntry, error) {
	u := k.base.JoinPath("v1", k.cfg.APIKey, method)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, Fail(ClassOther, fmt.Errorf("kavenegar %s: the request could not be built", method))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := k.client.Do(req)
	if err != nil {
		// *url.Error names the URL, which holds the key: keep only its cause.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		err = fmt.Errorf("kavenegar %s: %w", method, err)
		if c := ErrorClass(err); c != ClassOther {
			return nil, Fail(c, err)
		}
		return nil, Fail(ClassUnreachable, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		err = fmt.Errorf("kavenegar %s: reading the reply: %w", method, err)
		if c := ErrorClass(err); c == ClassTimeout {
			return nil, Fail(c, err)
		}
		return nil, Fail(ClassMalformed, err)
	}
	var reply kavenegarReply
	if err := json.Unmarshal(body, &reply); err != nil || reply.Return == nil {
		if res.StatusCode >= 500 {
			return nil, Fail(ClassRefused, fmt.Errorf("kavenegar %s: HTTP %d without a JSON reply", method, res.StatusCode))
		}
		return nil, Fail(ClassMalformed, fmt.Errorf("kavenegar %s: HTTP %d: the reply is not Kavenegar's JSON", method, res.StatusCode))
	}
	if st := reply.Return.Status; st != 200 {
		return nil, kavenegarStatus(method, st, reply.Return.Message)
	}
	return reply.Entries, nil
}

// kavenegarStatus classes a refusal of the API by its return.status.
func kavenegarStatus(method string, status int, message string) error {
	err := fmt.Errorf("kavenegar %s: status %d: %s", method, status, message)
	switch status {
	case 401, 403, 407, 412, 416, 426:
		// Account disabled, wrong key, no access, wrong sender line, IP
		// not allowed: an operator can fix it, so retry.
		return Fail(ClassAuth, err)
	case 402, 409, 418, 451:
		// Operation failed, server busy, not enough credit, too many calls.
		return Fail(ClassRefused, err)
	case 411, 413, 420, 422, 501:
		// The receptor is not valid, the message is empty or too long, has
		// a link or characters it may not, or a demo account may send only
		// to its owner: sending again cannot help.
		return Permanent(Fail(ClassRejected, err))
	case 400, 404, 405, 406, 414, 415, 417, 419:
		// Our request is wrong: sending it again cannot help.
		return Permanent(Fail(ClassRejected, err))
	}
	if status >= 500 {
		return Fail(ClassRefused, err)
	}
	return Fail(ClassOther, err)
}
