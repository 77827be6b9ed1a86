package exchange

import (
	"context"
	"net"
	"net/url"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// Callbacks. An asynchronous answer may be POSTed to a URL the client names
// in Panjare-Callback. Left open, that would let any client subsystem make
// the platform send requests to addresses of its choosing, inside the
// platform's network (server-side request forgery). So each subsystem
// registers the base URL of its callbacks (SetCallback, by its own agency
// or a platform admin), and the gateway accepts a callback only under it:
// the same scheme, host and port, and a path equal to the base's path or
// below it, segment by segment.

const maxCallbackURL = 2048

// SetCallback registers the base URL under which subsystem id's
// asynchronous answers may be POSTed; an empty url removes it, after which
// the subsystem's inquiries can name no callback. The member's agency or a
// platform admin may set it. The base is an absolute http(s) URL with a
// host and no user information, query or fragment.
func (x *Exchange) SetCallback(ctx context.Context, p identity.Principal, id SubsystemID, rawURL string) error {
	const op = "exchange.SetCallback"
	if err := id.Validate(); err != nil {
		return err
	}
	if !p.CanManageAgency(id.Member) {
		return forbidden(op, "only the member's agency or a platform admin sets a subsystem's callback address",
			"تنها خود دستگاه عضو یا مدیر سامانه نشانی بازخوان (callback) زیرسامانه را تعیین می‌کند")
	}
	base := ""
	if rawURL != "" {
		u, err := parseCallbackBase(rawURL)
		if err != nil {
			return invalid(op, "url", "the callback base must be an absolute http or https URL without user, query or fragment, such as https://tax.example.ir/exchange/callbacks",
				"نشانی پایهٔ بازخوان باید یک نشانی کامل http یا https بدون نام کاربری، پرس‌وجو یا قطعه باشد، مانند https://tax.example.ir/exchange/callbacks")
		}
		base = u.String()
	}
	err := x.st.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_subsystems SET callback_url = $1 WHERE id = $2`, base, id.String())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.NotFoundf(op, "subsystem "+id.String(), "زیرسامانهٔ "+id.String())
		}
		err = tx.Append(ctx, store.Event{Kind: "exchange.subsystem.callback", Actor: actor(p), Agency: id.Member},
			map[string]string{"subsystem": id.String(), "callback_url": base})
		return err
	})
	if err != nil {
		return errs.Wrap(op, err)
	}
	x.invalidate()
	return nil
}

// parseCallbackBase parses a registered callback base: absolute http(s),
// a host, no user information, query or fragment, and a path that the
// gateway's path rules accept. A trailing slash is dropped.
func parseCallbackBase(s string) (*url.URL, error) {
	u, err := parseCallbackURL(s)
	if err != nil || u.RawQuery != "" || u.ForceQuery {
		return nil, errBadCallback
	}
	u.RawPath = ""
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

var errBadCallback = errs.E(CodeBadRequest, errs.Invalid, "not a valid callback URL", "نشانی بازخوان معتبر نیست")

// parseCallbackURL parses an absolute http(s) URL with a host, no user
// information or fragment, and a clean path (no dot segments, no encoded
// slashes or dots, no empty segments), so that the path compared with the
// base is the one the receiving server will see.
func parseCallbackURL(s string) (*url.URL, error) {
	if s == "" || len(s) > maxCallbackURL {
		return nil, errBadCallback
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Fragment != "" || u.Opaque != "" || u.Hostname() == "" {
		return nil, errBadCallback
	}
	if p := u.EscapedPath(); p != "" && p != "/" {
		if CheckRestPath(strings.TrimRight(p, "/")) != nil {
			return nil, errBadCallback
		}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return u, nil
}

// hostPort returns u's host and port, with the scheme's default port filled
// in, so that http://a and http://a:80 compare equal.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// underBase reports whether callback u lies under the registered base: the
// same scheme, host and port, and a path that equals the base's path or
// continues it after a slash (a base /hooks admits /hooks and /hooks/a, not
// /hooks-admin).
func underBase(u, base *url.URL) bool {
	if u.Scheme != base.Scheme || hostPort(u) != hostPort(base) {
		return false
	}
	bp, p := base.EscapedPath(), u.EscapedPath()
	return bp == "" || p == bp || strings.HasPrefix(p, bp+"/")
}

// checkCallback accepts the Panjare-Callback of an inquiry by client: it
// must lie under the base URL client registered with SetCallback.
func (g *Gateway) checkCallback(ctx context.Context, client SubsystemID, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	u, err := parseCallbackURL(v)
	if err != nil {
		return "", errs.E(CodeBadRequest, errs.Invalid,
			"Panjare-Callback must be an absolute http(s) URL without user information or fragment, and with a clean path",
			"Panjare-Callback باید نشانی کامل http(s) بدون اطلاعات کاربر و قطعه و با مسیری سالم باشد")
	}
	if err := g.x.callbackAllowed(ctx, client, u); err != nil {
		return "", err
	}
	return u.String(), nil
}

// callbackAllowed reports, as an error, whether client may be called back
// at u.
func (x *Exchange) callbackAllowed(ctx context.Context, client SubsystemID, u *url.URL) error {
	s, err := x.cachedSubsystem(ctx, client)
	if err != nil {
		return err
	}
	if s.CallbackURL == "" {
		return errs.E(CodeBadRequest, errs.Invalid,
			"this client subsystem has registered no callback address; its agency registers one (panjare exchange subsystem callback) or the answer is polled",
			"این زیرسامانه نشانی بازخوانی ثبت نکرده است؛ دستگاهش باید آن را ثبت کند (panjare exchange subsystem callback) یا پاسخ با پرس‌وجو گرفته شود")
	}
	base, err := url.Parse(s.CallbackURL)
	if err != nil || !underBase(u, base) {
		return errs.E(CodeBadRequest, errs.Invalid,
			"Panjare-Callback is not under the callback address this client subsystem registered",
			"Panjare-Callback زیر نشانی بازخوانی که این زیرسامانه ثبت کرده است نیست")
	}
	return nil
}
