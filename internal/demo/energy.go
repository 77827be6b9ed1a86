package demo

import "github.com/panjare/panjare/internal/catalog"

var (
	actPowerBarriers = act{"قانون مانع‌زدایی از توسعهٔ صنعت برق", "Removing Barriers to Power Industry Development Act (2022)"}
	eMeter           = inq("meter", "پروندهٔ اشتراک و کنتور", "Subscription and meter record", "TAVANIR", "subscriptions")
	eGasCert         = upload("gas_cert", "گواهی لوله‌کشی گاز از مهندس ناظر", "Gas piping certificate from the supervising engineer")
)

// energy returns water, power, gas and fuel services.
func energy() []def {
	return []def{
		{
			ag: "TAVANIR", fa: "درخواست انشعاب برق", en: "New electricity connection",
			desc:   "برای ساختمان تازه‌ساز یا افزایش قدرت، درخواست انشعاب برق را در برنامهٔ «برق من» یا وب ثبت کنید. مالکیت و پروانهٔ ساختمان استعلام می‌شود، کارشناس شرکت توزیع از محل بازدید می‌کند و پس از پرداخت هزینه، کنتور نصب می‌شود.",
			descEn: "For a new building or more capacity, apply for a connection in the Bargh-e Man app or online. Title and building permit are checked, the distribution company inspects the site and, once the fee is paid, the meter is installed.",
			kw:     "انشعاب برق، کنتور برق، برق من، افزایش قدرت",
			mode:   mOnline, ent: true, scope: catalog.ScopeCity, ev: events("building", "housing"),
			reqs: reqs(
				rq("property", "مالکیت و پروانهٔ ساختمان", "Title and building permit", eDeed, eBuildingPermit),
				rq("address", "نشانی و کد پستی", "Address", eAddress),
			),
			out:  outs(registration("اشتراک برق", "Electricity subscription"), payment("هزینهٔ انشعاب", "Connection fee")),
			cost: 60_000_000, days: 20, vol: 1_200_000,
			laws: laws(actEnergy.whole()),
			url:  "https://bargheman.com",
		},
		{
			ag: "NIGC", fa: "درخواست انشعاب گاز", en: "New gas connection",
			desc: "پس از لوله‌کشی گاز ساختمان و تأیید مهندس ناظر نظام مهندسی، درخواست انشعاب را برخط ثبت کنید. شرکت گاز مدارک را بررسی و پس از پرداخت هزینه، کنتور را نصب می‌کند.",
			kw:   "انشعاب گاز، کنتور گاز، گازکشی، تایید لوله کشی",
			mode: mOnline, ent: true, scope: catalog.ScopeCity, ev: events("building", "housing"),
			reqs: reqs(rq("piping", "تأیید لوله‌کشی", "Approved piping", eDeed, eGasCert)),
			out:  outs(registration("اشتراک گاز", "Gas subscription")),
			cost: 30_000_000, days: 15, vol: 900_000,
			laws: laws(actEnergy.whole()),
		},
		{
			ag: "ABFA", fa: "درخواست انشعاب آب و فاضلاب", en: "New water and sewer connection",
			desc: "مالکان ساختمان‌های تازه درخواست انشعاب آب و فاضلاب را برخط ثبت می‌کنند. مالکیت استعلام و هزینه بر پایهٔ واحدها محاسبه و پس از پرداخت، انشعاب اجرا می‌شود.",
			kw:   "انشعاب آب، کنتور آب، فاضلاب، آبفا",
			mode: mOnline, ent: true, scope: catalog.ScopeCity, ev: events("building", "housing"),
			reqs: reqs(rq("property", "مالکیت و پروانهٔ ساختمان", "Title and building permit", eDeed, eBuildingPermit)),
			out:  outs(registration("اشتراک آب", "Water subscription")),
			cost: 80_000_000, days: 20, vol: 700_000,
			laws: laws(actWater.whole()),
		},
		{
			ag: "TAVANIR", fa: "قبض الکترونیکی و پرداخت برق", en: "Electronic electricity bills",
			desc: "قبض برق هر دوره بدون درخواست محاسبه و با پیامک و در برنامهٔ «برق من» فرستاده می‌شود و برخط پرداخت می‌شود. مشترکان کم‌مصرف پاداش کاهش مصرف را خودکار می‌گیرند.",
			kw:   "قبض برق، پرداخت قبض، قبض الکترونیکی، برق من",
			mode: mNoStop, onDate: true, ent: true,
			reqs: reqs(rq("subscriber", "مشترک برق", "An electricity subscriber", eMeter, eMobile)),
			out:  outs(payment("قبض برق", "Electricity bill")),
			days: 1, freq: catalog.Periodic, vol: 250_000_000,
			laws: laws(actEnergy.whole()),
		},
		{
			ag: "TAVANIR", fa: "تغییر نام مشترک برق", en: "Transferring an electricity account",
			desc: "پس از خرید یا اجارهٔ خانه، تغییر نام اشتراک برق را برخط درخواست کنید. مالکیت یا اجاره‌نامه استعلام و کارشناس آن را تأیید می‌کند.",
			kw:   "تغییر نام قبض برق، انتقال اشتراک، تغییر مالک کنتور",
			mode: mOnline, ent: true, ev: events("housing"),
			reqs: reqs(rq("property", "مالکیت یا اجاره", "Ownership or lease", eMeter, eDeed)),
			out:  outs(registration("تغییر نام مشترک", "Account transferred")),
			days: 5, vol: 800_000,
			laws: laws(actEnergy.whole()),
		},
		{
			ag: "TAVANIR", fa: "مجوز نصب نیروگاه خورشیدی خانگی", en: "Permit for a rooftop solar plant",
			desc: "مالکان خانه‌ها برای نصب پنل خورشیدی تا ظرفیت مجاز و فروش برق به شبکه درخواست می‌دهند. ظرفیت شبکه و اشتراک استعلام و پس از بررسی، قرارداد خرید تضمینی منعقد می‌شود.",
			kw:   "برق خورشیدی، پنل خورشیدی، نیروگاه خورشیدی خانگی، خرید تضمینی برق",
			mode: mOnline, ent: true, ev: events("housing"),
			reqs: reqs(rq("roof", "اشتراک برق و مالکیت بام", "An electricity account and the roof", eMeter, eDeed)),
			out:  outs(document("مجوز اتصال و قرارداد خرید برق", "Connection permit and power purchase contract")),
			permit: permit(20*year,
				refuse("capacity", "ظرفیت پست یا فیدر محل کافی نیست.", "The local substation or feeder lacks capacity.", actPowerBarriers.whole()),
			),
			days: 20, vol: 30_000,
			laws: laws(actPowerBarriers.whole()),
		},
		{
			ag: "TAVANIR", fa: "گزارش قطعی و حوادث برق (۱۲۱)", en: "Reporting power cuts (121)",
			desc: "قطعی برق، سیم افتاده یا خطر برق‌گرفتگی را در برنامهٔ «برق من» یا با تلفن ۱۲۱ گزارش کنید. گزارش به اکیپ حوادث ارجاع و پیگیری آن پیامک می‌شود.",
			kw:   "۱۲۱، قطعی برق، خاموشی، حوادث برق",
			mode: mOnline, ent: true, scope: catalog.ScopeCity,
			reqs:  reqs(rq("report", "نشانی و شرح حادثه", "Address and description", eMobile, declared("details", "شرح حادثه", "Description"))),
			out:   outs(decision("اعزام اکیپ و رفع مشکل", "Crew dispatched")),
			hours: 4, vol: 5_000_000,
			laws: laws(actEnergy.whole()),
			ch:   []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile, catalog.ChannelPhone},
		},
		{
			ag: "ABFA", fa: "اعتراض به قبض آب", en: "Disputing a water bill",
			desc: "اگر قبض آب بیش از مصرف واقعی است، به دفتر امور مشترکین آبفا مراجعه کنید تا کنتور بازدید و قبض اصلاح شود.",
			kw:   "اعتراض قبض آب، قبض آب زیاد، خرابی کنتور آب",
			mode: mInfo, ent: true, scope: catalog.ScopeCity,
			out:  outs(decision("اصلاح قبض", "Bill corrected")),
			days: 10, vol: 300_000,
			laws: laws(actWater.whole()),
		},
		{
			ag: "NIOPDC", fa: "صدور کارت سوخت المثنی", en: "Replacement fuel card",
			desc: "اگر کارت سوخت خودرو گم یا خراب شده است، درخواست المثنی را در دفتر پلیس +۱۰ ثبت کنید. کارت جدید با پست فرستاده و کارت قبلی باطل می‌شود.",
			kw:   "کارت سوخت، المثنی کارت سوخت، کارت بنزین",
			mode: mVisit, post: true, ev: events("vehicle"),
			reqs: reqs(rq("vehicle", "مالکیت خودرو", "Vehicle ownership", eVehicle, eIdentity)),
			out:  outs(document("کارت سوخت", "Fuel card")),
			cost: 700_000, days: 20, vol: 1_500_000,
			laws: laws(actEnergy.whole()),
		},
		{
			ag: "NIOPDC", fa: "صدور خودکار کارت سوخت خودروی نو", en: "Automatic fuel card for new vehicles",
			desc: "با شماره‌گذاری خودروی نو، کارت سوخت بدون درخواست صادر و سهمیهٔ سوخت آن فعال می‌شود. کارت با پست به نشانی مالک فرستاده می‌شود.",
			kw:   "کارت سوخت ماشین صفر، سهمیه بنزین خودرو نو",
			mode: mNoStop, ev: events("vehicle"),
			reqs: reqs(rq("plates", "شماره‌گذاری خودرو", "Vehicle registration", eVehicle, eAddress)),
			out:  outs(document("کارت سوخت", "Fuel card"), registration("سهمیهٔ سوخت", "Fuel quota")),
			days: 10, freq: catalog.Once, vol: 1_000_000,
			laws: laws(actEnergy.whole()),
			ch:   []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile, catalog.ChannelPost},
		},
		{
			ag: "MOEN", fa: "پروانهٔ حفر و بهره‌برداری چاه آب", en: "Permit to drill and use a water well",
			desc: "حفر چاه کشاورزی، صنعتی یا شرب تنها با پروانهٔ شرکت آب منطقه‌ای مجاز است. درخواست برخط ثبت و وضعیت دشت بررسی می‌شود و کارشناس با حضور متقاضی از محل بازدید می‌کند.",
			kw:   "مجوز چاه، حفر چاه، پروانه چاه آب، آب منطقه ای",
			mode: mVisit, scope: catalog.ScopeProvincial, ev: events("run_business"),
			reqs: reqs(rq("land", "مالکیت زمین و بازدید", "Land and site visit", eFarmLandTitle, paper("site_visit", "حضور در بازدید", "Attending the visit"))),
			out:  outs(document("پروانهٔ حفر و بهره‌برداری", "Drilling and use permit")),
			permit: permit(0,
				refuse("restricted", "دشت ممنوعه است و برداشت تازه مجاز نیست.", "The plain is restricted and no new abstraction is allowed.", actWater.whole()),
				refuse("distance", "فاصله با چاه‌ها یا قنات‌های موجود کمتر از حد مجاز است.", "Too close to existing wells or qanats.", actWater.whole()),
			),
			days: 90, vol: 15_000,
			laws: laws(actWater.whole()),
		},
	}
}
