package demo

import (
	"encoding/json"
	"time"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
)

// The demo's life events: what the civil registry and the pension funds
// would publish about the demo people, built from the registry's own demo
// population so that every fact agrees with what the back offices answer.

// LifeEventPerson is a demo person a life event can be published for.
type LifeEventPerson struct {
	NationalCode string
	Name         string
	NoteFa       string
	Kinds        []string // birth, retirement, death
}

// provinceOf is the province of the demo population's cities.
var provinceOf = map[string]string{"تهران": "تهران", "مشهد": "خراسان رضوی", "اصفهان": "اصفهان", "شیراز": "فارس", "تبریز": "آذربایجان شرقی",
	"کرج": "البرز", "اهواز": "خوزستان", "قم": "قم", "کرمانشاه": "کرمانشاه", "رشت": "گیلان", "یزد": "یزد", "همدان": "همدان", "کرمان": "کرمان",
	"ارومیه": "آذربایجان غربی", "زنجان": "زنجان", "سنندج": "کردستان", "بندرعباس": "هرمزگان", "گرگان": "گلستان", "ساری": "مازندران", "بیرجند": "خراسان جنوبی"}

// demoEventPeople returns the people the demo publishes events for: the
// mothers with children (a birth of their youngest), the living people of
// 60 or more (a retirement), and the dead (their death), Maryam first.
func demoEventPeople(ps *backoffice.People) []*backoffice.Person {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []*backoffice.Person
	if m := ps.Get(backoffice.CitizenMaryam); m != nil {
		out = append(out, m)
	}
	for _, p := range ps.All() {
		if p.NationalCode == backoffice.CitizenMaryam {
			continue
		}
		switch {
		case !p.Alive(), p.Age(at) >= 60:
			out = append(out, p)
		case p.Sex == "female" && len(p.Children) > 0 && len(out) < 4:
			out = append(out, p)
		}
	}
	return out
}

// LifeEventPeople lists the demo people with the events that can be
// published for them.
func LifeEventPeople(ps *backoffice.People) []LifeEventPerson {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []LifeEventPerson
	for _, p := range demoEventPeople(ps) {
		lp := LifeEventPerson{NationalCode: p.NationalCode, Name: p.FullName()}
		switch {
		case !p.Alive():
			lp.Kinds, lp.NoteFa = []string{"death"}, "درگذشته"
		case p.Age(at) >= 60:
			lp.Kinds, lp.NoteFa = []string{"retirement"}, "۶۰ ساله یا بیشتر"
		default:
			lp.Kinds, lp.NoteFa = []string{"birth"}, "مادر"
		}
		out = append(out, lp)
	}
	return out
}

// LifeEvent returns the publisher (MEMBER/SUBSYSTEM under instance/GOV)
// and the body of a demo event of kind about person: for a birth, person is
// a parent and the event is the birth of their youngest child; for a
// retirement, the person's retirement from social security on the day they
// turned 60 (or today); for a death, the death the registry holds. Errors
// are errs.Invalid: the person does not suit the event.
func LifeEvent(ps *backoffice.People, instance, kind, person string) (string, json.RawMessage, error) {
	const op = "demo.LifeEvent"
	p := ps.Get(person)
	if p == nil {
		return "", nil, errs.E(op, errs.Invalid, "not a person of the demo population", "از افراد جمعیت نمایشی نیست")
	}
	date := func(t time.Time) string { return t.Format(time.DateOnly) }
	var publisher string
	var body map[string]any
	switch kind {
	case "birth":
		if len(p.Children) == 0 || !p.Alive() {
			return "", nil, errs.E(op, errs.Invalid, "a birth is published for a living parent with a child", "تولد برای پدر یا مادر زنده‌ای منتشر می‌شود که فرزندی دارد")
		}
		c := ps.Get(p.Children[len(p.Children)-1])
		publisher = "NOCR/population"
		body = map[string]any{"national_code": c.NationalCode, "mother_national_code": c.Mother, "birth_date": date(c.BirthDate),
			"sex": c.Sex, "birth_province": provinceOf[c.BirthPlace], "birth_city": c.BirthPlace}
		if c.Father != "" {
			body["father_national_code"] = c.Father
		}
		if body["birth_province"] == "" {
			body["birth_province"] = c.BirthPlace
		}
	case "retirement":
		if !p.Alive() {
			return "", nil, errs.E(op, errs.Invalid, "a retirement is published for a living person", "بازنشستگی برای شخص زنده منتشر می‌شود")
		}
		on := p.BirthDate.AddDate(60, 0, 0)
		if now := time.Now().UTC(); on.After(now) {
			on = now
		}
		publisher = "SSO/pensions"
		body = map[string]any{"national_code": p.NationalCode, "fund": "SSO", "retired_on": date(on)}
	case "death":
		if p.Alive() {
			return "", nil, errs.E(op, errs.Invalid, "the civil registry of the demo has no death registered for this person",
				"ثبت احوال نمایشی فوتی برای این شخص ثبت نکرده است")
		}
		publisher = "NOCR/population"
		body = map[string]any{"national_code": p.NationalCode, "death_date": date(*p.Deceased)}
	default:
		return "", nil, errs.E(op, errs.Invalid, "the demo publishes birth, retirement and death", "نمایش تنها تولد، بازنشستگی و فوت منتشر می‌کند")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", nil, errs.Wrap(op, err)
	}
	return instance + "/GOV/" + publisher, b, nil
}
