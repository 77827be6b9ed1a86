package catalog

import "context"

// Level is how far a service has come (DESIGN.md, "Service levels"):
//
//	L0 information only
//	L1 online request, but some stage still needs a visit or paper
//	L2 fully electronic: every stage online, no visit, no paper, every inquiry electronic
//	L3 decided automatically by rules
//	L4 offered proactively on a life event, one-click consent
//	L5 no-stop: delivered without any request
type Level int

// The levels.
const (
	L0 Level = iota
	L1
	L2
	L3
	L4
	L5
)

// FullyElectronic reports whether the level counts as fully electronic
// (تمام الکترونیک).
func (l Level) FullyElectronic() bool { return l >= L2 }

// Smart reports whether the level counts as smart (هوشمند).
func (l Level) Smart() bool { return l >= L3 }

func (l Level) String() string { return "L" + string(rune('0'+l)) }

// Reason is one thing that keeps a service from the next level, said in both
// languages so that agencies see what to change.
type Reason struct {
	Fa string `json:"fa"`
	En string `json:"en"`
}

// ComputeLevel returns the level of a record, exactly as DESIGN.md ("Service
// levels") defines it, and the reasons it is not one level higher:
//
//	L0 the request stage is not electronic;
//	L1 any stage is not electronic, a visit is needed, any evidence is on
//	   paper, or evidence held by an agency is not fetched by inquiry;
//	L2 decided by an official;
//	L3 decided by rules, started on request;
//	L4 decided by rules, triggered by a life or business event;
//	L5 decided by rules, started on a date or by the agency's detection.
func ComputeLevel(rec Record) (Level, []Reason) {
	if !rec.Stages.Request {
		return L0, []Reason{{
			Fa: "درخواست خدمت به‌صورت برخط ثبت نمی‌شود.",
			En: "the request cannot be made online",
		}}
	}
	var why []Reason
	if !rec.Stages.Information {
		why = append(why, Reason{Fa: "اطلاعات خدمت به‌صورت برخط در دسترس نیست.", En: "information about the service is not online"})
	}
	if !rec.Stages.Processing {
		why = append(why, Reason{Fa: "پردازش درخواست در دستگاه الکترونیکی نیست.", En: "the agency does not process requests electronically"})
	}
	if !rec.Stages.Delivery {
		why = append(why, Reason{Fa: "نتیجهٔ خدمت به‌صورت الکترونیکی تحویل نمی‌شود.", En: "the output is not delivered electronically"})
	}
	if rec.Visits > 0 {
		why = append(why, Reason{Fa: "متقاضی باید حضوری مراجعه کند.", En: "the applicant must visit in person"})
	}
	for _, req := range rec.Requirements {
		for _, ev := range req.Evidence {
			name := ev.NameFa
			switch {
			case ev.Source == FromPaper:
				why = append(why, Reason{
					Fa: "مدرک «" + name + "» باید به‌صورت کاغذی ارائه شود.",
					En: "the evidence " + ev.Code + " must be brought on paper",
				})
			case ev.HeldBy != "" && ev.Source != FromInquiry:
				why = append(why, Reason{
					Fa: "مدرک «" + name + "» نزد دستگاه " + ev.HeldBy + " موجود است ولی با استعلام الکترونیکی گرفته نمی‌شود.",
					En: "the evidence " + ev.Code + " is held by " + ev.HeldBy + " but not fetched by electronic inquiry",
				})
			}
		}
	}
	if len(why) > 0 {
		return L1, why
	}
	if rec.Decision != DecideRules {
		return L2, []Reason{{
			Fa: "تصمیم‌گیری با بررسی کارشناس انجام می‌شود، نه خودکار بر پایهٔ قواعد منتشرشده.",
			En: "applications are decided by an official, not automatically by published rules",
		}}
	}
	switch rec.Trigger {
	case OnEvent:
		return L4, []Reason{{
			Fa: "خدمت هنوز به درخواست یا رضایت متقاضی نیاز دارد؛ در سطح بدون توقف، بی‌درخواست و در تاریخ معین یا با تشخیص دستگاه ارائه می‌شود.",
			En: "the service still needs the applicant's request or consent; at no-stop level it is delivered without one, on a date or on the agency's detection",
		}}
	case OnDate, OnDetection:
		return L5, nil
	default:
		return L3, []Reason{{
			Fa: "خدمت فقط به درخواست متقاضی شروع می‌شود؛ آن را به رخداد زندگی یا کسب‌وکار پیوند دهید تا فعالانه پیشنهاد شود.",
			En: "the service starts only on request; link it to a life or business event so that it is offered proactively",
		}}
	}
}

