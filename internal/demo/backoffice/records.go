package backoffice

import (
	"fmt"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/persian"
)

// The records each agency holds about the demo people, derived
// deterministically from the person's place in the population, so that the
// same person always has the same degree, car or record.

// asOf is the date the demo data describes: fixed, so that no answer ever
// depends on the clock.
var asOf = day(2025, time.November, 1)

// dateJSON is a date as the back offices write it: Gregorian ISO and Jalali.
type dateJSON struct {
	Date   string `json:"date"`
	Jalali string `json:"jalali"`
}

func dateOf(t time.Time) dateJSON {
	return dateJSON{Date: t.Format(time.DateOnly), Jalali: persian.JalaliNumeric(t)}
}

func datePtr(t *time.Time) *dateJSON {
	if t == nil {
		return nil
	}
	d := dateOf(*t)
	return &d
}

// ---- civil registration (NOCR) ----

type identityRecord struct {
	NationalCode string    `json:"national_code"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	FatherName   string    `json:"father_name"`
	Sex          string    `json:"sex"`
	BirthDate    dateJSON  `json:"birth_date"`
	BirthPlace   string    `json:"birth_place"`
	Alive        bool      `json:"alive"`
	DeathDate    *dateJSON `json:"death_date,omitempty"`
}

func identityOf(p *Person) identityRecord {
	return identityRecord{NationalCode: p.NationalCode, FirstName: p.FirstName, LastName: p.LastName, FatherName: p.FatherName,
		Sex: p.Sex, BirthDate: dateOf(p.BirthDate), BirthPlace: p.BirthPlace, Alive: p.Alive(), DeathDate: datePtr(p.Deceased)}
}

type aliveRecord struct {
	NationalCode string    `json:"national_code"`
	Alive        bool      `json:"alive"`
	DeathDate    *dateJSON `json:"death_date,omitempty"`
	AsOf         dateJSON  `json:"as_of"`
}

type relative struct {
	Relation     string   `json:"relation"` // father, mother, spouse, child
	NationalCode string   `json:"national_code"`
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	BirthDate    dateJSON `json:"birth_date"`
	Alive        bool     `json:"alive"`
}

type familyRecord struct {
	NationalCode string     `json:"national_code"`
	Relatives    []relative `json:"relatives"`
}

func familyOf(ps *People, p *Person) familyRecord {
	out := familyRecord{NationalCode: p.NationalCode, Relatives: []relative{}}
	add := func(rel, code string) {
		if r := ps.Get(code); r != nil {
			out.Relatives = append(out.Relatives, relative{Relation: rel, NationalCode: r.NationalCode, FirstName: r.FirstName,
				LastName: r.LastName, BirthDate: dateOf(r.BirthDate), Alive: r.Alive()})
		}
	}
	add("father", p.Father)
	add("mother", p.Mother)
	add("spouse", p.Spouse)
	for _, c := range p.Children {
		add("child", c)
	}
	return out
}

type maritalRecord struct {
	NationalCode string `json:"national_code"`
	Status       string `json:"status"` // single, married, widowed
	StatusFa     string `json:"status_fa"`
	Spouse       string `json:"spouse_national_code,omitempty"`
}

func maritalOf(ps *People, p *Person) maritalRecord {
	r := maritalRecord{NationalCode: p.NationalCode, Status: "single", StatusFa: "مجرد"}
	if s := ps.Get(p.Spouse); s != nil {
		r.Status, r.StatusFa, r.Spouse = "married", "متأهل", s.NationalCode
		if !s.Alive() && p.Alive() {
			r.Status, r.StatusFa, r.Spouse = "widowed", "همسر فوت‌شده", ""
		}
	}
	return r
}

type deathRecord struct {
	NationalCode string    `json:"national_code"`
	Registered   bool      `json:"registered"`
	DeathDate    *dateJSON `json:"death_date,omitempty"`
	Certificate  string    `json:"certificate_number,omitempty"`
}

func deathOf(ps *People, p *Person) deathRecord {
	r := deathRecord{NationalCode: p.NationalCode, Registered: !p.Alive(), DeathDate: datePtr(p.Deceased)}
	if !p.Alive() {
		r.Certificate = fmt.Sprintf("%d-%06d", p.Deceased.Year(), 1000+ps.index(p)*37)
	}
	return r
}

// ---- police (FARAJA) ----

type conviction struct {
	OffenceFa string   `json:"offence_fa"`
	OffenceEn string   `json:"offence_en"`
	Court     string   `json:"court"`
	Date      dateJSON `json:"date"`
	Sentence  string   `json:"sentence"`
	Effective bool     `json:"effective"` // a conviction that still bars public office (محکومیت مؤثر)
}

type criminalRecord struct {
	NationalCode string       `json:"national_code"`
	Clean        bool         `json:"clean"`
	Convictions  []conviction `json:"convictions"`
	IssuedAt     dateJSON     `json:"issued_at"`
}

// convicted are the people (by place in the population) with a record.
var convicted = map[int]conviction{
	4: {OffenceFa: "کلاهبرداری", OffenceEn: "Fraud", Court: "دادگاه کیفری دو تهران، شعبهٔ ۱۰۴",
		Date: dateOf(day(2019, time.May, 12)), Sentence: "دو سال حبس و ردّ مال", Effective: true},
	17: {OffenceFa: "رانندگی بدون گواهینامه", OffenceEn: "Driving without a licence", Court: "دادگاه کیفری دو شیراز، شعبهٔ ۱۲",
		Date: dateOf(day(2022, time.August, 3)), Sentence: "جزای نقدی", Effective: false},
	29: {OffenceFa: "ضرب و جرح عمدی", OffenceEn: "Intentional assault", Court: "دادگاه کیفری دو مشهد، شعبهٔ ۱۱۲",
		Date: dateOf(day(2023, time.January, 21)), Sentence: "شش ماه حبس تعلیقی", Effective: false},
}

func criminalOf(ps *People, p *Person) criminalRecord {
	r := criminalRecord{NationalCode: p.NationalCode, Clean: true, Convictions: []conviction{}, IssuedAt: dateOf(asOf)}
	if c, ok := convicted[ps.index(p)]; ok && p.Age(asOf) >= 18 {
		r.Clean, r.Convictions = false, []conviction{c}
	}
	return r
}

// ---- tax (INTA) ----

type taxClearance struct {
	NationalCode string   `json:"national_code,omitempty"` // a person
	NationalID   string   `json:"national_id,omitempty"`   // a company
	Kind         string   `json:"kind"`                    // person or company
	Name         string   `json:"name"`
	Cleared      bool     `json:"cleared"`
	DebtRials    int64    `json:"debt_rials"`
	Certificate  string   `json:"certificate_number,omitempty"`
	ValidUntil   dateJSON `json:"valid_until"`
}

func taxOfPerson(ps *People, p *Person) taxClearance {
	i := ps.index(p)
	r := taxClearance{NationalCode: p.NationalCode, Kind: "person", Name: p.FullName(), Cleared: true, ValidUntil: dateOf(asOf.AddDate(0, 3, 0))}
	if i%9 == 3 {
		r.Cleared, r.DebtRials = false, int64(12_500_000*(1+i%4))
	} else {
		r.Certificate = fmt.Sprintf("TC-%d-%05d", asOf.Year(), 300+i*11)
	}
	return r
}

func taxOfCompany(i int, c Company) taxClearance {
	r := taxClearance{NationalID: c.NationalID, Kind: "company", Name: c.Name, Cleared: i != 2, ValidUntil: dateOf(asOf.AddDate(0, 3, 0))}
	if r.Cleared {
		r.Certificate = fmt.Sprintf("TC-%d-C%04d", asOf.Year(), 70+i*13)
	} else {
		r.DebtRials = 1_840_000_000
	}
	return r
}

// ---- health insurance (IHIO) ----

type coverage struct {
	NationalCode string    `json:"national_code"`
	Covered      bool      `json:"covered"`
	Fund         string    `json:"fund,omitempty"`
	Role         string    `json:"role,omitempty"` // main or dependant
	MainInsured  string    `json:"main_insured,omitempty"`
	From         *dateJSON `json:"from,omitempty"`
	Until        *dateJSON `json:"until,omitempty"`
}

var funds = []string{"صندوق بیمهٔ سلامت همگانی", "صندوق بیمهٔ کارکنان دولت", "صندوق بیمهٔ روستاییان و عشایر", "صندوق بیمهٔ سایر اقشار"}

func coverageOf(ps *People, p *Person) coverage {
	r := coverage{NationalCode: p.NationalCode}
	if !p.Alive() {
		return r
	}
	// The household is insured through its father, if alive, otherwise its
	// mother; one household in seven has no cover.
	main := p
	if f := ps.Get(p.Father); f != nil {
		main = f
	} else if p.Sex == "female" {
		if s := ps.Get(p.Spouse); s != nil {
			main = s
		}
	}
	if !main.Alive() {
		main = p
		if m := ps.Get(p.Mother); m != nil {
			main = m
		}
	}
	if p.Household%7 == 4 {
		return r
	}
	from, until := day(2018+p.Household%5, time.March, 21), day(asOf.Year()+1, time.March, 20)
	r.Covered, r.Fund, r.From, r.Until = true, funds[p.Household%len(funds)], &dateJSON{}, &dateJSON{}
	*r.From, *r.Until = dateOf(from), dateOf(until)
	r.Role = "main"
	if main != p {
		r.Role, r.MainInsured = "dependant", main.NationalCode
	}
	return r
}

// ---- education (MSRT) ----

type degree struct {
	Level      string   `json:"level"` // bachelor, master, doctorate
	LevelFa    string   `json:"level_fa"`
	Field      string   `json:"field"`
	University string   `json:"university"`
	Graduated  dateJSON `json:"graduated"`
	GPA        string   `json:"gpa"` // out of 20
	Number     string   `json:"certificate_number"`
}

type degreesRecord struct {
	NationalCode string   `json:"national_code"`
	Degrees      []degree `json:"degrees"`
}

var (
	fields       = []string{"مهندسی کامپیوتر", "حقوق", "مدیریت بازرگانی", "پزشکی", "ادبیات فارسی", "مهندسی عمران", "حسابداری", "روان‌شناسی", "فیزیک", "معماری"}
	universities = []string{"دانشگاه تهران", "دانشگاه صنعتی شریف", "دانشگاه فردوسی مشهد", "دانشگاه اصفهان", "دانشگاه شیراز", "دانشگاه تبریز", "دانشگاه علامه طباطبائی", "دانشگاه صنعتی امیرکبیر"}
)

func degreesOf(ps *People, p *Person) degreesRecord {
	r := degreesRecord{NationalCode: p.NationalCode, Degrees: []degree{}}
	i := ps.index(p)
	if p.Age(asOf) < 23 || i%5 == 2 {
		return r
	}
	grad := p.BirthDate.Year() + 22 + i%3
	levels := []struct{ en, fa string }{{"bachelor", "کارشناسی"}, {"master", "کارشناسی ارشد"}, {"doctorate", "دکتری"}}
	n := 1 + i%3
	if i%4 == 0 {
		n = 1
	}
	for k := 0; k < n && grad+3*k <= asOf.Year(); k++ {
		gpa := 14 + (i*7+k*3)%6
		r.Degrees = append(r.Degrees, degree{Level: levels[k].en, LevelFa: levels[k].fa, Field: fields[(i+k)%len(fields)],
			University: universities[(i*3+k)%len(universities)], Graduated: dateOf(day(grad+3*k, time.September, 1+i%20)),
			GPA: strconv.Itoa(gpa) + "." + strconv.Itoa((i*13+k)%100/10) + strconv.Itoa((i*7)%10), Number: fmt.Sprintf("MSRT-%d-%06d", grad+3*k, 4000+i*97+k)})
	}
	return r
}

// ---- vehicles (FARAJA_RAHVAR) ----

type vehicle struct {
	Plate      string   `json:"plate"` // Iranian plate: two digits, a letter, three digits, and the province code
	Make       string   `json:"make"`
	Model      string   `json:"model"`
	Year       int      `json:"year"`
	Colour     string   `json:"colour"`
	VIN        string   `json:"vin"`
	Registered dateJSON `json:"registered"`
}

type vehiclesRecord struct {
	NationalCode string    `json:"national_code"`
	Vehicles     []vehicle `json:"vehicles"`
}

var (
	models = []struct{ make, model string }{{"ایران‌خودرو", "پژو ۲۰۶"}, {"ایران‌خودرو", "سمند"}, {"ایران‌خودرو", "دنا"},
		{"سایپا", "پراید ۱۳۱"}, {"سایپا", "کوییک"}, {"سایپا", "شاهین"}, {"ایران‌خودرو", "رانا"}}
	colours = []string{"سفید", "مشکی", "نقره‌ای", "خاکستری", "آبی"}
	letters = []string{"ب", "د", "ج", "س", "ص", "ط", "ق", "ل", "م", "ن", "و", "ه", "ی"}
)

func vehiclesOf(ps *People, p *Person) vehiclesRecord {
	r := vehiclesRecord{NationalCode: p.NationalCode, Vehicles: []vehicle{}}
	i := ps.index(p)
	if p.Age(asOf) < 18 || i%3 == 1 {
		return r
	}
	n := 1
	if i%7 == 0 {
		n = 2
	}
	for k := 0; k < n; k++ {
		m := models[(i+k)%len(models)]
		year := 2010 + (i*3+k)%15
		r.Vehicles = append(r.Vehicles, vehicle{
			Plate: persian.Digits(fmt.Sprintf("%02d %s %03d - ایران %02d", 10+(i*7+k)%89, letters[(i+k)%len(letters)], 100+(i*37+k*11)%899, 10+(i*13)%89)),
			Make:  m.make, Model: m.model, Year: year, Colour: colours[(i+k)%len(colours)],
			VIN:        fmt.Sprintf("NAA%02dX%04dJ%06d", (i+k)%99, year, 100000+i*1013+k*17),
			Registered: dateOf(day(year, time.Month(1+(i+k)%12), 5+i%20)),
		})
	}
	return r
}

type licenceRecord struct {
	NationalCode string    `json:"national_code"`
	Holds        bool      `json:"holds"`
	Class        string    `json:"class,omitempty"` // پایه ۳, پایه ۲, پایه ۱
	Number       string    `json:"number,omitempty"`
	Issued       *dateJSON `json:"issued,omitempty"`
	Expires      *dateJSON `json:"expires,omitempty"`
	Suspended    bool      `json:"suspended"`
}

func licenceOf(ps *People, p *Person) licenceRecord {
	r := licenceRecord{NationalCode: p.NationalCode}
	i := ps.index(p)
	if p.Age(asOf) < 18 || i%6 == 5 {
		return r
	}
	issued := p.BirthDate.AddDate(19+i%4, 0, 0)
	exp := issued.AddDate(10, 0, 0)
	for exp.Before(asOf) {
		exp = exp.AddDate(10, 0, 0)
	}
	r.Holds, r.Class, r.Number = true, []string{"پایه ۳", "پایه ۲", "پایه ۱"}[i%3], fmt.Sprintf("%010d", 9000000000-int64(i)*104729)
	r.Issued, r.Expires, r.Suspended = &dateJSON{}, &dateJSON{}, i == 17
	*r.Issued, *r.Expires = dateOf(issued), dateOf(exp)
	return r
}

type finesRecord struct {
	NationalCode string      `json:"national_code"`
	TotalRials   int64       `json:"total_rials"`
	Fines        []plateFine `json:"fines"`
}

type plateFine struct {
	Plate       string   `json:"plate"`
	OffenceFa   string   `json:"offence_fa"`
	Date        dateJSON `json:"date"`
	AmountRials int64    `json:"amount_rials"`
}

var offences = []struct {
	fa     string
	amount int64
}{{"سرعت غیرمجاز", 5_000_000}, {"توقف ممنوع", 1_000_000}, {"عبور از چراغ قرمز", 10_000_000}, {"استفاده از تلفن همراه هنگام رانندگی", 2_000_000}}

func finesOf(ps *People, p *Person) finesRecord {
	r := finesRecord{NationalCode: p.NationalCode, Fines: []plateFine{}}
	i := ps.index(p)
	for k, v := range vehiclesOf(ps, p).Vehicles {
		if (i+k)%2 != 0 {
			continue
		}
		for j := 0; j < 1+(i+k)%3; j++ {
			o := offences[(i+j+k)%len(offences)]
			r.Fines = append(r.Fines, plateFine{Plate: v.Plate, OffenceFa: o.fa, Date: dateOf(asOf.AddDate(0, -(1 + (i+j)%10), -j)), AmountRials: o.amount})
			r.TotalRials += o.amount
		}
	}
	return r
}
