package backoffice

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

// Person is one demo citizen as the civil registry knows them. The other
// back offices derive their records from the same people, so that every
// agency tells a consistent story about each citizen.
type Person struct {
	NationalCode string
	FirstName    string
	LastName     string
	FatherName   string
	Sex          string // "male" or "female"
	BirthDate    time.Time
	BirthPlace   string
	Deceased     *time.Time // the date of death, when registered

	Father, Mother, Spouse string   // national codes; "" when unknown or none
	Children               []string // national codes, oldest first
	Household              int      // index of the household (family) the person was born or married into
}

// FullName is the person's given name and surname.
func (p *Person) FullName() string { return p.FirstName + " " + p.LastName }

// Alive reports whether no death is registered.
func (p *Person) Alive() bool { return p.Deceased == nil }

// Age returns the person's age in whole years at t.
func (p *Person) Age(t time.Time) int {
	y := t.Year() - p.BirthDate.Year()
	if t.YearDay() < p.BirthDate.YearDay() {
		y--
	}
	return y
}

// Company is a legal person known to the tax administration.
type Company struct {
	NationalID string // the 11-digit national identifier of a legal person (شناسهٔ ملی)
	Name       string
	Registered time.Time
}

// People is the deterministic demo population: the same seed gives the same
// people, national codes, names and families on every run and every machine.
type People struct {
	list      []*Person
	byCode    map[string]*Person
	companies []Company
}

// Seed is the fixed seed of the demo population.
const Seed = 1404

// Well-known demo citizens: the codes the documentation and the demo
// identity provider use. Both are valid national codes.
const (
	CitizenAli    = "0067749828" // علی رضایی, a father of three in Tehran
	CitizenMaryam = "0499370899" // مریم احمدی, a mother of two
)

var (
	maleNames = []string{"علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "سعید", "حمید", "مجید", "جواد",
		"کاظم", "بهروز", "فرهاد", "کامران", "پویا", "آرش", "سینا", "یاسر", "مسعود", "اکبر"}
	femaleNames = []string{"مریم", "فاطمه", "زهرا", "سارا", "نرگس", "لیلا", "شیرین", "مهسا", "الهام", "ژیلا",
		"پریسا", "نازنین", "سمیه", "رقیه", "آزاده", "کیمیا", "هانیه", "ستاره", "مینا", "طاهره"}
	surnames = []string{"رضایی", "احمدی", "محمدی", "حسینی", "کریمی", "موسوی", "جعفری", "قاسمی", "صادقی", "رحیمی",
		"نوری", "کاظمی", "عباسی", "یزدانی", "شریفی", "طاهری", "اکبری", "فرهادی", "بهرامی", "سلطانی"}
	cities = []string{"تهران", "مشهد", "اصفهان", "شیراز", "تبریز", "کرج", "اهواز", "قم", "کرمانشاه", "رشت",
		"یزد", "همدان", "کرمان", "ارومیه", "زنجان", "سنندج", "بندرعباس", "گرگان", "ساری", "بیرجند"}
	companyNames = []string{"شرکت صنایع غذایی سپیدان (سهامی خاص)", "شرکت فناوری اطلاعات پارس‌داده (سهامی خاص)",
		"شرکت ساختمانی البرز سازه (با مسئولیت محدود)", "شرکت حمل‌ونقل بین‌المللی کاروان (سهامی خاص)",
		"شرکت تعاونی تولیدی فرش دستباف کاشان"}
)

// nationalCode completes nine digits with their check digit.
func nationalCode(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	r := sum % 11
	if r >= 2 {
		r = 11 - r
	}
	return nine + strconv.Itoa(r)
}