// Built is what the platform has actually built for services: the machinery
// that makes a level true, as opposed to what a record declares. The app
// assembles it from the exchange's registry, the rules engine and the
// proactive subscriptions (Machinery).
type Built struct {
	// Inquiries: inquiry name ("MEMBER/SERVICE") -> whether the exchange
	// answers it. A name absent from a non-nil map does not exist. nil
	// means the exchange is not known to this catalogue (a catalogue
	// assembled without it, in tests of the catalogue alone): inquiries are
	// then not checked.
	Inquiries map[string]bool
	// Rules: service identifier -> an active ruleset decides it.
	Rules map[string]bool
	// Triggers: service identifier -> the mode of the active life-event
	// subscription that starts it, TriggerOffer or TriggerNoStop.
	Triggers map[string]string
}

// The modes of a life-event subscription (Built.Triggers).
const (
	TriggerOffer  = "offer"  // the person is offered the service and consents (L4)
	TriggerNoStop = "nostop" // the service is started and decided without the person acting (L5)
)

// Machinery tells the catalogue what is built. Built is called outside any
// catalogue transaction; it may ask other capabilities.
type Machinery interface {
	Built(ctx context.Context) (Built, error)
}

// TrueLevel returns the level service id really has, given what is built:
// the level its record declares (ComputeLevel), lowered to what the
// machinery supports, and the reasons it is lower, one for each piece that
// is declared and not built:
//
//	L2 only if every inquiry the record names exists in the exchange;
//	L3 only while an active ruleset decides the service;
//	L4 only while an active life-event subscription starts it (offer or no-stop);
//	L5 only while an active no-stop subscription starts it.
//
// The true level is never above the declared one. A service whose declared
// level is above its true level is planned (Service.IsPlanned): shown as
// such, counted in no share.
func TrueLevel(id string, rec Record, b Built) (level, declared Level, why []Reason) {
	declared, _ = ComputeLevel(rec)
	level = declared
	lower := func(to Level, r Reason) {
		level = min(level, to)
		why = append(why, r)
	}
	if declared >= L2 && b.Inquiries != nil {
		names, _ := inquiriesOf(rec)
		for _, name := range names {
			if !b.Inquiries[name] {
				lower(L1, Reason{
					Fa: "استعلام «" + name + "» در درگاه تبادل وجود ندارد.",
					En: "inquiry " + name + " does not exist in the exchange",
				})
			}
		}
	}
	if declared >= L3 && !b.Rules[id] {
		lower(L2, Reason{
			Fa: "هنوز هیچ مجموعه‌قاعدهٔ فعالی دربارهٔ درخواست‌های این خدمت تصمیم نمی‌گیرد.",
			En: "no active ruleset decides this service yet",
		})
	}
	trigger := b.Triggers[id]
	switch {
	case declared >= L4 && trigger != TriggerOffer && trigger != TriggerNoStop:
		if declared == L5 {
			lower(L3, Reason{
				Fa: "هنوز هیچ اشتراک فعال بدون‌توقفی این خدمت را با رخداد زندگی آغاز نمی‌کند.",
				En: "no active no-stop subscription starts this service on a life event yet",
			})
		} else {
			lower(L3, Reason{
				Fa: "هنوز هیچ اشتراک فعالی این خدمت را با رخداد زندگی پیشنهاد نمی‌دهد.",
				En: "no active subscription offers this service on a life event yet",
			})
		}
	case declared == L5 && trigger != TriggerNoStop:
		lower(L4, Reason{
			Fa: "اشتراک فعال این خدمت فقط پیشنهاد می‌دهد؛ هنوز هیچ اشتراک بدون‌توقفی آن را بی‌درخواست آغاز نمی‌کند.",
			En: "the active subscription only offers this service; no no-stop subscription starts it without a request yet",
		})
	}
	return level, declared, why
}
