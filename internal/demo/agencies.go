package demo

import "github.com/panjare/panjare/internal/catalog"

// Agencies returns the demo agencies, parents before their children. Most are
// connected to the window; a few are not yet, as in the real rollout, so that
// the dashboards have gaps to show.
func Agencies() []catalog.Agency {
	a := func(code, fa, en, parent string, d catalog.Domain, connected bool, web, desc string) catalog.Agency {
		return catalog.Agency{Code: code, NameFa: fa, NameEn: en, Parent: parent, Domain: d,
			Connected: connected, Website: web, Description: desc}
	}
	return []catalog.Agency{
		// Civil registration and the interior.
		a("MOI", "وزارت کشور", "Ministry of Interior", "", catalog.DomainCivil, true, "https://www.moi.ir",
			"سیاست‌گذاری امور داخلی کشور، استانداری‌ها، ثبت احوال و امور اتباع خارجی."),
		a("NOCR", "سازمان ثبت احوال کشور", "National Organization for Civil Registration", "MOI", catalog.DomainCivil, true, "https://www.sabteahval.ir",
			"ثبت ولادت، ازدواج، طلاق و فوت، صدور شناسنامه و کارت هوشمند ملی و نگهداری پایگاه اطلاعات هویتی ایرانیان."),
		a("BAFIA", "ادارهٔ کل امور اتباع و مهاجرین خارجی", "Bureau for Aliens and Foreign Immigrants Affairs", "MOI", catalog.DomainCivil, true, "",
			"ساماندهی اقامت، کار و تحصیل اتباع خارجی و پناهندگان در ایران."),

		// Police.
		a("FARAJA", "فرماندهی انتظامی جمهوری اسلامی ایران (فراجا)", "Law Enforcement Command of the Islamic Republic of Iran", "", catalog.DomainPolice, true, "https://police.ir",
			"حفظ نظم و امنیت عمومی، پیشگیری و کشف جرم و ارائهٔ خدمات انتظامی به مردم از راه دفاتر پلیس +۱۰."),
		a("FARAJA_PASS", "پلیس مهاجرت و گذرنامهٔ فراجا", "Immigration and Passport Police", "FARAJA", catalog.DomainPolice, true, "https://epolice.ir",
			"صدور گذرنامه و روادید خروج و کنترل تردد از مرزهای کشور."),
		a("FARAJA_RAHVAR", "پلیس راهور فراجا", "Traffic Police", "FARAJA", catalog.DomainTransport, true, "https://rahvar120.ir",
			"صدور گواهینامهٔ رانندگی، شماره‌گذاری و نقل و انتقال خودرو، ثبت تخلفات و جریمه‌های رانندگی."),
		a("FARAJA_NV", "سازمان وظیفهٔ عمومی فراجا", "General Conscription Organization", "FARAJA", catalog.DomainPolice, true, "https://vazifeh.police.ir",
			"اعزام مشمولان به خدمت، رسیدگی به معافیت‌ها و صدور کارت پایان خدمت."),

		// Judiciary.
		a("JUDICIARY", "قوهٔ قضاییه", "Judiciary of the Islamic Republic of Iran", "", catalog.DomainJudicial, true, "https://www.judiciary.ir",
			"رسیدگی به دعاوی و شکایات، صدور احکام و نظارت بر اجرای قوانین."),
		a("JUDICIARY_IT", "مرکز آمار و فناوری اطلاعات قوهٔ قضاییه", "Judiciary Statistics and IT Centre", "JUDICIARY", catalog.DomainJudicial, true, "https://adliran.ir",
			"ادارهٔ سامانهٔ ثنا، ابلاغ الکترونیکی، پروندهٔ الکترونیکی قضایی و استعلام‌های قضایی."),
		a("SSAA", "سازمان ثبت اسناد و املاک کشور", "Deeds and Property Registration Organization", "JUDICIARY", catalog.DomainLand, true, "https://ssaa.ir",
			"ثبت املاک و صدور سند مالکیت، نظارت بر دفاتر اسناد رسمی و ازدواج و طلاق، ثبت شرکت‌ها و مالکیت فکری."),
		a("DRC", "مرکز ملی شوراهای حل اختلاف", "Dispute Resolution Councils", "JUDICIARY", catalog.DomainJudicial, true, "",
			"رسیدگی به دعاوی کوچک، صلح و سازش و صدور گواهی انحصار وراثت."),
		a("LMO", "سازمان پزشکی قانونی کشور", "Legal Medicine Organization", "JUDICIARY", catalog.DomainJudicial, false, "https://lmo.ir",
			"معاینات و کارشناسی پزشکی قانونی برای مراجع قضایی و مردم."),

		// Economy, tax, customs and money.
		a("MEFA", "وزارت امور اقتصادی و دارایی", "Ministry of Economic Affairs and Finance", "", catalog.DomainBanking, true, "https://mefa.ir",
			"سیاست‌گذاری اقتصادی و مالی، مالیات، گمرک و درگاه ملی مجوزها."),
		a("INTA", "سازمان امور مالیاتی کشور", "Iranian National Tax Administration", "MEFA", catalog.DomainTax, true, "https://intamedia.ir",
			"وصول مالیات‌های مستقیم و مالیات بر ارزش افزوده و ادارهٔ سامانهٔ مؤدیان."),
		a("IRICA", "گمرک جمهوری اسلامی ایران", "Islamic Republic of Iran Customs Administration", "MEFA", catalog.DomainTax, true, "https://irica.ir",
			"ترخیص کالا، وصول حقوق ورودی و نظارت بر صادرات، واردات و ترانزیت."),
		a("CBI", "بانک مرکزی جمهوری اسلامی ایران", "Central Bank of the Islamic Republic of Iran", "", catalog.DomainBanking, true, "https://cbi.ir",
			"سیاست پولی و ارزی، نظارت بر بانک‌ها و ادارهٔ سامانه‌های صیاد و سمات."),

		// Health.
		a("MOHME", "وزارت بهداشت، درمان و آموزش پزشکی", "Ministry of Health and Medical Education", "", catalog.DomainHealth, true, "https://behdasht.gov.ir",
			"سیاست‌گذاری سلامت، صدور پروانهٔ مؤسسات پزشکی و نظارت بر بیمارستان‌ها و دانشگاه‌های علوم پزشکی."),
		a("IHIO", "سازمان بیمهٔ سلامت ایران", "Iran Health Insurance Organization", "MOHME", catalog.DomainHealth, true, "https://ihio.gov.ir",
			"بیمهٔ درمانی همگانی، روستاییان، کارکنان دولت و اقشار خاص و خرید راهبردی خدمات سلامت."),
		a("IFDA", "سازمان غذا و دارو", "Iran Food and Drug Administration", "MOHME", catalog.DomainHealth, true, "https://fda.gov.ir",
			"صدور پروانهٔ داروخانه‌ها و تولیدکنندگان دارو، غذا و تجهیزات پزشکی و نظارت بر کیفیت آن‌ها."),

		// Welfare and labour.
		a("MCLS", "وزارت تعاون، کار و رفاه اجتماعی", "Ministry of Cooperatives, Labour and Social Welfare", "", catalog.DomainLabour, true, "https://mcls.gov.ir",
			"سیاست‌گذاری کار، اشتغال، تعاون و رفاه اجتماعی و ادارهٔ پایگاه اطلاعات رفاه ایرانیان."),
		a("SSO", "سازمان تأمین اجتماعی", "Social Security Organization", "MCLS", catalog.DomainWelfare, true, "https://www.tamin.ir",
			"بیمهٔ اجتماعی کارگران و صاحبان حرف و مشاغل آزاد، مستمری بازنشستگی، ازکارافتادگی و بازماندگان و درمان بیمه‌شدگان."),
		a("CSPF", "صندوق بازنشستگی کشوری", "Civil Servants Pension Fund", "MCLS", catalog.DomainWelfare, true, "https://cspf.ir",
			"برقراری و پرداخت حقوق بازنشستگی و وظیفهٔ کارکنان بازنشستهٔ دولت و خانواده‌های آنان."),
		a("TSO", "سازمان هدفمندسازی یارانه‌ها", "Targeted Subsidies Organization", "MCLS", catalog.DomainWelfare, true, "https://hadafmandi.ir",
			"ثبت‌نام و پرداخت یارانهٔ نقدی و کالابرگ به خانوارها."),
		a("SWO", "سازمان بهزیستی کشور", "State Welfare Organization", "MCLS", catalog.DomainWelfare, true, "https://behzisti.ir",
			"حمایت از افراد دارای معلولیت، کودکان بی‌سرپرست و زنان سرپرست خانوار و صدور پروانهٔ مراکز توانبخشی."),
		a("TVTO", "سازمان آموزش فنی و حرفه‌ای کشور", "Technical and Vocational Training Organization", "MCLS", catalog.DomainLabour, true, "https://portal.irantvto.ir",
			"آموزش مهارت و صدور گواهی‌نامهٔ مهارت فنی و حرفه‌ای."),
		a("IKRF", "کمیتهٔ امداد امام خمینی (ره)", "Imam Khomeini Relief Foundation", "", catalog.DomainWelfare, false, "https://emdad.ir",
			"حمایت معیشتی از خانواده‌های نیازمند و توانمندسازی آنان."),
		a("AREO", "سازمان اداری و استخدامی کشور", "Administrative and Recruitment Organization", "", catalog.DomainLabour, true, "https://www.aro.gov.ir",
			"نظام اداری، استخدام در دستگاه‌های اجرایی و پایش کیفیت خدمات دولت."),

		// Education.
		a("MOE", "وزارت آموزش و پرورش", "Ministry of Education", "", catalog.DomainEducation, true, "https://medu.ir",
			"آموزش عمومی در مدارس، ثبت‌نام دانش‌آموزان و صدور مدارک تحصیلی دوره‌های ابتدایی و متوسطه."),
		a("MSRT", "وزارت علوم، تحقیقات و فناوری", "Ministry of Science, Research and Technology", "", catalog.DomainEducation, true, "https://www.msrt.ir",
			"آموزش عالی، تأیید مدارک دانشگاهی و امور دانشجویان داخل و خارج از کشور."),
		a("SANJESH", "سازمان سنجش آموزش کشور", "National Organization of Educational Testing", "MSRT", catalog.DomainEducation, true, "https://www.sanjesh.org",
			"برگزاری آزمون سراسری (کنکور)، کارشناسی ارشد، دکتری و آزمون‌های استخدامی."),

		// Commerce and industry.
		a("MIMT", "وزارت صنعت، معدن و تجارت", "Ministry of Industry, Mine and Trade", "", catalog.DomainIndustry, true, "https://mimt.gov.ir",
			"صدور مجوزهای صنعتی و معدنی، نظارت بر اصناف و بازرگانی داخلی و خارجی."),
		a("TPO", "سازمان توسعهٔ تجارت ایران", "Trade Promotion Organization of Iran", "MIMT", catalog.DomainCommerce, true, "https://tpo.ir",
			"ثبت سفارش کالا، توسعهٔ صادرات و سامانهٔ جامع تجارت."),
		a("ICCIMA", "اتاق بازرگانی، صنایع، معادن و کشاورزی ایران", "Iran Chamber of Commerce, Industries, Mines and Agriculture", "", catalog.DomainCommerce, true, "https://iccima.ir",
			"صدور کارت بازرگانی و گواهی مبدأ و نمایندگی بخش خصوصی."),
		a("INSO", "سازمان ملی استاندارد ایران", "Iranian National Standards Organization", "", catalog.DomainIndustry, true, "https://inso.gov.ir",
			"تدوین استانداردهای ملی، صدور پروانهٔ کاربرد نشان استاندارد و بازرسی کالاهای وارداتی."),

		// Transport, housing and municipal.
		a("MRUD", "وزارت راه و شهرسازی", "Ministry of Roads and Urban Development", "", catalog.DomainHousing, true, "https://www.mrud.ir",
			"راه‌ها، حمل‌ونقل، مسکن و طرح‌های توسعهٔ شهری."),
		a("RMTO", "سازمان راهداری و حمل‌ونقل جاده‌ای", "Road Maintenance and Transportation Organization", "MRUD", catalog.DomainTransport, true, "https://www.rmto.ir",
			"صدور کارت هوشمند ناوگان و رانندگان حمل‌ونقل عمومی جاده‌ای و بارنامه."),
		a("CAO", "سازمان هواپیمایی کشوری", "Civil Aviation Organization", "MRUD", catalog.DomainTransport, true, "https://www.cao.ir",
			"صدور گواهی‌نامه‌های هوانوردی و مجوز شرکت‌های هواپیمایی و دفاتر خدمات مسافرتی هوایی."),
		a("TACI", "کانون جهانگردی و اتومبیلرانی جمهوری اسلامی ایران", "Touring and Automobile Club of the Islamic Republic of Iran", "", catalog.DomainTransport, false, "https://www.taci.ir",
			"صدور گواهینامهٔ بین‌المللی رانندگی و دفترچهٔ عبور خودرو (کارنه)."),
		a("TEHRAN_MUN", "شهرداری تهران", "Tehran Municipality", "", catalog.DomainMunicipal, true, "https://tehran.ir",
			"صدور پروانهٔ ساختمانی و پایان کار، عوارض شهری، معاینهٔ فنی خودرو و خدمات شهری در شهر تهران."),

		// Military service, foreign affairs, culture.
		a("MFA", "وزارت امور خارجه", "Ministry of Foreign Affairs", "", catalog.DomainForeign, true, "https://mfa.ir",
			"امور کنسولی ایرانیان خارج از کشور، تأیید اسناد و صدور روادید برای اتباع خارجی."),
		a("MCIG", "وزارت فرهنگ و ارشاد اسلامی", "Ministry of Culture and Islamic Guidance", "", catalog.DomainCulture, true, "https://www.farhang.gov.ir",
			"صدور مجوز نشر کتاب، نشریات، مؤسسات فرهنگی و هنری و فعالیت رسانه‌های برخط."),
		a("HAJJ", "سازمان حج و زیارت", "Hajj and Pilgrimage Organization", "MCIG", catalog.DomainCulture, true, "https://www.haj.ir",
			"ثبت‌نام و اعزام زائران حج و عتبات عالیات."),
		a("MCTH", "وزارت میراث فرهنگی، گردشگری و صنایع‌دستی", "Ministry of Cultural Heritage, Tourism and Handicrafts", "", catalog.DomainCulture, false, "https://mcth.ir",
			"حفاظت از آثار تاریخی، صدور مجوز تأسیسات گردشگری، دفاتر خدمات مسافرتی و راهنمایان گردشگری."),

		// Agriculture, energy, communications, environment.
		a("MAJ", "وزارت جهاد کشاورزی", "Ministry of Agriculture Jihad", "", catalog.DomainAgriculture, true, "https://www.maj.ir",
			"صدور مجوزهای کشاورزی، دامپروری و شیلات، حفظ کاربری اراضی و حمایت از بهره‌برداران."),
		a("IVO", "سازمان دامپزشکی کشور", "Iran Veterinary Organization", "MAJ", catalog.DomainAgriculture, true, "https://ivo.ir",
			"بهداشت دام و فرآورده‌های دامی و صدور پروانه‌های دامپزشکی."),
		a("MOP", "وزارت نفت", "Ministry of Petroleum", "", catalog.DomainEnergy, true, "https://www.mop.ir",
			"نفت، گاز و فرآورده‌های نفتی."),
		a("NIGC", "شرکت ملی گاز ایران", "National Iranian Gas Company", "MOP", catalog.DomainEnergy, true, "https://nigc.ir",
			"گازرسانی به خانه‌ها و صنایع، انشعاب و قبض گاز."),
		a("NIOPDC", "شرکت ملی پخش فرآورده‌های نفتی ایران", "National Iranian Oil Products Distribution Company", "MOP", catalog.DomainEnergy, true, "https://niopdc.ir",
			"توزیع سوخت و صدور کارت هوشمند سوخت."),
		a("MOEN", "وزارت نیرو", "Ministry of Energy", "", catalog.DomainEnergy, true, "https://moe.gov.ir",
			"آب و برق کشور."),
		a("TAVANIR", "شرکت مادرتخصصی توانیر", "Tavanir (power generation, transmission and distribution)", "MOEN", catalog.DomainEnergy, true, "https://tavanir.org.ir",
			"تولید، انتقال و توزیع برق از راه شرکت‌های توزیع نیروی برق و انشعاب و قبض برق."),
		a("ABFA", "شرکت مهندسی آب و فاضلاب کشور", "National Water and Wastewater Engineering Company", "MOEN", catalog.DomainEnergy, true, "https://abfa.ir",
			"آب شرب و فاضلاب شهری و روستایی از راه شرکت‌های آبفای استان‌ها."),
		a("ICT", "وزارت ارتباطات و فناوری اطلاعات", "Ministry of Information and Communications Technology", "", catalog.DomainCommunication, true, "https://ict.gov.ir",
			"ارتباطات، شبکهٔ ملی اطلاعات و دولت هوشمند."),
		a("CRA", "سازمان تنظیم مقررات و ارتباطات رادیویی", "Communications Regulatory Authority", "ICT", catalog.DomainCommunication, true, "https://www.cra.ir",
			"صدور پروانهٔ خدمات ارتباطی و فرکانس، رجیستری تلفن همراه و سامانهٔ شاهکار."),
		a("POST", "شرکت ملی پست جمهوری اسلامی ایران", "Iran Post", "ICT", catalog.DomainCommunication, true, "https://post.ir",
			"پست، کد پستی و نشانی و تحویل مدارک دولتی."),
		a("DOE", "سازمان حفاظت محیط زیست", "Department of Environment", "", catalog.DomainEnvironment, false, "https://www.doe.ir",
			"حفاظت از طبیعت و حیات وحش، ارزیابی اثرات زیست‌محیطی و صدور پروانهٔ شکار و صید."),
	}
}
