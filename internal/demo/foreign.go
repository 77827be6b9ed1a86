package demo

import "github.com/panjare/panjare/internal/catalog"

var actVisa = act{"آیین‌نامهٔ اجرایی قانون گذرنامه (روادید اتباع خارجی)", "Passport Act regulations on visas for foreign nationals"}

// foreign returns consular services of the foreign ministry.
func foreign() []def {
	return []def{
		{
			ag: "MFA", fa: "تأیید اسناد برای ارائه در خارج از کشور", en: "Legalizing documents for use abroad",
			desc: "اسناد رسمی، ترجمه‌ها و مدارک تحصیلی که در خارج به کار می‌روند، باید به تأیید وزارت امور خارجه برسند. درخواست و پرداخت برخط انجام می‌شود، ولی اصل سند برای مهر تأیید حضوری یا با پست ارائه می‌شود.",
			kw:   "تایید امور خارجه، تایید ترجمه، مهر خارجه، ترجمه رسمی",
			mode: mVisit, post: true, ev: events("travel"),
			reqs: reqs(rq("document", "اصل سند تأییدشدهٔ دادگستری", "The original certified by the judiciary", paper("original", "اصل سند و ترجمه", "Original and translation"))),
			out:  outs(document("سند تأییدشده", "Legalized document")),
			cost: 1_500_000, days: 3, vol: 1_200_000,
			laws: laws(actForeignMin.whole()),
		},
		{
			ag: "MFA", fa: "صدور روادید الکترونیکی برای اتباع خارجی", en: "Electronic visa for foreign nationals",
			desc:   "اتباع خارجی برای سفر گردشگری، تجاری یا خانوادگی روادید الکترونیکی را برخط درخواست می‌کنند. پس از استعلام‌های امنیتی و تأیید کارشناس، روادید الکترونیکی صادر و به پست الکترونیکی متقاضی فرستاده می‌شود.",
			descEn: "Foreign nationals apply online for a tourist, business or family e-visa. After security checks and an officer's approval, the e-visa is issued and emailed.",
			kw:     "روادید، ویزا، ویزای ایران، ویزای الکترونیکی",
			mode:   mOnline,
			reqs:   reqs(rq("passport", "گذرنامهٔ معتبر و هدف سفر", "A valid passport and purpose of travel", upload("passport_scan", "تصویر گذرنامه", "Passport scan"), declared("purpose", "هدف و مدت سفر", "Purpose and length of stay"))),
			out:    outs(document("روادید الکترونیکی", "Electronic visa")),
			permit: permit(90,
				refuse("security", "استعلام امنیتی منفی است.", "The security check is negative.", actVisa.whole()),
				refuse("overstay", "متقاضی سابقهٔ اقامت غیرمجاز در ایران دارد.", "The applicant has overstayed in Iran before.", actForeigners.whole()),
			),
			cost: 0, days: 7, vol: 1_000_000,
			laws: laws(actPassport.whole(), actVisa.whole()),
			url:  "https://evisa.mfa.ir",
		},
		{
			ag: "MFA", fa: "ثبت‌نام در سامانهٔ خدمات کنسولی (میخک)", en: "Registering for consular services (Mikhak)",
			desc: "ایرانیان خارج از کشور برای دریافت خدمات کنسولی در سامانهٔ میخک ثبت‌نام می‌کنند. هویت از ثبت احوال استعلام می‌شود و کارشناس نمایندگی پروندهٔ کنسولی را تشکیل می‌دهد.",
			kw:   "میخک، خدمات کنسولی، سفارت، ایرانیان خارج",
			mode: mOnline, ev: events("travel"),
			reqs:  reqs(rq("identity", "هویت ایرانی", "Iranian identity", eIdentity)),
			out:   outs(registration("پروندهٔ کنسولی", "Consular file")),
			hours: 1, freq: catalog.Once, vol: 300_000,
			laws: laws(actForeignMin.whole()),
			url:  "https://mikhak.mfa.ir",
		},
		{
			ag: "MFA", fa: "ثبت ولادت در نمایندگی‌های خارج از کشور", en: "Registering a birth at a consulate",
			desc: "ایرانیانی که فرزندشان در خارج به دنیا آمده است، ولادت را در سفارت یا کنسولگری ثبت می‌کنند. درخواست در سامانهٔ میخک ثبت و برای ارائهٔ گواهی ولادت خارجی یک بار به نمایندگی مراجعه می‌شود.",
			kw:   "شناسنامه فرزند خارج از کشور، ثبت ولادت سفارت",
			mode: mVisit, ev: events("birth"),
			reqs: reqs(rq("birth", "گواهی ولادت کشور محل تولد", "Foreign birth certificate", eMarital, paper("foreign_birth", "اصل گواهی ولادت", "Original birth certificate"))),
			out:  outs(document("شناسنامه", "Birth certificate")),
			days: 60, freq: catalog.Once, vol: 25_000,
			laws: laws(actCivilReg.whole(), actForeignMin.whole()),
		},
		{
			ag: "MFA", fa: "تنظیم وکالت‌نامهٔ کنسولی", en: "Consular power of attorney",
			desc: "ایرانیان مقیم خارج برای انجام امور خود در ایران، وکالت‌نامه را در سامانهٔ میخک تنظیم و برای امضا به نمایندگی مراجعه می‌کنند. وکالت‌نامه الکترونیکی به دفترخانه در ایران می‌رسد.",
			kw:   "وکالت نامه سفارت، وکالت کنسولی، وکالت از خارج",
			mode: mVisit,
			reqs: reqs(rq("identity", "هویت موکل", "The principal's identity", eIdentity)),
			out:  outs(document("وکالت‌نامهٔ کنسولی", "Consular power of attorney")),
			cost: 5_000_000, days: 3, vol: 250_000,
			laws: laws(actNotaries.whole(), actForeignMin.whole()),
		},
	}
}
