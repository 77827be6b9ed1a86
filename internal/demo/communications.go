package demo

import "github.com/panjare/panjare/internal/catalog"

var (
	actCRA       = act{"اساسنامهٔ سازمان تنظیم مقررات و ارتباطات رادیویی", "Charter of the Communications Regulatory Authority"}
	actCounters  = act{"آیین‌نامهٔ ایجاد و راه‌اندازی دفاتر پیشخوان خدمات دولت", "Regulations on Government Counter Offices"}
	eImei        = inq("imei", "شناسهٔ گوشی (IMEI)", "Handset IMEI", "CRA", "imei-registry")
	ePostalCodes = inq("postcode_record", "پایگاه کد پستی", "Postcode register", "POST", "postcode")
)

// communications returns telecommunications and postal services.
func communications() []def {
	return []def{
		{
			ag: "CRA", fa: "رجیستری گوشی تلفن همراه مسافری", en: "Registering a mobile phone brought from abroad",
			desc: "مسافرانی که گوشی از خارج آورده‌اند، شناسهٔ آن را پس از ورود برخط ثبت و عوارض را پرداخت می‌کنند. سابقهٔ سفر خودکار استعلام و گوشی در شبکه فعال می‌شود.",
			kw:   "رجیستری، رجیستر گوشی، گوشی مسافری، همتا، عوارض گوشی",
			mode: mRules, ev: events("travel"),
			reqs: reqs(
				rq("traveller", "ورود از سفر خارجی", "Arrival from abroad", inq("travel_record", "سوابق تردد", "Travel record", "FARAJA_PASS", "border-crossings")),
				rq("phone", "شناسهٔ گوشی", "Handset identifier", eImei),
			),
			out:   outs(registration("فعال‌سازی گوشی", "Handset activated"), payment("عوارض گمرکی گوشی", "Handset duty")),
			hours: 1, freq: catalog.AsNeeded, vol: 2_000_000,
			laws: laws(actCustoms.whole(), actTelecom.whole()),
		},
		{
			ag: "CRA", fa: "استعلام سیم‌کارت‌های به نام من", en: "SIM cards registered in my name",
			desc:  "هر شهروند با کد ملی و شمارهٔ همراه خود، فهرست سیم‌کارت‌هایی را که به نام او ثبت شده است می‌بیند و سیم‌کارت ناشناس را گزارش می‌کند.",
			kw:    "استعلام سیم کارت، سیم کارت به نام من، شاهکار",
			mode:  mRules,
			reqs:  reqs(rq("owner", "هویت و شمارهٔ همراه", "Identity and mobile", eIdentity, eMobile)),
			out:   outs(information("فهرست سیم‌کارت‌ها", "List of SIM cards")),
			hours: 1, vol: 3_000_000,
			laws: laws(actTelecom.whole()),
		},
		{
			ag: "CRA", aud: catalog.G2B, fa: "پروانهٔ ارائهٔ خدمات اینترنت", en: "Licence to provide internet services",
			desc: "شرکت‌هایی که می‌خواهند خدمات دسترسی به اینترنت ارائه دهند، پروانه می‌گیرند. صلاحیت فنی و مالی شرکت برخط بررسی و پروانه صادر می‌شود.",
			kw:   "پروانه آی اس پی، مجوز اینترنت، ارائه دهنده اینترنت",
			mode: mOnline, ev: events("start_business"),
			reqs: reqs(rq("company", "شرکت دارای صلاحیت", "A qualified company", eCompany, upload("technical", "طرح فنی", "Technical plan"))),
			out:  outs(document("پروانهٔ خدمات اینترنت", "Internet service licence")),
			permit: permit(5*year,
				refuse("technical", "طرح فنی یا تجهیزات با مقررات مطابقت ندارد.", "The technical plan or equipment breaks the regulations.", actCRA.whole()),
				refuse("financial", "توان مالی شرکت کافی نیست.", "The company lacks financial capacity.", actCRA.whole()),
			),
			days: 60, vol: 300,
			laws: laws(actTelecom.whole(), actCRA.whole()),
		},
		{
			ag: "CRA", aud: catalog.G2B, fa: "پروانهٔ بهره‌برداری از فرکانس", en: "Radio frequency licence",
			desc: "شرکت‌ها و سازمان‌هایی که بی‌سیم یا لینک رادیویی به کار می‌برند، پروانهٔ فرکانس می‌گیرند. تداخل خودکار بررسی و پس از تأیید کارشناس پروانه صادر می‌شود.",
			kw:   "پروانه فرکانس، بی سیم، لینک رادیویی",
			mode: mOnline, ev: events("run_business"),
			reqs: reqs(rq("equipment", "مشخصات تجهیزات", "Equipment details", eCompany, declared("equipment", "فرکانس و توان", "Frequency and power"))),
			out:  outs(document("پروانهٔ فرکانس", "Frequency licence")),
			permit: permit(year,
				refuse("interference", "فرکانس با کاربر دیگری تداخل دارد.", "The frequency interferes with another user.", actCRA.whole()),
			),
			days: 30, freq: catalog.Periodic, vol: 5_000,
			laws: laws(actCRA.whole()),
		},
		{
			ag: "POST", fa: "گواهی کد پستی", en: "Postcode certificate",
			desc: "گواهی کد پستی ده‌رقمی ملک را برخط دریافت کنید. نشانی استاندارد از پایگاه ملی کد پستی خوانده و گواهی با کد رهگیری صادر می‌شود.",
			kw:   "کد پستی، گواهی کد پستی، استعلام کد پستی",
			mode: mRules, ent: true, ev: events("housing"),
			reqs: reqs(rq("address", "نشانی", "Address", ePostalCodes)),
			out:  outs(document("گواهی کد پستی", "Postcode certificate")),
			cost: 300_000, hours: 1, vol: 4_000_000,
			laws: laws(actTelecom.whole()),
			url:  "https://gnaf.post.ir",
		},
		{
			ag: "POST", fa: "ارسال و رهگیری مرسولات دولتی", en: "Delivering and tracking government documents",
			desc: "کارت ملی، گذرنامه، گواهینامه و دیگر مدارک دولتی با پست به نشانی شهروند فرستاده می‌شود. رهگیری مرسوله با کد رهگیری برخط انجام می‌شود.",
			kw:   "رهگیری مرسوله، پست، کد رهگیری، تحویل مدارک",
			mode: mRules, ent: true,
			reqs:  reqs(rq("parcel", "کد رهگیری", "Tracking code", declared("tracking", "کد رهگیری", "Tracking code"))),
			out:   outs(information("وضعیت مرسوله", "Parcel status")),
			hours: 1, vol: 25_000_000,
			laws: laws(actTelecom.whole()),
		},
		{
			ag: "ICT", aud: catalog.G2B, fa: "مجوز دفتر پیشخوان خدمات دولت", en: "Licence for a government counter office",
			desc: "متقاضیان دفتر پیشخوان با شرکت در فراخوان، درخواست را برخط ثبت می‌کنند. پس از گذراندن آموزش و بازدید از محل دفتر، مجوز صادر می‌شود.",
			kw:   "دفتر پیشخوان، مجوز پیشخوان دولت، خدمات الکترونیک",
			mode: mVisit, ev: events("start_business"),
			reqs: reqs(rq("applicant", "صلاحیت متقاضی و محل", "Applicant and premises", eDegree, eCriminal, paper("inspection", "بازدید از دفتر", "Office inspection"))),
			out:  outs(document("مجوز دفتر پیشخوان", "Counter office licence")),
			permit: permit(5*year,
				refuse("location", "در محدودهٔ درخواستی دفتر پیشخوان کافی وجود دارد.", "There are already enough counter offices in the area.", actCounters.whole()),
				refuse("premises", "محل دفتر با ضوابط مطابقت ندارد.", "The office does not meet the rules.", actCounters.whole()),
			),
			days: 60, vol: 2_000,
			laws: laws(actCounters.whole()),
		},
	}
}
