package notify_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func fieldsOf(err error) []errs.FieldError {
	if e, ok := errs.As(err); ok {
		return e.Fields
	}
	return nil
}

var sara = identity.Principal{ID: 7, Kind: "user", NationalCode: citizenA, Roles: []identity.Role{identity.RoleCitizen}}

// confirmLink waits for the confirmation link the outbox "sent" by email
// to addr and returns its token.
func confirmLink(t *testing.T, n *notify.Notifier, addr string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(notify.ConfirmPath) + `\?token=([A-Za-z0-9_-]+)`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		entries, _, err := n.Outbox().List(context.Background(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Channel == "email" && e.To == addr {
				if m := re.FindStringSubmatch(e.Body); m != nil {
					return m[1]
				}
			}
		}
	}
	t.Fatalf("no confirmation link was sent to %s", addr)
	return ""
}

// countTo counts the entries to addr.
func countTo(es []notify.OutboxEntry, addr string) int {
	c := 0
	for _, e := range es {
		if e.To == addr {
			c++
		}
	}
	return c
}

// channelsOf returns the channels of the newest message of sara's inbox.
func channelsOf(t *testing.T, n *notify.Notifier) []string {
	t.Helper()
	var out []string
	for _, d := range latest(t, n, citizenA).Deliveries {
		out = append(out, d.Channel)
	}
	return out
}

