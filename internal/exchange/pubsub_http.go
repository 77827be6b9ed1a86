package exchange

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
)

// The GovStack Information Mediator Pub/Sub API of the life-events room,
// served by the gateway's listeners under
// /r1/INSTANCE/GOV/PANJARE/life-events/. The caller names itself in
// X-GovStack-Client and is identified like every exchange client: by its
// client certificate on the mTLS listener (the header must name the same
// subsystem), by the header alone on the loopback listener.
//
//	POST   api/v1/eventType              createEventType (room manager)   200, 400, 403, 409
//	GET    api/v1/eventType              getEventTypeList                 200, 204
//	GET    api/v1/eventType/{type}       getEventType                     200, 204
//	DELETE api/v1/eventType/{type}       deleteEventType (room manager)   204, 403, 404
//	POST   pub/v1/{type}                 publishEvent                     201, 400, 403, 404, 409
//	GET    pub/v1/{type}/{id}            getStatus (the publisher)        200, 404
//	DELETE pub/v1/{type}/{id}            deleteEvent (the publisher)      204, 404
//	GET    api/v1/subs                   listSub                          200, 404
//	POST   api/v1/subs/{type}            addSub                           200, 400, 404, 409
//	GET    api/v1/subs/{type}            getSub                           200, 404
//	PATCH  api/v1/subs/{type}            patchSub                         201, 400, 404
//	DELETE api/v1/subs/{type}            deleteSub                        204, 404
//	GET    pull/v1/{type}                pullEvent                        200, 404, 409
//	DELETE pull/v1/{type}/{id}           confirmEvent                     204, 404, 409

// SubscriptionItem is GovStack's shape of a subscription.
type SubscriptionItem struct {
	ID           string     `json:"id,omitempty"`
	SubscriberID *MemberRef `json:"subscriberId,omitempty"`
	EventType    string     `json:"eventType"`
	Delivery     string     `json:"delivery,omitempty"`
	Options      *SubOpts   `json:"options,omitempty"`
}

// SubOpts are a subscription's options. TTL is the seconds an undelivered
// event is kept for the subscriber; unlike GovStack's default of 3600, an
// absent or zero TTL keeps it until delivered, so that nothing is lost.
type SubOpts struct {
	TTL  *int64 `json:"TTL,omitempty"`
	FIFO *bool  `json:"FIFO,omitempty"`
}

func subscriptionItem(s Subscription) SubscriptionItem {
	ref := memberRef(s.Subscriber)
	ttl, fifo := s.TTL, s.FIFO
	d := s.Delivery
	if d == DeliveryLocal {
		d = DeliveryPush // served in process: GovStack knows only PUSH and PULL
	}
	return SubscriptionItem{ID: s.ID, SubscriberID: &ref, EventType: s.EventType, Delivery: d, Options: &SubOpts{TTL: &ttl, FIFO: &fifo}}
}

// pubsubRoute reports whether p is under the life-events room.
func (g *Gateway) pubsubRoute(p string) bool {
	ps := g.pubsub.Load()
	return ps != nil && strings.HasPrefix(p, "/r1/"+ps.Room().String()+"/")
}

// psBad is a Pub/Sub request error.
func psBad(en, fa string) error { return errs.E(CodeBadRequest, errs.Invalid, en, fa) }

// writeProblem writes a Pub/Sub error as problem+json, with its typed
// code.
func (ps *PubSub) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := ExchangeProblem{Problem: httpx.ProblemOf(err), Code: errorCode(err)}
	if e, ok := errs.As(err); ok && strings.HasPrefix(e.Op, "exchange.pubsub.") {
		p.Code = e.Op
	}
	p.Type = "urn:panjare:exchange:" + strings.TrimPrefix(p.Code, "exchange.")
	if p.Status >= 500 {
		ps.log.Error("life events failed", "method", r.Method, "err", err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json; charset=utf-8")
	h.Set("Content-Language", "fa, en")
	if p.Status == http.StatusTooManyRequests || p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(p.Status)
	_ = jsonEncode(w, p)
}

// readJSON reads a request body of at most limit bytes into v.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return errs.E(CodeBadRequest, errs.TooLarge, "the request body is larger than the limit", "حجم بدنهٔ درخواست بیش از حد مجاز است")
		}
		return psBad("the request body could not be read", "بدنهٔ درخواست خوانده نشد")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return psBad("the request body is not the JSON this endpoint takes", "بدنهٔ درخواست JSON مورد انتظار این نشانی نیست")
	}
	return nil
}

