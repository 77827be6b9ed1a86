package demo

import (
	"fmt"

	"github.com/panjare/panjare/internal/catalog"
)

// province is one province with its main cities, the capital first.
type province struct {
	code, fa, en string
	cities       [][2]string // {Persian, English}
}

// provinces are Iran's 31 provinces.
func provinces() []province {
	return []province{
		{"THR", "تهران", "Tehran", [][2]string{{"تهران", "Tehran"}, {"اسلامشهر", "Eslamshahr"}, {"شهریار", "Shahriar"}, {"ورامین", "Varamin"}}},
		{"ALB", "البرز", "Alborz", [][2]string{{"کرج", "Karaj"}, {"فردیس", "Fardis"}, {"نظرآباد", "Nazarabad"}, {"هشتگرد", "Hashtgerd"}}},
		{"ISF", "اصفهان", "Isfahan", [][2]string{{"اصفهان", "Isfahan"}, {"کاشان", "Kashan"}, {"خمینی‌شهر", "Khomeyni Shahr"}, {"نجف‌آباد", "Najafabad"}}},
		{"FAR", "فارس", "Fars", [][2]string{{"شیراز", "Shiraz"}, {"مرودشت", "Marvdasht"}, {"جهرم", "Jahrom"}, {"کازرون", "Kazerun"}}},
		{"KHR", "خراسان رضوی", "Razavi Khorasan", [][2]string{{"مشهد", "Mashhad"}, {"نیشابور", "Neyshabur"}, {"سبزوار", "Sabzevar"}, {"تربت حیدریه", "Torbat-e Heydarieh"}}},
		{"KHN", "خراسان شمالی", "North Khorasan", [][2]string{{"بجنورد", "Bojnurd"}, {"شیروان", "Shirvan"}, {"اسفراین", "Esfarayen"}}},
		{"KHS", "خراسان جنوبی", "South Khorasan", [][2]string{{"بیرجند", "Birjand"}, {"قائن", "Qaen"}, {"طبس", "Tabas"}}},
		{"AZE", "آذربایجان شرقی", "East Azerbaijan", [][2]string{{"تبریز", "Tabriz"}, {"مراغه", "Maragheh"}, {"مرند", "Marand"}, {"میانه", "Mianeh"}}},
		{"AZW", "آذربایجان غربی", "West Azerbaijan", [][2]string{{"ارومیه", "Urmia"}, {"خوی", "Khoy"}, {"مهاباد", "Mahabad"}, {"میاندوآب", "Miandoab"}}},
		{"ARD", "اردبیل", "Ardabil", [][2]string{{"اردبیل", "Ardabil"}, {"پارس‌آباد", "Parsabad"}, {"مشگین‌شهر", "Meshginshahr"}}},
		{"GIL", "گیلان", "Gilan", [][2]string{{"رشت", "Rasht"}, {"بندر انزلی", "Bandar-e Anzali"}, {"لاهیجان", "Lahijan"}, {"لنگرود", "Langarud"}}},
		{"MZN", "مازندران", "Mazandaran", [][2]string{{"ساری", "Sari"}, {"بابل", "Babol"}, {"آمل", "Amol"}, {"قائم‌شهر", "Qaemshahr"}}},
		{"GLS", "گلستان", "Golestan", [][2]string{{"گرگان", "Gorgan"}, {"گنبد کاووس", "Gonbad-e Kavus"}, {"علی‌آباد کتول", "Aliabad-e Katul"}}},
		{"SMN", "سمنان", "Semnan", [][2]string{{"سمنان", "Semnan"}, {"شاهرود", "Shahrud"}, {"دامغان", "Damghan"}, {"گرمسار", "Garmsar"}}},
		{"QOM", "قم", "Qom", [][2]string{{"قم", "Qom"}, {"قنوات", "Qanavat"}, {"جعفریه", "Jafarieh"}}},
		{"MKZ", "مرکزی", "Markazi", [][2]string{{"اراک", "Arak"}, {"ساوه", "Saveh"}, {"خمین", "Khomein"}, {"محلات", "Mahallat"}}},
		{"QZV", "قزوین", "Qazvin", [][2]string{{"قزوین", "Qazvin"}, {"تاکستان", "Takestan"}, {"آبیک", "Abyek"}}},
		{"ZNJ", "زنجان", "Zanjan", [][2]string{{"زنجان", "Zanjan"}, {"ابهر", "Abhar"}, {"خرمدره", "Khorramdarreh"}}},
		{"HMD", "همدان", "Hamadan", [][2]string{{"همدان", "Hamadan"}, {"ملایر", "Malayer"}, {"نهاوند", "Nahavand"}}},
		{"KRD", "کردستان", "Kurdistan", [][2]string{{"سنندج", "Sanandaj"}, {"سقز", "Saqqez"}, {"مریوان", "Marivan"}, {"بانه", "Baneh"}}},
		{"KSH", "کرمانشاه", "Kermanshah", [][2]string{{"کرمانشاه", "Kermanshah"}, {"اسلام‌آباد غرب", "Eslamabad-e Gharb"}, {"کنگاور", "Kangavar"}}},
		{"LRS", "لرستان", "Lorestan", [][2]string{{"خرم‌آباد", "Khorramabad"}, {"بروجرد", "Borujerd"}, {"دورود", "Dorud"}, {"الیگودرز", "Aligudarz"}}},
		{"ILM", "ایلام", "Ilam", [][2]string{{"ایلام", "Ilam"}, {"دهلران", "Dehloran"}, {"ایوان", "Eyvan"}}},
		{"KHZ", "خوزستان", "Khuzestan", [][2]string{{"اهواز", "Ahvaz"}, {"آبادان", "Abadan"}, {"دزفول", "Dezful"}, {"خرمشهر", "Khorramshahr"}}},
		{"KBA", "کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad", [][2]string{{"یاسوج", "Yasuj"}, {"دوگنبدان", "Dogonbadan"}, {"دهدشت", "Dehdasht"}}},
		{"CHB", "چهارمحال و بختیاری", "Chaharmahal and Bakhtiari", [][2]string{{"شهرکرد", "Shahrekord"}, {"بروجن", "Borujen"}, {"فارسان", "Farsan"}}},
		{"BSH", "بوشهر", "Bushehr", [][2]string{{"بوشهر", "Bushehr"}, {"برازجان", "Borazjan"}, {"بندر گناوه", "Bandar-e Genaveh"}, {"کنگان", "Kangan"}}},
		{"HRM", "هرمزگان", "Hormozgan", [][2]string{{"بندرعباس", "Bandar Abbas"}, {"بندر لنگه", "Bandar Lengeh"}, {"میناب", "Minab"}, {"قشم", "Qeshm"}}},
		{"KRN", "کرمان", "Kerman", [][2]string{{"کرمان", "Kerman"}, {"رفسنجان", "Rafsanjan"}, {"سیرجان", "Sirjan"}, {"بم", "Bam"}}},
		{"SIB", "سیستان و بلوچستان", "Sistan and Baluchestan", [][2]string{{"زاهدان", "Zahedan"}, {"زابل", "Zabol"}, {"چابهار", "Chabahar"}, {"ایرانشهر", "Iranshahr"}}},
		{"YZD", "یزد", "Yazd", [][2]string{{"یزد", "Yazd"}, {"میبد", "Meybod"}, {"اردکان", "Ardakan"}, {"بافق", "Bafq"}}},
	}
}

// The two pilot cities (شهرهای هدف, seed 002), where new services roll out
// first: Urmia and Yazd, provincial capitals of middle size in two different
// parts of the country.
const (
	PilotUrmia = "AZW-01"
	PilotYazd  = "YZD-01"
)

// Regions returns the 31 provinces, each followed by its cities; the first
// city of each province is its capital, and two cities are pilots.
func Regions() []catalog.Region {
	var out []catalog.Region
	for _, p := range provinces() {
		out = append(out, catalog.Region{Code: p.code, NameFa: "استان " + p.fa, NameEn: p.en + " Province", Kind: catalog.Province})
		for i, c := range p.cities {
			code := fmt.Sprintf("%s-%02d", p.code, i+1)
			out = append(out, catalog.Region{
				Code: code, NameFa: c[0], NameEn: c[1], Kind: catalog.City, Province: p.code,
				Capital: i == 0, Pilot: code == PilotUrmia || code == PilotYazd,
			})
		}
	}
	return out
}