// TestNoticesFollowTheChoice: without a choice a notice goes as the caller
// asks (SMS to the application's number); an address is used only once its
// link has been opened; then only the chosen channels are used. A bad
// address, a forged, used or expired link changes nothing.
func TestNoticesFollowTheChoice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		outbox := notify.NewOutbox(s)
		n := notify.New(s, outbox, outbox).WithBaseURL("https://panjare.example.ir")
		n.RegisterWorkers()
		startJobs(t, s)
		approved := func() notify.Notice {
			return notify.Notice{To: citizenA, Template: "case.approved", Data: dataFor("case.approved"),
				SMS: true, Phone: phone, AsChosen: true}
		}
		if c, err := n.Choice(ctx, sara); err != nil || c.Chosen || !c.SMS || c.Email {
			t.Fatalf("before choosing: %+v %v", c, err)
		}
		if err := send(s, n, approved()); err != nil {
			t.Fatal(err)
		}
		if got := channelsOf(t, n); strings.Join(got, ",") != "sms" {
			t.Errorf("without a choice: %v, want the SMS the caller asked for", got)
		}

		// A bad address is refused on its field, and nothing is stored.
		_, err := n.Choose(ctx, sara, notify.ChoiceRequest{SMS: true, Email: true, Address: "sara at example"})
		if fe := fieldsOf(err); !errs.Is(err, errs.Invalid) || len(fe) != 1 || fe[0].Field != "email" {
			t.Fatalf("bad address: %v %+v", err, fe)
		}
		if c, _ := n.Choice(ctx, sara); c.Chosen {
			t.Errorf("a refused choice was stored: %+v", c)
		}

		c, err := n.Choose(ctx, sara, notify.ChoiceRequest{SMS: true, Email: true, Address: " " + address + " "})
		if err != nil || !c.Chosen || c.Address != "" || c.Pending != address || c.PendingExpiresAt == nil {
			t.Fatalf("chose email: %+v %v", c, err)
		}
		// The inbox says a link was sent, without the link.
		m := latest(t, n, citizenA)
		if m.Template != "email.confirm" || strings.Contains(m.BodyFa+m.BodyEn+m.Link, "token") {
			t.Errorf("confirmation notice in the inbox: %+v", m)
		}
		token := confirmLink(t, n, address)
		// Until it is confirmed, the address is not used.
		if err := send(s, n, approved()); err != nil {
			t.Fatal(err)
		}
		if got := channelsOf(t, n); strings.Join(got, ",") != "sms" {
			t.Errorf("before confirming: %v, want sms only", got)
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", len(token)), token + "A"} {
			if err := n.ConfirmEmail(ctx, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("forged token %q: %v", bad, err)
			}
		}
		if masked, err := n.PendingAddress(ctx, token); err != nil || masked != "s***@example.ir" {
			t.Errorf("pending address %q %v", masked, err)
		}
		if err := n.ConfirmEmail(ctx, token); err != nil {
			t.Fatal(err)
		}
		if err := n.ConfirmEmail(ctx, token); !errs.Is(err, errs.Invalid) {
			t.Errorf("a used link: %v", err)
		}
		if c, _ := n.Choice(ctx, sara); c.Address != address || c.Pending != "" {
			t.Errorf("after confirming: %+v", c)
		}
		if err := send(s, n, approved()); err != nil {
			t.Fatal(err)
		}
		if got := channelsOf(t, n); strings.Join(got, ",") != "sms,email" {
			t.Errorf("after confirming: %v, want sms,email", got)
		}
		// Email only.
		if _, err := n.Choose(ctx, sara, notify.ChoiceRequest{Email: true, Address: address}); err != nil {
			t.Fatal(err)
		}
		if err := send(s, n, approved()); err != nil {
			t.Fatal(err)
		}
		if got := channelsOf(t, n); strings.Join(got, ",") != "email" {
			t.Errorf("email only: %v", got)
		}
		// A new address needs its own link; the old one is used until then,
		// and an expired link confirms nothing.
		if _, err := n.Choose(ctx, sara, notify.ChoiceRequest{Email: true, Address: "sara@example.com"}); err != nil {
			t.Fatal(err)
		}
		if c, _ := n.Choice(ctx, sara); c.Address != address || c.Pending != "sara@example.com" {
			t.Errorf("changing the address: %+v", c)
		}
		// Saving again while the link is new keeps it; another address must
		// wait, so that no one can make Panjare mail strangers.
		if c, err := n.Choose(ctx, sara, notify.ChoiceRequest{SMS: true, Email: true, Address: "sara@example.com"}); err != nil || c.Pending != "sara@example.com" || !c.SMS {
			t.Errorf("saving again: %+v %v", c, err)
		}
		if _, err := n.Choose(ctx, sara, notify.ChoiceRequest{Email: true, Address: "other@example.com"}); !errs.Is(err, errs.RateLimited) {
			t.Errorf("another address at once: %v", err)
		}
		confirmLink(t, n, "sara@example.com")
		if es, _, _ := outbox.List(ctx, "", 0); countTo(es, "sara@example.com") != 1 || countTo(es, "other@example.com") != 0 {
			t.Errorf("links sent: %+v", es)
		}
		if err := n.ExpireConfirmationForTest(citizenA); err != nil {
			t.Fatal(err)
		}
		expired := confirmLink(t, n, "sara@example.com")
		if err := n.ConfirmEmail(ctx, expired); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "expired") {
			t.Errorf("an expired link: %v", err)
		}
		if c, _ := n.Choice(ctx, sara); c.Address != address {
			t.Errorf("an expired link changed the address: %+v", c)
		}
		// Nothing chosen: the inbox only.
		if _, err := n.Choose(ctx, sara, notify.ChoiceRequest{Address: address}); err != nil {
			t.Fatal(err)
		}
		if err := send(s, n, approved()); err != nil {
			t.Fatal(err)
		}
		if got := channelsOf(t, n); len(got) != 0 {
			t.Errorf("inbox only: %v", got)
		}

		// Events say what changed, never the address.
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "notify.", Subject: citizenA, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
			if strings.Contains(string(e.Payload), "example") {
				t.Errorf("event %s carries the address: %s", e.Kind, e.Payload)
			}
		}
		if kinds["notify.choice.changed"] != 5 || kinds["notify.email.confirmed"] != 1 {
			t.Errorf("events %v", kinds)
		}
	}, notify.Migrations())
}

// TestChooseNeedsANationalCodeAndEmail: an API client cannot choose, and
// a notifier without email refuses an address.
func TestChooseNeedsANationalCodeAndEmail(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n := notify.New(s, notify.NewOutbox(s), nil)
		if _, err := n.Choose(ctx, identity.Principal{ID: 3, Kind: "apikey"}, notify.ChoiceRequest{SMS: true}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an API client: %v", err)
		}
		if _, err := n.Choose(ctx, sara, notify.ChoiceRequest{Email: true, Address: address}); !errs.Is(err, errs.Unavailable) {
			t.Errorf("without email: %v", err)
		}
		if c, err := n.Choose(ctx, sara, notify.ChoiceRequest{}); err != nil || !c.Chosen || c.SMS {
			t.Errorf("inbox only: %+v %v", c, err)
		}
	}, notify.Migrations())
}
