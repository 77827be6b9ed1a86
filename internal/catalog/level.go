package catalog

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
