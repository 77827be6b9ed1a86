package search

import "strings"

// synonymGroup is one meaning and the ways people ask for it. A query phrase
// that is one of Same is searched as every phrase of Same (they are
// equivalent, both ways); a phrase in From is searched as itself and every
// phrase of Same, but not the other way round, because it is colloquial,
// misspelt, English or broader than the official name.
//
// Phrases are written as people type them; they are folded and analysed
// exactly like the query, so «گواهی‌نامه», «گواهی نامه» and «گواهینامه»
// all match the same entry.
type synonymGroup struct {
	Same []string
	From []string
}

// synonymTable is the table of synonyms. Misspellings in From are on
// purpose: they are what people type.
var synonymTable = []synonymGroup{
	{Same: []string{"گذرنامه"}, From: []string{"پاسپورت", "پاس پورت", "passport"}},
	{Same: []string{"گواهینامه رانندگی", "driving licence", "driving license", "driver's license"},
		From: []string{"گواهینامه", "لایسنس", "licence", "license"}},
	{Same: []string{"گواهی عدم سوء پیشینه", "عدم سوء پیشینه", "سوء پیشینه"},
		From: []string{"سوپیشینه", "سو پیشینه", "عدم سو پیشینه", "criminal record", "police clearance"}},
	{Same: []string{"کارت ملی", "کارت هوشمند ملی"}, From: []string{"national card", "national id card", "id card"}},
	{Same: []string{"شناسنامه"}, From: []string{"birth certificate", "شناسنامه عکس‌دار"}},
	{Same: []string{"سند خودرو", "سند ماشین", "نقل و انتقال خودرو", "انتقال سند خودرو"},
		From: []string{"vehicle ownership", "car ownership", "vehicle transfer"}},
	{Same: []string{"خودرو", "ماشین", "اتومبیل"}, From: []string{"car", "vehicle"}},
	{Same: []string{"پایان کار", "پروانه ساخت", "جواز ساخت"}, From: []string{"building permit", "construction permit"}},
	{Same: []string{"جواز کسب", "پروانه کسب"}, From: []string{"مجوز کسب", "مجوز کسب و کار", "جواز کسب و کار", "پروانه کسب و کار",
		"مجوز کاسبی", "جواز کاسبی", "مجوز مغازه", "جواز مغازه", "مجوز صنفی", "پروانه صنفی", "business licence", "business license",
		"business permit", "trade licence", "shop licence", "shop license"}},
	{Same: []string{"مشاغل"}, From: []string{"مغازه", "کاسب", "کسبه", "کاسبی"}},
	{Same: []string{"بیمه", "دفترچه بیمه", "بیمه درمانی"}, From: []string{"insurance", "health insurance", "دفترچه"}},
	{Same: []string{"یارانه", "کالابرگ"}, From: []string{"subsidy", "سبسید", "یارانه نقدی"}},
	{Same: []string{"بازنشستگی", "مستمری", "حقوق بازنشستگی"}, From: []string{"pension", "retirement", "بازنشسته"}},
	{Same: []string{"مالیات", "مفاصا حساب", "مفاصاحساب مالیاتی"}, From: []string{"tax", "tax clearance", "مالیاتی"}},
	{Same: []string{"ثبت شرکت", "تأسیس شرکت"}, From: []string{"company registration", "register a company", "incorporation"}},
	{Same: []string{"ازدواج", "عقد", "ثبت ازدواج"}, From: []string{"marriage", "wedding", "عروسی"}},
	{Same: []string{"مدرک تحصیلی", "دانشنامه"}, From: []string{"degree", "diploma", "مدرک دانشگاهی"}},
	{Same: []string{"نظام وظیفه", "خدمت وظیفه عمومی", "سربازی", "خدمت سربازی", "کارت پایان خدمت"},
		From: []string{"خدمت", "military service", "conscription"}},
	{Same: []string{"گواهی فوت", "جواز دفن"}, From: []string{"death certificate", "فوت"}},
	{Same: []string{"انحصار وراثت", "گواهی انحصار وراثت"}, From: []string{"وراثت", "ارث", "inheritance"}},
	{Same: []string{"طلاق"}, From: []string{"divorce", "جدایی"}},
	{Same: []string{"انشعاب برق", "برق"}, From: []string{"electricity", "کنتور برق"}},
	{Same: []string{"انشعاب گاز", "گاز"}, From: []string{"gas", "کنتور گاز"}},
	{Same: []string{"انشعاب آب", "آب"}, From: []string{"water", "کنتور آب"}},
	{Same: []string{"کد پستی"}, From: []string{"postal code", "postcode", "zip code", "کدپستی"}},
	{Same: []string{"بیمه بیکاری", "مقرری بیکاری"}, From: []string{"unemployment benefit", "بیکاری"}},
	{Same: []string{"سند مالکیت", "سند تک‌برگ", "سند ملک"}, From: []string{"title deed", "سند خانه", "سند آپارتمان"}},
	{Same: []string{"روادید", "ویزا"}, From: []string{"visa"}},
	{Same: []string{"کارت سلامت", "کارت بهداشت"}, From: []string{"health card"}},
	{Same: []string{"پلاک خودرو", "شماره‌گذاری خودرو"}, From: []string{"پلاک", "number plate", "license plate"}},
	{Same: []string{"خلافی خودرو", "جریمه رانندگی"}, From: []string{"خلافی", "جریمه", "traffic fine"}},
	{Same: []string{"ترخیص کالا", "گمرک"}, From: []string{"customs", "ترخیص"}},
	{Same: []string{"شکایت", "دادخواست"}, From: []string{"complaint", "lawsuit", "شکواییه", "شکایات", "اعتراض"}},
	{Same: []string{"ابلاغیهٔ الکترونیکی", "ثنا"}, From: []string{"ابلاغیه الکترونیک", "ابلاغیه", "sana"}},
	{Same: []string{"اجاره‌نامه", "قرارداد اجاره"}, From: []string{"rental agreement", "rent contract", "rental contract", "tenancy agreement", "lease", "rent", "اجاره", "اجاره خونه"}},
	{Same: []string{"کارت بازرگانی"}, From: []string{"import licence", "trading card", "commercial card"}},
	{Same: []string{"وام", "تسهیلات"}, From: []string{"loan", "قرض"}},
	{Same: []string{"موتورسیکلت", "موتور سیکلت"}, From: []string{"موتور", "motorcycle", "motorbike"}},
	{Same: []string{"گوشی", "تلفن همراه", "موبایل"}, From: []string{"mobile phone", "phone", "mobile", "گوشی موبایل"}},
	{Same: []string{"سیم کارت"}, From: []string{"sim card", "sim"}},
	{Same: []string{"کارت سوخت"}, From: []string{"کارت بنزین", "fuel card", "petrol card"}},
	{Same: []string{"مهدکودک", "مهد کودک"}, From: []string{"مهد", "kindergarten", "nursery"}},
	{Same: []string{"مهریه"}, From: []string{"مهر", "dowry", "mahr"}},
	{Same: []string{"چک"}, From: []string{"cheque", "check"}},
	{Same: []string{"خانه", "منزل", "ملک"}, From: []string{"خونه", "آپارتمان", "house", "home"}},
	{Same: []string{"اربعین", "عتبات", "کربلا"}, From: []string{"زیارت", "زیارتی", "pilgrimage"}},
	{Same: []string{"کنکور", "آزمون سراسری"}, From: []string{"entrance exam", "university entrance"}},
}

