package demo

import "github.com/panjare/panjare/internal/catalog"

var actEIA = act{"ضوابط و معیارهای ارزیابی اثرات زیست‌محیطی طرح‌ها", "Environmental Impact Assessment Rules"}

// environment returns the services of the department of environment.
func environment() []def {
	return []def{
		{
			ag: "DOE", fa: "پروانهٔ شکار و صید", en: "Hunting and fishing licence",
			desc: "شکارچیان و صیادان ورزشی پس از قبولی در آزمون، پروانهٔ شکار و صید می‌گیرند. آزمون و تحویل پروانه در ادارهٔ محیط زیست استان انجام می‌شود و شکار تنها در فصل و منطقهٔ مجاز رواست.",
			kw:   "پروانه شکار، مجوز شکار، صید ورزشی، فصل شکار",
			mode: mInfo, scope: catalog.ScopeProvincial,
			reqs: reqs(rq("exam", "قبولی در آزمون شکار", "Passing the hunting exam", paper("exam", "حضور در آزمون", "Sitting the exam"))),
			out:  outs(document("پروانهٔ شکار و صید", "Hunting and fishing licence")),
			permit: permit(year,
				refuse("exam", "متقاضی در آزمون پذیرفته نشده است.", "The applicant failed the exam.", actHunting.whole()),
				refuse("offence", "متقاضی سابقهٔ شکار غیرمجاز دارد.", "The applicant has a record of illegal hunting.", actHunting.whole()),
			),
			cost: 3_000_000, days: 15, freq: catalog.Periodic, vol: 60_000,
			laws: laws(actHunting.whole()),
		},
		{
			ag: "DOE", aud: catalog.G2B, fa: "تأیید ارزیابی اثرات زیست‌محیطی طرح‌ها", en: "Environmental impact assessment approval",
			desc: "طرح‌های بزرگ مانند سد، پالایشگاه و بزرگراه پیش از اجرا گزارش ارزیابی اثرات زیست‌محیطی ارائه می‌کنند. گزارش در کمیتهٔ ارزیابی بررسی و با بازدید از محل تأیید یا رد می‌شود.",
			kw:   "ارزیابی زیست محیطی، ای آی ای، مجوز محیط زیست طرح",
			mode: mInfo,
			reqs: reqs(rq("report", "گزارش ارزیابی", "Assessment report", paper("report", "گزارش و بازدید از محل", "Report and site visit"))),
			out:  outs(decision("رأی کمیتهٔ ارزیابی", "Committee decision")),
			permit: permit(3*year,
				refuse("impact", "اثرات منفی طرح جبران‌پذیر نیست.", "The project's harm cannot be mitigated.", actEnvironment.at("ماده ۶")),
				refuse("protected", "طرح در منطقهٔ حفاظت‌شده است.", "The project lies in a protected area.", actEnvironment.whole()),
			),
			days: 120, vol: 500,
			laws: laws(actEnvironment.whole(), actEIA.whole()),
		},
		{
			ag: "DOE", aud: catalog.G2B, fa: "مجوز زیست‌محیطی استقرار واحدهای تولیدی", en: "Environmental siting permit for plants",
			desc: "واحدهای تولیدی و خدماتی پیش از استقرار، از نظر فاصله تا مناطق مسکونی و حفاظت‌شده بررسی می‌شوند. درخواست از درگاه ملی مجوزها می‌رسد و کارشناس برخط پاسخ می‌دهد.",
			kw:   "استعلام محیط زیست، مجوز استقرار، ضوابط استقرار صنایع",
			mode: mOnline, ev: events("start_business"),
			reqs: reqs(rq("site", "محل و نوع فعالیت", "Site and activity", eCompany, declared("site", "مختصات محل و نوع فعالیت", "Site coordinates and activity"))),
			out:  outs(decision("نظر محیط زیست", "Environmental opinion")),
			permit: permit(2*year,
				refuse("distance", "فاصلهٔ محل از مناطق مسکونی یا حفاظت‌شده کمتر از حد مقرر است.", "Too close to residential or protected areas.", actEnvironment.whole()),
			),
			days: 15, vol: 30_000,
			laws: laws(actEnvironment.whole(), actAirPollution.whole()),
		},
		{
			ag: "DOE", fa: "گزارش تخلف زیست‌محیطی (۱۵۴۰)", en: "Reporting environmental offences (1540)",
			desc: "شکار غیرمجاز، قطع درختان، آلودگی رودخانه یا دود کارخانه را برخط یا با تلفن ۱۵۴۰ گزارش کنید. گزارش به یگان حفاظت محیط زیست ارجاع می‌شود.",
			kw:   "۱۵۴۰، شکار غیرمجاز، آلودگی، گزارش تخلف محیط زیست",
			mode: mOnline, scope: catalog.ScopeProvincial,
			reqs: reqs(rq("report", "شرح و مکان تخلف", "Description and place", eMobile, upload("photo", "عکس یا فیلم", "Photo or video"))),
			out:  outs(decision("پیگیری گزارش", "Follow-up")),
			days: 7, vol: 100_000,
			laws: laws(actEnvironment.whole(), actHunting.whole()),
			ch:   []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile, catalog.ChannelPhone},
		},
		{
			ag: "DOE", fa: "مجوز ورود به مناطق حفاظت‌شده", en: "Permit to enter protected areas",
			desc: "ورود گردشگران و پژوهشگران به مناطق حفاظت‌شده و پارک‌های ملی با مجوز ادارهٔ محیط زیست استان است. مجوز حضوری صادر می‌شود و محیط‌بان همراهی می‌کند.",
			kw:   "منطقه حفاظت شده، پارک ملی، مجوز ورود، طبیعت گردی",
			mode: mInfo, scope: catalog.ScopeProvincial,
			out: outs(document("مجوز ورود", "Entry permit")),
			permit: permit(7,
				refuse("season", "منطقه در فصل زادآوری حیات‌وحش بسته است.", "The area is closed during the breeding season.", actEnvironment.whole()),
			),
			days: 3, vol: 40_000,
			laws: laws(actEnvironment.whole()),
		},
	}
}
