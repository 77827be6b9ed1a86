package demo

import "github.com/panjare/panjare/internal/catalog"

var (
	actFormalDeeds  = act{"قانون الزام به ثبت رسمی معاملات اموال غیرمنقول", "Compulsory Registration of Real Estate Transactions Act (2024)"}
	ePremarital     = inq("premarital", "گواهی آزمایش و مشاورهٔ پیش از ازدواج", "Premarital screening and counselling", "MOHME", "premarital-screening")
	eMunicipalClear = inq("municipal_clearance", "مفاصاحساب عوارض شهرداری", "Municipal dues clearance", "TEHRAN_MUN", "property-clearance")
)

// land returns the services of the deeds and property registration
// organization: notarial deeds, marriage and divorce registration, property
// titles, companies and intellectual property.
func land() []def {
	return []def{
		{
			ag: "SSAA", fa: "ثبت ازدواج دائم", en: "Marriage registration",
			desc:   "ازدواج دائم باید در دفتر رسمی ازدواج ثبت شود. زوجین نوبت را برخط می‌گیرند؛ هویت، تجرد و گواهی آزمایش پیش از ازدواج به‌طور خودکار استعلام می‌شود و زوجین با دو شاهد برای امضای سند یک بار به دفترخانه می‌روند. واقعه بی‌درنگ در ثبت احوال درج می‌شود.",
			descEn: "A permanent marriage must be registered at a marriage notary. The couple book online; identity, single status and the premarital screening certificate are checked automatically, and the couple visit the notary once with two witnesses to sign. The marriage is recorded with the civil registry at once.",
			kw:     "ثبت ازدواج، عقد، عقدنامه، دفتر ازدواج، سند ازدواج، محضر",
			mode:   mVisit, ev: events("marriage"),
			reqs: reqs(
				rq("identity", "هویت زوجین", "The couple's identity", eIdentity),
				rq("single", "نداشتن مانع قانونی نکاح", "No legal impediment to marriage", eMarital),
				rq("screening", "آزمایش و مشاورهٔ پیش از ازدواج", "Premarital screening and counselling", ePremarital),
				rq("consent", "اجازهٔ پدر یا جد پدری برای دوشیزه", "Father's or paternal grandfather's permission for a first marriage", paper("father_consent", "حضور یا اجازه‌نامهٔ پدر", "Father present or written permission")),
			),
			out:  outs(document("سند ازدواج", "Marriage certificate"), registration("درج ازدواج در پایگاه ثبت احوال", "Marriage recorded with the civil registry")),
			cost: 4_500_000, hours: 2, vol: 470_000,
			laws: laws(actFamily.at("ماده ۲۰"), actCivilCode.at("ماده ۱۰۴۳")),
		},
		{
			ag: "SSAA", fa: "ثبت طلاق", en: "Divorce registration",
			desc:   "پس از قطعی شدن گواهی عدم امکان سازش یا حکم طلاق، طلاق در دفتر رسمی طلاق ثبت می‌شود. گواهی دادگاه به‌طور الکترونیکی به دفترخانه می‌رسد و طرفین برای اجرای صیغهٔ طلاق و امضای سند حضور می‌یابند.",
			descEn: "Once the court's certificate or divorce ruling is final, the divorce is registered at a divorce notary. The ruling reaches the notary electronically and the parties attend to sign the deed.",
			kw:     "ثبت طلاق، دفتر طلاق، طلاق نامه، سند طلاق",
			mode:   mVisit, ev: events("divorce"),
			reqs: reqs(
				rq("ruling", "گواهی عدم امکان سازش یا حکم قطعی طلاق", "Final certificate or divorce ruling", eJudgment),
				rq("marriage", "سند ازدواج", "The marriage record", eMarital),
			),
			out:  outs(document("سند طلاق", "Divorce certificate"), registration("درج طلاق در پایگاه ثبت احوال", "Divorce recorded with the civil registry")),
			cost: 4_000_000, hours: 2, freq: catalog.Once, vol: 200_000,
			laws: laws(actFamily.whole(), actCivilCode.at("ماده ۱۱۳۳")),
		},
		{
			ag: "SSAA", fa: "تنظیم سند رسمی انتقال ملک", en: "Notarial deed of property transfer",
			desc:   "خرید و فروش ملک باید با سند رسمی در دفترخانه انجام شود. دفترخانه وضعیت ثبتی، بدهی مالیاتی و عوارض شهرداری را برخط استعلام می‌کند و خریدار و فروشنده برای امضای سند حضور می‌یابند؛ سند مالکیت جدید به نام خریدار صادر می‌شود.",
			descEn: "A property sale must be made by a notarial deed. The notary checks the title, tax and municipal dues online, and the buyer and seller attend to sign; a new title deed is issued to the buyer.",
			kw:     "سند زدن، انتقال سند، خرید خانه، فروش ملک، محضر، سند رسمی",
			mode:   mVisit, ev: events("housing"),
			reqs: reqs(
				rq("title", "مالکیت فروشنده و نبود بازداشت", "The seller's title with no attachment", eDeed),
				rq("tax", "پرداخت مالیات نقل و انتقال", "Transfer tax paid", eTaxClear),
				rq("municipal", "تسویهٔ عوارض شهرداری", "Municipal dues paid", eMunicipalClear),
			),
			out:  outs(document("سند رسمی انتقال", "Notarial transfer deed"), document("سند مالکیت به نام خریدار", "Title deed in the buyer's name")),
			cost: 6_000_000, days: 7, vol: 1_100_000,
			laws: laws(actDeeds.at("ماده ۴۷"), actFormalDeeds.whole(), actDirectTax.at("ماده ۱۸۷")),
		},
		{
			ag: "SSAA", fa: "صدور سند مالکیت تک‌برگ", en: "Single-page title deed",
			desc: "مالکان سندهای دفترچه‌ای قدیمی می‌توانند سند تک‌برگ دریافت کنند. درخواست برخط ثبت و سوابق ملک در ادارهٔ ثبت بررسی می‌شود و سند تک‌برگ الکترونیکی صادر می‌شود.",
			kw:   "سند تک برگ، تبدیل سند دفترچه ای، سند الکترونیک",
			mode: mOnline, ev: events("housing"),
			reqs: reqs(rq("title", "مالکیت متقاضی", "The applicant's ownership", eIdentity, eDeed)),
			out:  outs(document("سند مالکیت تک‌برگ", "Single-page title deed")),
			cost: 1_500_000, days: 20, freq: catalog.Once, vol: 350_000,
			laws: laws(actDeeds.at("ماده ۲۲")),
		},
		{
			ag: "SSAA", fa: "صدور سند مالکیت المثنی", en: "Duplicate title deed",
			desc: "اگر سند مالکیت گم شده است، مالک درخواست المثنی را ثبت می‌کند. درخواست در روزنامه آگهی می‌شود تا اگر کسی ادعایی دارد اعتراض کند، و مالک برای ادای سوگند و امضای صورت‌جلسه به ادارهٔ ثبت می‌رود.",
			kw:   "سند المثنی، سند گم شده، مفقودی سند ملک",
			mode: mVisit, ev: events("housing"),
			reqs: reqs(rq("title", "مالکیت متقاضی", "The applicant's ownership", eDeed, paper("sworn", "استشهادیهٔ مفقودی گواهی‌شده", "Certified statement of loss"))),
			out:  outs(document("سند مالکیت المثنی", "Duplicate title deed")),
			cost: 3_000_000, days: 60, vol: 80_000,
			laws: laws(actDeeds.whole()),
		},
		{
			ag: "SSAA", aud: catalog.G2G, fa: "استعلام وضعیت ثبتی ملک", en: "Property title inquiry",
			desc: "دفاتر اسناد رسمی، بانک‌ها و دادگاه‌ها وضعیت مالکیت، بازداشت و رهن ملک را برخط از ادارهٔ ثبت استعلام می‌کنند. پاسخ به‌طور خودکار از دفتر املاک الکترونیکی داده می‌شود.",
			kw:   "استعلام ثبتی، استعلام ملک، وضعیت سند",
			mode: mRules, ev: events("housing"),
			reqs:  reqs(rq("deed", "شناسهٔ سند", "Deed reference", declared("deed_ref", "شمارهٔ سند یا پلاک ثبتی", "Deed or plot number"))),
			out:   outs(information("وضعیت ثبتی ملک", "Title status")),
			hours: 1, vol: 12_000_000,
			laws: laws(actDeeds.at("ماده ۲۲")),
		},
		{
			ag: "SSAA", fa: "تنظیم قرارداد اجاره در سامانهٔ خودنویس", en: "Registering a lease online",
			desc: "موجر و مستأجر قرارداد اجاره را خودشان در سامانه تنظیم و با کد ملی و شمارهٔ همراه امضا می‌کنند. مالکیت موجر استعلام و قرارداد با کد رهگیری ثبت می‌شود و نیازی به بنگاه یا دفترخانه نیست.",
			kw:   "اجاره نامه، قرارداد اجاره، کد رهگیری اجاره، خودنویس، اجاره خانه",
			mode: mRules, ev: events("housing"),
			reqs: reqs(
				rq("owner", "مالکیت موجر", "The landlord's ownership", eDeed),
				rq("parties", "هویت و شمارهٔ همراه طرفین", "Parties' identity and mobile numbers", eIdentity, eMobile),
			),
			out:  outs(document("قرارداد اجارهٔ رسمی با کد رهگیری", "Registered lease with a tracking code")),
			cost: 500_000, hours: 1, freq: catalog.Periodic, vol: 2_500_000,
			laws: laws(actTenancy.whole(), actHousing.whole(), actFormalDeeds.whole()),
		},
		{
			ag: "SSAA", fa: "تنظیم وکالت‌نامهٔ رسمی", en: "Notarial power of attorney",
			desc: "وکالت‌نامهٔ رسمی برای فروش خودرو، امور بانکی یا وکالت در دعاوی در دفترخانه تنظیم می‌شود. متن وکالت برخط آماده و هویت استعلام می‌شود و موکل برای امضا و ثبت اثر انگشت حضور می‌یابد.",
			kw:   "وکالت نامه، وکالت محضری، وکالت فروش",
			mode: mVisit,
			reqs: reqs(rq("identity", "هویت موکل و وکیل", "Identity of both parties", eIdentity)),
			out:  outs(document("وکالت‌نامهٔ رسمی", "Power of attorney")),
			cost: 1_500_000, hours: 1, vol: 3_000_000,
			laws: laws(actNotaries.whole(), actCivilCode.at("ماده ۶۵۶")),
		},
		{
			ag: "SSAA", fa: "اجرای مهریه از راه ادارهٔ ثبت", en: "Enforcing a dower through the registry",
			desc: "زوجه می‌تواند مهریهٔ مندرج در سند ازدواج را بدون دادگاه از راه ادارهٔ اجرای اسناد رسمی مطالبه کند. درخواست اجرائیه برخط ثبت می‌شود و اموال زوج از بانک‌ها و ادارهٔ ثبت استعلام و توقیف می‌شود.",
			kw:   "اجرای مهریه، اجراییه مهریه، مطالبه مهریه",
			mode: mOnline, ev: events("divorce", "legal_dispute"),
			reqs: reqs(rq("deed", "سند ازدواج", "The marriage deed", eMarital, inq("marriage_deed", "متن سند ازدواج", "Marriage deed", "SSAA", "marriage-registry"))),
			out:  outs(decision("اجرائیهٔ ثبتی و توقیف اموال", "Enforcement order and attachment")),
			days: 30, vol: 150_000,
			laws: laws(actDeeds.at("ماده ۹۲"), actCivilCode.at("ماده ۱۰۸۲")),
		},
		{
			ag: "SSAA", aud: catalog.G2B, fa: "ثبت شرکت", en: "Company registration",
			desc:   "شرکت‌های با مسئولیت محدود، سهامی خاص و مؤسسات غیرتجاری در سامانهٔ ثبت شرکت‌ها برخط ثبت می‌شوند. نام شرکت، اساسنامه و هویت مؤسسان برخط بررسی و شناسهٔ ملی شرکت صادر می‌شود و آگهی تأسیس در روزنامهٔ رسمی منتشر می‌شود.",
			descEn: "Limited liability and private joint-stock companies and non-commercial institutions are registered online. The name, articles and founders' identities are checked, the company's national ID is issued and the notice is published in the Official Gazette.",
			kw:     "ثبت شرکت، تاسیس شرکت، شرکت با مسئولیت محدود، شرکت سهامی خاص، شناسه ملی شرکت",
			mode:   mOnline, ev: events("start_business"),
			reqs: reqs(
				rq("founders", "هویت و اهلیت مؤسسان", "Founders' identity and capacity", eIdentity, eExitBan),
				rq("articles", "اساسنامه و صورت‌جلسهٔ مجمع مؤسس", "Articles and founders' minutes", upload("articles", "اساسنامه", "Articles of association")),
				rq("name", "نام شرکت", "Company name", declared("names", "پنج نام پیشنهادی", "Five proposed names")),
			),
			out:  outs(registration("شناسهٔ ملی و شمارهٔ ثبت شرکت", "Company national ID and registration number"), document("آگهی تأسیس", "Incorporation notice")),
			cost: 2_500_000, days: 7, freq: catalog.Once, vol: 110_000,
			laws: laws(actCommercial.at("ماده ۱۹۵")),
			url:  "https://irsherkat.ssaa.ir",
		},
		{
			ag: "SSAA", aud: catalog.G2B, fa: "ثبت تغییرات شرکت", en: "Registering company changes",
			desc: "تغییر مدیران، نشانی، سرمایه یا موضوع فعالیت شرکت با صورت‌جلسهٔ مجمع برخط ثبت می‌شود. کارشناس ثبت صورت‌جلسه را بررسی و آگهی تغییرات را منتشر می‌کند.",
			kw:   "تغییرات شرکت، تغییر مدیرعامل، افزایش سرمایه، تغییر آدرس شرکت",
			mode: mOnline, ev: events("run_business"),
			reqs: reqs(
				rq("company", "شرکت ثبت‌شده", "A registered company", eCompany),
				rq("minutes", "صورت‌جلسهٔ مجمع یا هیئت‌مدیره", "Minutes of the meeting", upload("minutes", "صورت‌جلسه", "Minutes")),
			),
			out:  outs(registration("ثبت تغییرات", "Changes registered")),
			cost: 1_500_000, days: 5, vol: 600_000,
			laws: laws(actCommercial.whole()),
		},
		{
			ag: "SSAA", aud: catalog.G2B, fa: "انحلال و ختم تصفیهٔ شرکت", en: "Dissolving and winding up a company",
			desc: "انحلال شرکت با صورت‌جلسهٔ مجمع فوق‌العاده و ختم تصفیه پس از تسویهٔ بدهی‌ها ثبت می‌شود. مفاصاحساب مالیاتی و بیمه‌ای به‌طور خودکار استعلام می‌شود.",
			kw:   "انحلال شرکت، تصفیه شرکت، بستن شرکت",
			mode: mOnline, ev: events("close_business"),
			reqs: reqs(
				rq("company", "شرکت ثبت‌شده", "A registered company", eCompany),
				rq("clearance", "مفاصاحساب مالیاتی و بیمه‌ای", "Tax and social insurance clearance", eTaxClear, eSSODebt),
				rq("minutes", "صورت‌جلسهٔ انحلال", "Dissolution minutes", upload("minutes", "صورت‌جلسه", "Minutes")),
			),
			out:  outs(registration("ثبت انحلال و ختم تصفیه", "Dissolution registered")),
			cost: 1_500_000, days: 30, freq: catalog.Once, vol: 25_000,
			laws: laws(actCommercial.whole()),
		},
		{
			ag: "SSAA", aud: catalog.G2B, fa: "ثبت علامت تجاری", en: "Trademark registration",
			desc: "صاحبان کالا و خدمات علامت تجاری خود را در مرکز مالکیت معنوی ثبت می‌کنند. اظهارنامه برخط تسلیم، علامت بررسی و آگهی می‌شود و اگر در مهلت قانونی اعتراضی نرسد، گواهی ثبت صادر می‌شود.",
			kw:   "ثبت برند، علامت تجاری، ثبت لوگو، مالکیت معنوی",
			mode: mOnline, ev: events("start_business", "run_business"),
			reqs: reqs(
				rq("applicant", "هویت یا شناسهٔ متقاضی", "Applicant's identity or company", eIdentity),
				rq("mark", "نمونهٔ علامت و طبقات کالا", "The mark and its classes", upload("mark", "تصویر علامت", "Image of the mark")),
			),
			out: outs(document("گواهی ثبت علامت", "Trademark certificate")),
			permit: permit(10*year,
				refuse("similar", "علامت با علامت ثبت‌شدهٔ دیگری مشابه است.", "The mark is confusingly similar to a registered one.", actIP.at("ماده ۳۲")),
				refuse("public_order", "علامت خلاف نظم عمومی یا اخلاق حسنه است.", "The mark is contrary to public order or morality.", actIP.at("ماده ۳۲")),
			),
			cost: 4_000_000, days: 90, vol: 90_000,
			laws: laws(actIP.whole()),
		},
		{
			ag: "SSAA", fa: "ثبت اختراع", en: "Patent registration",
			desc: "مخترعان اظهارنامهٔ اختراع را برخط تسلیم می‌کنند. اختراع از نظر نو بودن و کاربرد صنعتی بررسی می‌شود و پس از تأیید، گواهی‌نامهٔ اختراع صادر می‌شود.",
			kw:   "ثبت اختراع، پتنت، اختراع",
			mode: mOnline,
			reqs: reqs(rq("invention", "توصیف و ادعاهای اختراع", "Description and claims", eIdentity, upload("description", "توصیف اختراع و نقشه‌ها", "Description and drawings"))),
			out:  outs(document("گواهی‌نامهٔ اختراع", "Patent certificate")),
			permit: permit(20*year,
				refuse("novelty", "اختراع نو نیست یا گام ابتکاری ندارد.", "The invention is not new or lacks an inventive step.", actIP.at("ماده ۲")),
				refuse("excluded", "موضوع از موارد غیرقابل ثبت است.", "The subject cannot be patented.", actIP.at("ماده ۴")),
			),
			cost: 3_000_000, days: 180, vol: 12_000,
			laws: laws(actIP.whole()),
		},
	}
}