// maxPhrase is the longest phrase in words that the table is searched for.
const maxPhrase = 5

// phrase is one phrase of the table, analysed.
type phrase struct {
	words []string // as the query analyzer turns them out, stop words kept
	group int      // index into synonymTable
}

// synonyms is the table analysed for lookup: every phrase by its words
// glued together, so that spacing and ZWNJ do not matter.
type synonyms struct {
	byKey  map[string]phrase
	groups [][][]string // per group, the analysed words of each phrase of Same

	latin    map[string]bool // the table's words in Latin letters: English, never Finglish
	readings readings        // the table's Persian words by skeleton, for Finglish
}

func newSynonyms(x *Index) *synonyms {
	s := &synonyms{byKey: map[string]phrase{}, groups: make([][][]string, len(synonymTable)),
		latin: map[string]bool{}, readings: readings{}}
	learn := func(ws []string) {
		for _, w := range ws {
			if isLatin(w) {
				s.latin[w] = true
			} else if !x.stop(w) {
				s.readings.add(w)
			}
		}
	}
	for g, grp := range synonymTable {
		for _, p := range grp.Same {
			w := x.words(p)
			learn(w)
			s.groups[g] = append(s.groups[g], w)
			s.byKey[strings.Join(w, "")] = phrase{words: w, group: g}
		}
		for _, p := range grp.From {
			w := x.words(p)
			learn(w)
			s.byKey[strings.Join(w, "")] = phrase{words: w, group: g}
		}
	}
	return s
}

// span is a run of query words [from, to) that matched a phrase of group.
type span struct {
	from, to int
	group    int
}

// find returns the phrases of the table found in words, longest first from
// the left, without overlaps.
func (s *synonyms) find(words []string) []span {
	var out []span
	for i := 0; i < len(words); {
		found := false
		for j := min(len(words), i+maxPhrase); j > i; j-- {
			if p, ok := s.byKey[strings.Join(words[i:j], "")]; ok {
				out = append(out, span{from: i, to: j, group: p.group})
				i, found = j, true
				break
			}
		}
		if !found {
			i++
		}
	}
	return out
}