// day returns midnight UTC of a Gregorian date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// NewPeople generates the demo population from Seed: 13 households of a
// father, a mother and up to four children, 50 people in all, with valid,
// distinct national codes (persian.CheckNationalCode), Persian names, birth
// dates and places, marriages, and two registered deaths. CitizenAli heads
// the first household and CitizenMaryam is the mother of the second.
func NewPeople() *People {
	rng := rand.New(rand.NewPCG(Seed, Seed*7919))
	ps := &People{byCode: map[string]*Person{}}
	used := map[string]bool{}
	code := func(fixed string) string {
		if fixed != "" {
			used[fixed] = true
			return fixed
		}
		for {
			nine := ""
			for i := 0; i < 9; i++ {
				nine += strconv.Itoa(rng.IntN(10))
			}
			c := nationalCode(nine)
			if !used[c] && persian.CheckNationalCode(c) == nil {
				used[c] = true
				return c
			}
		}
	}
	date := func(fromYear, toYear int) time.Time {
		return day(fromYear+rng.IntN(toYear-fromYear+1), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
	}
	add := func(p *Person) *Person {
		ps.list = append(ps.list, p)
		ps.byCode[p.NationalCode] = p
		return p
	}
	children := []int{3, 2, 2, 1, 3, 0, 2, 4, 1, 2, 0, 2, 2}
	for h, n := range children {
		surname := surnames[h%len(surnames)]
		fixedFather, fixedMother := "", ""
		switch h {
		case 0:
			fixedFather = CitizenAli
		case 1:
			fixedMother = CitizenMaryam
			surname = "کریمی"
		}
		city := cities[rng.IntN(len(cities))]
		fb := date(1958, 1986)
		father := add(&Person{NationalCode: code(fixedFather), FirstName: maleNames[rng.IntN(len(maleNames))], LastName: surname,
			FatherName: maleNames[rng.IntN(len(maleNames))], Sex: "male", BirthDate: fb, BirthPlace: city, Household: h})
		motherSurname := surnames[(h+7)%len(surnames)]
		if h == 1 {
			motherSurname = "احمدی"
		}
		mother := add(&Person{NationalCode: code(fixedMother), FirstName: femaleNames[rng.IntN(len(femaleNames))], LastName: motherSurname,
			FatherName: maleNames[rng.IntN(len(maleNames))], Sex: "female", BirthDate: date(fb.Year(), fb.Year()+5),
			BirthPlace: cities[rng.IntN(len(cities))], Household: h})
		if h == 0 {
			father.FirstName, father.FatherName, father.BirthDate, father.BirthPlace = "علی", "حسن", day(1981, time.March, 30), "تهران"
		}
		if h == 1 {
			mother.FirstName, mother.FatherName, mother.BirthDate, mother.BirthPlace = "مریم", "محمود", day(1987, time.September, 14), "تهران"
		}
		father.Spouse, mother.Spouse = mother.NationalCode, father.NationalCode
		first := max(mother.BirthDate.Year()+20, 1990)
		for i := 0; i < n; i++ {
			sex := "male"
			name := maleNames[rng.IntN(len(maleNames))]
			if rng.IntN(2) == 0 {
				sex, name = "female", femaleNames[rng.IntN(len(femaleNames))]
			}
			c := add(&Person{NationalCode: code(""), FirstName: name, LastName: surname, FatherName: father.FirstName,
				Sex: sex, BirthDate: date(first+3*i, first+3*i+2), BirthPlace: city, Father: father.NationalCode,
				Mother: mother.NationalCode, Household: h})
			father.Children = append(father.Children, c.NationalCode)
			mother.Children = append(mother.Children, c.NationalCode)
		}
	}
	// Two registered deaths: the fathers of the sixth and tenth households,
	// so that proof-of-life inquiries and the pensions that depend on them
	// have a case to show.
	for i, d := range map[int]time.Time{5: day(2021, time.November, 2), 9: day(2024, time.February, 18)} {
		for _, p := range ps.list {
			if p.Household == i && p.Sex == "male" && p.Father == "" {
				p.Deceased = &d
				break
			}
		}
	}
	for i, name := range companyNames {
		id := ""
		for j := 0; j < 11; j++ {
			id += strconv.Itoa(rng.IntN(10))
		}
		if id[0] == '0' {
			id = "1" + id[1:]
		}
		// A legal entity's national id ends in a check digit; make it right
		// so that the companies pass the same checks as real ones.
		id = id[:10] + string(identity.LegalIDCheckDigit(id[:10]))
		ps.companies = append(ps.companies, Company{NationalID: id, Name: name, Registered: day(1995+4*i, time.Month(1+i*2), 10+i)})
	}
	return ps
}

// All returns every demo person in a fixed order.
func (ps *People) All() []*Person { return slices.Clone(ps.list) }

// Get returns the person with the national code, or nil.
func (ps *People) Get(code string) *Person { return ps.byCode[code] }

// Companies returns the demo companies.
func (ps *People) Companies() []Company { return slices.Clone(ps.companies) }

// index returns a stable small number for p, used to vary derived records.
func (ps *People) index(p *Person) int { return slices.Index(ps.list, p) }
