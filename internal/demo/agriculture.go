package demo

import "github.com/panjare/panjare/internal/catalog"

var (
	actFisheries   = act{"قانون حفاظت و بهره‌برداری از منابع آبزی جمهوری اسلامی ایران", "Aquatic Resources Protection Act (1995)"}
	actCropIns     = act{"قانون بیمهٔ محصولات کشاورزی", "Agricultural Insurance Act (1983)"}
	actGuaranteed  = act{"قانون تضمین خرید محصولات اساسی کشاورزی", "Guaranteed Purchase of Staple Crops Act (1989)"}
	eAnimalHealth  = inq("animal_health", "وضعیت بهداشتی گله", "Herd health status", "IVO", "herd-health")
	eVetLicence    = inq("vet_licence", "پروانهٔ دامپزشکی", "Veterinary licence", "IVO", "vets")
	eFarmLandTitle = inq("farm_title", "سند یا نسق زمین کشاورزی", "Farmland title or tenure", "SSAA", "property-title")
)

// agriculture returns agriculture, livestock and fisheries services.
func agriculture() []def {
	return []def{
		{
			ag: "MAJ", fa: "مجوز تغییر کاربری اراضی کشاورزی", en: "Permit to change the use of farmland",
			desc: "تغییر کاربری زمین کشاورزی یا باغ در خارج از محدودهٔ شهرها تنها با رأی کمیسیون تبصرهٔ یک مادهٔ یک مجاز است. درخواست برخط ثبت می‌شود و کارشناس با حضور مالک از زمین بازدید می‌کند؛ در صورت موافقت، عوارض تغییر کاربری دریافت می‌شود.",
			kw:   "تغییر کاربری، کمیسیون تبصره ۱، زمین کشاورزی، ساخت در باغ",
			mode: mVisit, scope: catalog.ScopeProvincial, ev: events("building"),
			reqs: reqs(
				rq("title", "مالکیت زمین", "Ownership of the land", eFarmLandTitle),
				rq("plan", "طرح مورد نظر", "The intended project", upload("plan", "طرح و نقشهٔ کاربری", "Project and layout")),
				rq("visit", "بازدید از زمین", "Site visit", paper("site_visit", "حضور مالک در بازدید", "Owner attends the visit")),
			),
			out: outs(decision("رأی کمیسیون", "Commission decision")),
			permit: permit(2*year,
				refuse("prime_land", "زمین جزو اراضی مرغوب کشاورزی یا باغ است.", "The land is prime farmland or orchard.", actLandUse.at("ماده ۱")),
				refuse("alternative", "زمین غیرکشاورزی جایگزین در منطقه وجود دارد.", "Non-agricultural land is available nearby.", actLandUse.at("ماده ۱")),
			),
			days: 60, vol: 40_000,
			laws: laws(actLandUse.at("ماده ۱")),
		},
		{
			ag: "MAJ", aud: catalog.G2B, fa: "پروانهٔ بهره‌برداری دامداری و مرغداری", en: "Operating licence for livestock and poultry farms",
			desc: "واحدهای دامداری، مرغداری و پرورش آبزیان پس از ساخت، پروانهٔ بهره‌برداری می‌گیرند. کارشناسان جهاد کشاورزی و دامپزشکی از واحد بازدید و پروانه را صادر می‌کنند.",
			kw:   "پروانه دامداری، مجوز مرغداری، گاوداری",
			mode: mVisit, scope: catalog.ScopeProvincial, ev: events("start_business"),
			reqs: reqs(rq("unit", "واحد ساخته‌شده و تأیید بهداشتی", "A built unit with health approval", eFarm, eAnimalHealth, paper("inspection", "بازدید از واحد", "Inspection"))),
			out:  outs(document("پروانهٔ بهره‌برداری", "Operating licence")),
			permit: permit(0,
				refuse("distance", "فاصلهٔ واحد از واحدهای مشابه یا آبادی کمتر از حد مجاز است.", "The unit is too close to similar units or a village.", actVeterinary.whole()),
				refuse("health", "واحد شرایط بهداشتی دامپزشکی را ندارد.", "The unit fails veterinary health conditions.", actVeterinary.whole()),
			),
			days: 30, vol: 10_000,
			laws: laws(actVeterinary.whole(), actBizPermits.whole()),
		},
		{
			ag: "MAJ", fa: "کارت بهره‌برداری کشاورزی", en: "Farmer's card",
			desc: "کشاورزان با ثبت زمین و محصول خود کارت بهره‌برداری می‌گیرند تا از نهاده‌ها، تسهیلات و بیمه بهره‌مند شوند. اطلاعات زمین استعلام و کارشناس پهنه آن را تأیید می‌کند.",
			kw:   "کارت کشاورزی، کارت بهره برداری، نظام نوین کشاورزی",
			mode: mOnline, ev: events("start_business"),
			reqs: reqs(rq("farm", "زمین و محصول", "Land and crop", eIdentity, eFarmLandTitle, declared("crop", "نوع محصول و سطح کشت", "Crop and area"))),
			out:  outs(document("کارت بهره‌برداری", "Farmer's card")),
			days: 15, freq: catalog.Once, vol: 500_000,
			laws: laws(act{"قانون افزایش بهره‌وری بخش کشاورزی و منابع طبیعی", "Agricultural Productivity Act (2010)"}.whole()),
		},
		{
			ag: "MAJ", fa: "تحویل گندم در خرید تضمینی", en: "Selling wheat at the guaranteed price",
			desc: "گندم‌کاران محصول خود را در مراکز خرید تضمینی تحویل می‌دهند. نوبت تحویل برخط گرفته می‌شود، ولی کشاورز محموله را حضوری به مرکز خرید می‌برد و بهای آن به حسابش واریز می‌شود.",
			kw:   "خرید تضمینی گندم، قیمت خرید گندم، مرکز خرید، سیلو",
			mode: mVisit, ev: events("run_business"),
			reqs: reqs(rq("farmer", "کارت بهره‌برداری و تحویل محصول", "Farmer's card and delivery", eFarm, eBankAccount, paper("delivery", "تحویل محموله در مرکز خرید", "Delivering the load"))),
			out:  outs(payment("بهای گندم", "Payment for the wheat")),
			days: 15, freq: catalog.Periodic, vol: 700_000,
			laws: laws(actGuaranteed.whole()),
		},
		{
			ag: "MAJ", fa: "بیمهٔ محصولات کشاورزی", en: "Crop insurance",
			desc: "کشاورزان محصول، دام یا باغ خود را برخط بیمه می‌کنند. در خسارت‌های طبیعی، کارشناس ارزیاب خسارت را بررسی و غرامت پرداخت می‌شود.",
			kw:   "بیمه کشاورزی، صندوق بیمه کشاورزی، خسارت خشکسالی، تگرگ",
			mode: mOnline, ent: true, ev: events("run_business"),
			reqs: reqs(rq("farm", "کارت بهره‌برداری", "Farmer's card", eFarm)),
			out:  outs(document("بیمه‌نامه", "Insurance policy")),
			days: 7, freq: catalog.Periodic, vol: 1_200_000,
			laws: laws(actCropIns.whole()),
		},
		{
			ag: "MAJ", aud: catalog.G2B, fa: "پروانهٔ صید تجاری", en: "Commercial fishing licence",
			desc: "صیادان و شناورهای صیادی برای صید تجاری در آب‌های جنوب و دریای خزر پروانه می‌گیرند. مدارک شناور و صیاد برخط بررسی و پروانه با سهمیهٔ صید صادر می‌شود.",
			kw:   "پروانه صید، صیادی، شیلات، لنج",
			mode: mOnline, ev: events("run_business"),
			reqs: reqs(rq("vessel", "شناور ثبت‌شده و کارت صیادی", "A registered vessel and fisher's card", eIdentity, upload("vessel", "مدارک شناور", "Vessel papers"))),
			out:  outs(document("پروانهٔ صید", "Fishing licence")),
			permit: permit(year,
				refuse("quota", "سهمیهٔ صید منطقه تکمیل شده است.", "The fishing quota for the area is full.", actFisheries.whole()),
				refuse("vessel", "شناور گواهی ایمنی ندارد.", "The vessel has no safety certificate.", actFisheries.whole()),
			),
			days: 15, freq: catalog.Periodic, vol: 20_000,
			laws: laws(actFisheries.whole()),
		},
		{
			ag: "MAJ", aud: catalog.G2B, fa: "گواهی بهداشت گیاهی صادرات", en: "Phytosanitary certificate for exports",
			desc: "صادرکنندگان محصولات کشاورزی برای هر محموله گواهی قرنطینهٔ گیاهی می‌گیرند. نمونه‌برداری و آزمایش انجام و گواهی الکترونیکی برای گمرک فرستاده می‌شود.",
			kw:   "قرنطینه گیاهی، فیتوسانیتری، صادرات میوه",
			mode: mOnline, ev: events("trade"),
			reqs: reqs(rq("shipment", "محموله و نتایج آزمایش", "Shipment and lab results", eTrade, upload("lab", "نتیجهٔ آزمایش", "Lab result"))),
			out:  outs(document("گواهی بهداشت گیاهی", "Phytosanitary certificate")),
			permit: permit(14,
				refuse("pest", "آفت قرنطینه‌ای در نمونه یافت شد.", "A quarantine pest was found.", actPlants.whole()),
				refuse("residue", "باقی‌ماندهٔ سم بیش از حد مجاز کشور مقصد است.", "Pesticide residue exceeds the destination's limit.", actPlants.whole()),
			),
			days: 3, vol: 60_000,
			laws: laws(actPlants.whole()),
		},
		{
			ag: "IVO", aud: catalog.G2B, fa: "گواهی بهداشتی حمل دام و فرآورده‌های دامی", en: "Health certificate for moving livestock and animal products",
			desc: "برای جابه‌جایی دام زنده و فرآورده‌های خام دامی بین شهرها، گواهی بهداشتی حمل لازم است. وضعیت بهداشتی گله و واکسیناسیون خودکار بررسی و گواهی صادر می‌شود.",
			kw:   "گواهی حمل دام، قرنطینه دام، مجوز حمل گوشت",
			mode: mRules, ev: events("run_business"),
			reqs: reqs(rq("herd", "گلهٔ سالم و واکسینه", "A healthy, vaccinated herd", eAnimalHealth, eFarm)),
			out:  outs(document("گواهی بهداشتی حمل", "Transport health certificate")),
			permit: permit(3,
				refuse("outbreak", "منطقهٔ مبدأ در قرنطینهٔ بیماری دامی است.", "The origin is under animal disease quarantine.", actVeterinary.whole()),
				refuse("vaccination", "واکسیناسیون گله کامل نیست.", "The herd's vaccinations are incomplete.", actVeterinary.whole()),
			),
			hours: 2, vol: 3_000_000,
			laws: laws(actVeterinary.whole()),
		},
		{
			ag: "IVO", aud: catalog.G2B, fa: "پروانهٔ مؤسسهٔ دامپزشکی", en: "Licence for a veterinary clinic",
			desc: "دامپزشکان برای تأسیس درمانگاه یا داروخانهٔ دامپزشکی پروانه می‌گیرند. صلاحیت مؤسس و محل بررسی و پس از بازدید پروانه صادر می‌شود.",
			kw:   "مجوز کلینیک دامپزشکی، داروخانه دامپزشکی",
			mode: mVisit, scope: catalog.ScopeProvincial, ev: events("start_business"),
			reqs: reqs(rq("vet", "پروانهٔ دامپزشکی و محل", "Veterinary licence and premises", eVetLicence, paper("inspection", "بازدید از محل", "Inspection"))),
			out:  outs(document("پروانهٔ تأسیس", "Clinic licence")),
			permit: permit(5*year,
				refuse("premises", "محل ضوابط بهداشتی و فنی را ندارد.", "The premises fail health and technical rules.", actVeterinary.whole()),
			),
			days: 30, vol: 1_500,
			laws: laws(actVeterinary.whole()),
		},
	}
}
