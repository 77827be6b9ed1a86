package demo

import "github.com/panjare/panjare/internal/catalog"

var (
	actYouth    = act{"قانون حمایت از خانواده و جوانی جمعیت", "Family Support and Youthful Population Act (2021)"}
	actExchange = act{"دستورالعمل اجرایی تأسیس، فعالیت و نظارت بر صرافی‌ها", "Regulations on Exchange Bureaus (Central Bank)"}
	actFIPPA    = act{"قانون تشویق و حمایت سرمایه‌گذاری خارجی", "Foreign Investment Promotion and Protection Act (2002)"}
	eLoanQueue  = inq("loan_queue", "نوبت ثبت‌شده در سامانهٔ تسهیلات", "Place in the loan queue", "CBI", "loan-queue")
)

// banking returns the services of the central bank and the ministry of
// economy.
func banking() []def {
	return []def{
		{
			ag: "CBI", fa: "ثبت و تأیید چک صیادی", en: "Registering and accepting a Sayad cheque",
			desc:   "صادرکنندهٔ چک، مبلغ، تاریخ و گیرنده را در سامانهٔ صیاد ثبت می‌کند و گیرنده دریافت آن را تأیید می‌کند. چکی که ثبت نشده باشد در بانک پذیرفته نمی‌شود؛ ثبت و تأیید از راه همراه‌بانک یا برنامه‌های مجاز انجام می‌شود.",
			descEn: "The drawer records the amount, date and payee in the Sayad system and the payee confirms receipt. Banks do not accept an unregistered cheque; registration is done in mobile banking or licensed apps.",
			kw:     "چک صیادی، ثبت چک، تایید چک، سامانه صیاد، انتقال چک",
			mode:   mRules, ev: events("run_business"),
			reqs:  reqs(rq("account", "حساب جاری و دستهٔ چک صیادی", "A current account with Sayad cheques", eIdentity, eMobile)),
			out:   outs(registration("ثبت چک در سامانهٔ صیاد", "Cheque recorded in Sayad")),
			hours: 1, vol: 120_000_000,
			laws: laws(actCheque.whole()),
		},
		{
			ag: "CBI", fa: "استعلام وضعیت اعتباری صادرکنندهٔ چک", en: "Checking a cheque drawer's credit colour",
			desc:  "پیش از دریافت چک، با شناسهٔ صیاد وضعیت اعتباری صادرکننده را به رنگ سفید تا قرمز ببینید. رنگ بر پایهٔ سابقهٔ چک‌های برگشتی به‌طور خودکار تعیین می‌شود.",
			kw:    "استعلام چک، رنگ بندی چک، چک برگشتی، اعتبار چک",
			mode:  mRules,
			reqs:  reqs(rq("cheque", "شناسهٔ صیاد چک", "The cheque's Sayad ID", eCheque)),
			out:   outs(information("وضعیت اعتباری صادرکننده", "Drawer's credit status")),
			hours: 1, vol: 200_000_000,
			laws: laws(actCheque.whole()),
		},
		{
			ag: "CBI", fa: "رفع سوء اثر از چک برگشتی", en: "Clearing a returned cheque record",
			desc: "صادرکنندهٔ چک برگشتی پس از پرداخت مبلغ چک یا ارائهٔ رضایت دارنده، درخواست رفع سوء اثر را برخط ثبت می‌کند. بانک درخواست را بررسی و سابقه را از سامانه پاک می‌کند.",
			kw:   "رفع سوء اثر، چک برگشتی، پاک کردن سابقه چک",
			mode: mOnline,
			reqs: reqs(rq("settlement", "پرداخت مبلغ یا رضایت دارندهٔ چک", "Payment or the holder's consent", eCheque, upload("consent", "رضایت‌نامهٔ دارندهٔ چک", "Holder's consent"))),
			out:  outs(decision("رفع سوء اثر", "Record cleared")),
			days: 3, vol: 1_500_000,
			laws: laws(actCheque.whole()),
		},
		{
			ag: "CBI", fa: "ثبت‌نام وام قرض‌الحسنهٔ ازدواج", en: "Marriage loan",
			desc:   "زوج‌هایی که ازدواجشان ثبت شده است، در سامانهٔ تسهیلات ازدواج ثبت‌نام و بانک را انتخاب می‌کنند. ازدواج و نبود وام قبلی خودکار بررسی می‌شود و بانک پس از بررسی ضامن‌ها وام را پرداخت می‌کند.",
			descEn: "Couples with a registered marriage sign up for the marriage loan and choose a bank. The marriage and any previous loan are checked automatically, and the bank pays once it has reviewed the guarantors.",
			kw:     "وام ازدواج، تسهیلات ازدواج، وام قرض الحسنه، ثبت نام وام ازدواج",
			mode:   mOnline, ev: events("marriage"),
			reqs: reqs(
				rq("marriage", "ازدواج ثبت‌شده", "A registered marriage", eMarital),
				rq("queue", "نوبت در سامانه", "A place in the queue", eLoanQueue),
				rq("guarantor", "ضامن یا سفتهٔ الکترونیکی", "A guarantor or electronic promissory note", upload("guarantee", "ضمانت", "Guarantee")),
			),
			out:  outs(payment("واریز وام", "Loan paid")),
			days: 60, freq: catalog.Once, vol: 900_000,
			laws: laws(actYouth.whole()),
			url:  "https://ve.cbi.ir",
		},
		{
			ag: "CBI", fa: "ثبت‌نام وام فرزندآوری", en: "Childbirth loan",
			desc: "خانواده‌هایی که پس از سال ۱۴۰۰ صاحب فرزند شده‌اند، وام فرزندآوری را درخواست می‌کنند. تولد فرزند از ثبت احوال استعلام می‌شود و بانک عامل پس از بررسی وام را پرداخت می‌کند.",
			kw:   "وام فرزندآوری، وام تولد فرزند، تسهیلات فرزند",
			mode: mOnline, ev: events("birth"),
			reqs: reqs(
				rq("child", "تولد فرزند", "The child's birth", eFamily),
				rq("guarantor", "ضمانت", "A guarantee", upload("guarantee", "ضمانت", "Guarantee")),
			),
			out:  outs(payment("واریز وام", "Loan paid")),
			days: 60, vol: 700_000,
			laws: laws(actYouth.whole()),
		},
		{
			ag: "CBI", fa: "دریافت ارز مسافرتی", en: "Travel currency",
			desc: "مسافران خارجی با بلیت و گذرنامهٔ معتبر، درخواست ارز مسافرتی را برخط ثبت می‌کنند و ارز را در شعبهٔ بانک یا صرافی بانکی حضوری تحویل می‌گیرند.",
			kw:   "ارز مسافرتی، دلار مسافرتی، ارز سفر",
			mode: mVisit, ev: events("travel"),
			reqs: reqs(
				rq("passport", "گذرنامهٔ معتبر", "A valid passport", inq("passport", "گذرنامه", "Passport", "FARAJA_PASS", "passports")),
				rq("ticket", "بلیت سفر", "Travel ticket", upload("ticket", "بلیت", "Ticket")),
			),
			out:  outs(payment("فروش ارز", "Currency sold")),
			days: 2, vol: 2_000_000,
			laws: laws(actBanking.whole()),
		},
		{
			ag: "CBI", aud: catalog.G2B, fa: "مجوز تأسیس صرافی", en: "Licence for an exchange bureau",
			desc: "متقاضیان تأسیس صرافی پس از ثبت شرکت و تأمین سرمایهٔ لازم، درخواست مجوز را به بانک مرکزی می‌دهند. صلاحیت مدیران و محل صرافی بررسی و با بازدید حضوری تأیید می‌شود.",
			kw:   "مجوز صرافی، تاسیس صرافی، صرافی",
			mode: mVisit, ev: events("start_business"),
			reqs: reqs(
				rq("company", "شرکت ثبت‌شده و سرمایهٔ لازم", "A registered company with the required capital", eCompany),
				rq("managers", "صلاحیت مدیران", "Managers' fitness", eCriminal, eCheque),
			),
			out: outs(document("مجوز صرافی", "Exchange bureau licence")),
			permit: permit(3*year,
				refuse("capital", "سرمایهٔ شرکت کمتر از حد نصاب است.", "The capital is below the minimum.", actExchange.whole()),
				refuse("managers", "مدیران صلاحیت حرفه‌ای یا سابقهٔ مالی مناسب ندارند.", "The managers lack professional fitness or a clean financial record.", actBanking.whole()),
			),
			days: 90, vol: 300,
			laws: laws(actBanking.whole(), actExchange.whole()),
		},
		{
			ag: "CBI", fa: "رسیدگی به شکایت از بانک‌ها", en: "Complaints about banks",
			desc: "اگر بانک به درخواست یا شکایت شما پاسخ نداده است، شکایت را برخط در سامانهٔ بانک مرکزی ثبت کنید. کارشناس بانک مرکزی پاسخ بانک را پیگیری و نتیجه را اعلام می‌کند.",
			kw:   "شکایت از بانک، سامانه شکایات بانک مرکزی",
			mode: mOnline,
			reqs: reqs(rq("complaint", "شرح شکایت و مستندات", "The complaint and documents", eIdentity, upload("documents", "مستندات", "Documents"))),
			out:  outs(decision("پاسخ به شکایت", "Response to the complaint")),
			days: 15, vol: 400_000,
			laws: laws(actBanking.whole()),
		},
		{
			ag: "CBI", fa: "تعویض اسکناس فرسوده", en: "Exchanging worn banknotes",
			desc:  "اسکناس‌های پاره یا فرسوده را در شعبه‌های بانک یا خزانهٔ بانک مرکزی با اسکناس نو تعویض کنید. تعویض حضوری و رایگان است.",
			kw:    "اسکناس پاره، تعویض پول، اسکناس فرسوده",
			mode:  mInfo,
			out:   outs(payment("اسکناس سالم", "Replacement banknotes")),
			hours: 1, vol: 200_000,
			laws: laws(actBanking.whole()),
		},
		{
			ag: "MEFA", fa: "انتخاب روش مدیریت سهام عدالت", en: "Choosing how to manage Justice Shares",
			desc:  "مشمولان سهام عدالت روش مستقیم یا غیرمستقیم مدیریت سهام را انتخاب و سهام آزادشده را می‌فروشند. مالکیت از پایگاه سهام عدالت خوانده و درخواست خودکار اجرا می‌شود.",
			kw:    "سهام عدالت، فروش سهام عدالت، روش مستقیم سهام عدالت",
			mode:  mRules,
			reqs:  reqs(rq("holder", "مشمول سهام عدالت بودن", "Being a Justice Shares holder", eIdentity, inq("shares", "سهام عدالت", "Justice Shares holdings", "MEFA", "justice-shares"))),
			out:   outs(registration("ثبت روش مدیریت سهام", "Management method recorded")),
			hours: 1, freq: catalog.Once, vol: 3_000_000,
			laws: laws(act{"قانون اجرای سیاست‌های کلی اصل چهل و چهارم قانون اساسی", "Implementation of Article 44 Policies Act (2008)"}.whole()),
		},
		{
			ag: "MEFA", aud: catalog.G2B, fa: "مجوز سرمایه‌گذاری خارجی", en: "Foreign investment licence",
			desc: "سرمایه‌گذاران خارجی برای بهره‌مندی از حمایت قانون، درخواست را به مرکز خدمات سرمایه‌گذاری می‌دهند. طرح در هیئت سرمایه‌گذاری خارجی بررسی و با تأیید وزیر مجوز صادر می‌شود.",
			kw:   "سرمایه گذاری خارجی، فیپا، مجوز سرمایه گذاری",
			mode: mInfo,
			reqs: reqs(rq("plan", "طرح سرمایه‌گذاری", "Investment plan", paper("plan", "طرح توجیهی و مدارک سرمایه‌گذار", "Business plan and investor documents"))),
			out:  outs(document("مجوز سرمایه‌گذاری خارجی", "Foreign investment licence")),
			permit: permit(0,
				refuse("security", "سرمایه‌گذاری با امنیت یا منافع ملی مغایرت دارد.", "The investment conflicts with national security or interests.", actFIPPA.at("ماده ۲")),
				refuse("monopoly", "سرمایه‌گذاری به انحصار یا تسلط اقتصادی بیگانه می‌انجامد.", "The investment would create foreign market dominance.", actFIPPA.at("ماده ۲")),
			),
			days: 45, vol: 400,
			laws: laws(actFIPPA.whole()),
		},
	}
}