// serveHTTP serves one Pub/Sub request.
func (ps *PubSub) serveHTTP(w http.ResponseWriter, r *http.Request, mode ClientMode) {
	fail := func(err error) { ps.writeProblem(w, r, err) }
	named := r.Header.Get(HeaderGovStackClient)
	if named == "" {
		fail(errs.E(CodeUnknownClient, errs.Unauthorized, "name the client subsystem in the X-GovStack-Client header",
			"زیرسامانهٔ کلاینت را در سرآیند X-GovStack-Client نام ببرید"))
		return
	}
	for _, h := range []string{HeaderIMClient, HeaderClient} {
		if v := r.Header.Get(h); v != "" && v != named {
			fail(errs.E(CodeUnknownClient, errs.Forbidden, "the client headers name different subsystems", "سرآیندهای کلاینت زیرسامانه‌های متفاوتی را نام می‌برند"))
			return
		}
	}
	client, err := ps.g.clientFromRequest(r, mode)
	if err != nil {
		fail(err)
		return
	}
	if !ps.g.limiter.Allow(client.String()) {
		fail(errs.E(CodeRateLimited, errs.RateLimited, "too many requests from this client subsystem; slow down",
			"درخواست‌های این زیرسامانه بیش از حد مجاز است؛ آهسته‌تر بفرستید"))
		return
	}
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/r1/"+ps.Room().String()+"/")
	seg := strings.Split(rest, "/")
	for _, s := range seg {
		if s == "" || strings.ContainsAny(s, "%") {
			fail(errs.E(CodeBadRequest, errs.NotFound, "no such Pub/Sub endpoint", "چنین نشانی‌ای در انتشار و اشتراک نیست"))
			return
		}
	}
	notFound := func() {
		fail(errs.E(CodeBadRequest, errs.NotFound, "no such Pub/Sub endpoint", "چنین نشانی‌ای در انتشار و اشتراک نیست"))
	}
	method := func(allowed ...string) bool {
		for _, m := range allowed {
			if r.Method == m {
				return true
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		fail(errs.E(CodeBadRequest, errs.Invalid, "this method is not allowed here", "این روش در این نشانی پذیرفته نیست"))
		return false
	}
	ctx := r.Context()
	n := len(seg)
	switch {
	case n >= 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "eventType":
		switch n {
		case 3:
			if !method(http.MethodGet, http.MethodPost) {
				return
			}
			if r.Method == http.MethodPost {
				var t EventType
				if err := readJSON(w, r, maxSchema+4096, &t); err != nil {
					fail(err)
					return
				}
				t, err := ps.CreateEventType(ctx, client, t)
				if err != nil {
					fail(err)
					return
				}
				_ = writeJSON(w, http.StatusOK, t)
				return
			}
			types, err := ps.EventTypes(ctx)
			if err != nil {
				fail(err)
				return
			}
			if len(types) == 0 {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			names := make([]string, len(types))
			for i, t := range types {
				names[i] = t.Name
			}
			_ = writeJSON(w, http.StatusOK, names)
		case 4:
			if !method(http.MethodGet, http.MethodDelete) {
				return
			}
			if r.Method == http.MethodDelete {
				if err := ps.DeleteEventType(ctx, client, seg[3]); err != nil {
					fail(err)
					return
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			t, err := ps.EventType(ctx, seg[3])
			if errs.Is(err, errs.NotFound) {
				w.WriteHeader(http.StatusNoContent) // the specification's answer for a type not defined
				return
			}
			if err != nil {
				fail(err)
				return
			}
			_ = writeJSON(w, http.StatusOK, t)
		default:
			notFound()
		}
	case n >= 3 && seg[0] == "pub" && seg[1] == "v1":
		switch n {
		case 3:
			if !method(http.MethodPost) {
				return
			}
			var in struct {
				EventType string          `json:"eventType"`
				Event     json.RawMessage `json:"event"`
			}
			if err := readJSON(w, r, maxEventBody+4096, &in); err != nil {
				fail(err)
				return
			}
			if in.EventType != "" && in.EventType != seg[2] {
				fail(errs.E(CodeEventInvalid, errs.Invalid, "the body's eventType is not the one in the path", "eventType بدنه با نوع رویداد در نشانی یکی نیست"))
				return
			}
			if len(in.Event) == 0 {
				fail(&errs.Error{Op: CodeEventInvalid, Kind: errs.Invalid, Fields: []errs.FieldError{{Field: "event", En: "“event” is required", Fa: "«event» الزامی است"}},
					En: "the event is missing", Fa: "رویداد فرستاده نشده است"})
				return
			}
			ev, err := ps.Publish(ctx, client.String(), seg[2], in.Event)
			if err != nil {
				fail(err)
				return
			}
			w.Header().Set("Location", "/r1/"+ps.Room().String()+"/pub/v1/"+seg[2]+"/"+ev.ID)
			_ = writeJSON(w, http.StatusCreated, map[string]any{"id": ev.ID, "sequence": ev.Sequence})
		case 4:
			if !method(http.MethodGet, http.MethodDelete) {
				return
			}
			if r.Method == http.MethodDelete {
				if err := ps.StopEvent(ctx, client, seg[2], seg[3]); err != nil {
					fail(err)
					return
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			ev, err := ps.Event(ctx, seg[3])
			if err == nil && (ev.Type != seg[2] || (ev.Publisher != client.String() && !ps.RoomManager(client))) {
				err = errs.E(CodeNoEvent, errs.NotFound, "no such event of this publisher", "چنین رویدادی از این ناشر نیست")
			}
			if err != nil {
				fail(err)
				return
			}
			st, err := ps.Status(ctx, ev)
			if err != nil {
				fail(err)
				return
			}
			item := ev.Item()
			item.Status = &st
			_ = writeJSON(w, http.StatusOK, item)
		default:
			notFound()
		}
	case n >= 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "subs":
		switch n {
		case 3:
			if !method(http.MethodGet) {
				return
			}
			subs, err := ps.Subscriptions(ctx, client)
			if err != nil {
				fail(err)
				return
			}
			if len(subs) == 0 {
				fail(errs.E(CodeSubscription, errs.NotFound, "this subscriber has no subscription", "این مشترک اشتراکی ندارد"))
				return
			}
			items := make([]SubscriptionItem, len(subs))
			for i, s := range subs {
				items[i] = subscriptionItem(s)
			}
			_ = writeJSON(w, http.StatusOK, items)
		case 4:
			if !method(http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete) {
				return
			}
			switch r.Method {
			case http.MethodGet:
				s, err := ps.Subscription(ctx, client, seg[3])
				if err != nil {
					fail(err)
					return
				}
				_ = writeJSON(w, http.StatusOK, subscriptionItem(s))
			case http.MethodDelete:
				if err := ps.Unsubscribe(ctx, client, seg[3]); err != nil {
					fail(err)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			default:
				var in SubscriptionItem
				if r.ContentLength != 0 {
					if err := readJSON(w, r, 16<<10, &in); err != nil {
						fail(err)
						return
					}
				}
				if in.EventType != "" && in.EventType != seg[3] {
					fail(errs.E(CodeSubscription, errs.Invalid, "the body's eventType is not the one in the path", "eventType بدنه با نوع رویداد در نشانی یکی نیست"))
					return
				}
				if in.SubscriberID != nil && (SubsystemID{Instance: in.SubscriberID.InstanceID, Class: in.SubscriberID.MemberClass,
					Member: in.SubscriberID.MemberCode, Subsystem: in.SubscriberID.ApplicationCode}) != client {
					fail(errs.E(CodeSubscription, errs.Forbidden, "a subscriber subscribes only itself", "هر مشترک تنها خود را مشترک می‌کند"))
					return
				}
				s := Subscription{EventType: seg[3], Delivery: strings.ToUpper(in.Delivery)}
				if in.Options != nil {
					if in.Options.TTL != nil {
						s.TTL = *in.Options.TTL
					}
					if in.Options.FIFO != nil {
						s.FIFO = *in.Options.FIFO
					}
				}
				if r.Method == http.MethodPost {
					s, err := ps.Subscribe(ctx, client, s)
					if err != nil {
						fail(err)
						return
					}
					_ = writeJSON(w, http.StatusOK, subscriptionItem(s))
					return
				}
				if in.Options == nil || in.Options.TTL == nil || in.Options.FIFO == nil {
					cur, err := ps.Subscription(ctx, client, seg[3])
					if err != nil {
						fail(err)
						return
					}
					if in.Options == nil || in.Options.TTL == nil {
						s.TTL = cur.TTL
					}
					if in.Options == nil || in.Options.FIFO == nil {
						s.FIFO = cur.FIFO
					}
				}
				s, err := ps.UpdateSubscription(ctx, client, seg[3], s)
				if err != nil {
					fail(err)
					return
				}
				_ = writeJSON(w, http.StatusCreated, subscriptionItem(s))
			}
		default:
			notFound()
		}
	case n >= 3 && seg[0] == "pull" && seg[1] == "v1":
		switch n {
		case 3:
			if !method(http.MethodGet) {
				return
			}
			ev, err := ps.Pull(ctx, client, seg[2])
			if err != nil {
				fail(err)
				return
			}
			_ = writeJSON(w, http.StatusOK, ev.Item())
		case 4:
			if !method(http.MethodDelete) {
				return
			}
			if err := ps.Ack(ctx, client, seg[2], seg[3]); err != nil {
				fail(err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			notFound()
		}
	default:
		notFound()
	}
}
