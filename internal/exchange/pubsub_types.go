package exchange

import (
	"context"
	"encoding/json"

	"github.com/panjare/panjare/internal/errs"
)

// The life events the room carries, each with its JSON Schema: every body
// names the person it is about in national_code and holds only the facts
// its schema allows (additionalProperties: false). Dates are Gregorian
// YYYY-MM-DD strings. Marriage and divorce concern two people: the civil
// registry publishes one event for each spouse, so that each one's data
// tracker shows it.

// The life event types.
const (
	EventBirth             = "birth"
	EventDeath             = "death"
	EventMarriage          = "marriage"
	EventDivorce           = "divorce"
	EventRetirement        = "retirement"
	EventGraduation        = "graduation"
	EventCompanyRegistered = "company_registered"
)

// LifeEventType describes one of the room's standard types: its schema,
// its names, and the members whose subsystems publish it.
type LifeEventType struct {
	Name       string
	TitleFa    string
	TitleEn    string
	Schema     json.RawMessage
	Publishers []string // MEMBER/SUBSYSTEM in class GOV of this instance
}

const ncPattern = `"type": "string", "pattern": "^[0-9]{10}$"`
const datePattern = `"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"`

func lifeSchema(title string, props string, required string) json.RawMessage {
	return json.RawMessage(`{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "` + title + `", "type": "object",
 "additionalProperties": false, "properties": {` + props + `}, "required": [` + required + `]}`)
}

// LifeEventTypes are the room's standard event types and their publishers.
var LifeEventTypes = []LifeEventType{
	{EventBirth, "تولد", "Birth", lifeSchema("birth",
		`"national_code": {`+ncPattern+`, "description": "the child"},
 "mother_national_code": {`+ncPattern+`},
 "father_national_code": {`+ncPattern+`},
 "birth_date": {`+datePattern+`},
 "sex": {"type": "string", "enum": ["male", "female"]},
 "birth_province": {"type": "string", "minLength": 1, "maxLength": 60},
 "birth_city": {"type": "string", "minLength": 1, "maxLength": 60}`,
		`"national_code", "mother_national_code", "birth_date", "sex", "birth_province", "birth_city"`),
		[]string{"NOCR/population"}},
	{EventDeath, "فوت", "Death", lifeSchema("death",
		`"national_code": {`+ncPattern+`}, "death_date": {`+datePattern+`}`,
		`"national_code", "death_date"`),
		[]string{"NOCR/population"}},
	{EventMarriage, "ازدواج", "Marriage", lifeSchema("marriage",
		`"national_code": {`+ncPattern+`}, "spouse_national_code": {`+ncPattern+`}, "marriage_date": {`+datePattern+`}`,
		`"national_code", "spouse_national_code", "marriage_date"`),
		[]string{"NOCR/population"}},
	{EventDivorce, "طلاق", "Divorce", lifeSchema("divorce",
		`"national_code": {`+ncPattern+`}, "spouse_national_code": {`+ncPattern+`}, "divorce_date": {`+datePattern+`}`,
		`"national_code", "spouse_national_code", "divorce_date"`),
		[]string{"NOCR/population"}},
	{EventRetirement, "بازنشستگی", "Retirement", lifeSchema("retirement",
		`"national_code": {`+ncPattern+`}, "fund": {"type": "string", "enum": ["SSO", "CSPF"]}, "retired_on": {`+datePattern+`}`,
		`"national_code", "fund", "retired_on"`),
		[]string{"SSO/pensions", "CSPF/pensions"}},
	{EventGraduation, "دانش‌آموختگی", "Graduation", lifeSchema("graduation",
		`"national_code": {`+ncPattern+`},
 "university": {"type": "string", "minLength": 1, "maxLength": 120},
 "degree": {"type": "string", "enum": ["associate", "bachelor", "master", "doctorate"]},
 "field": {"type": "string", "minLength": 1, "maxLength": 120},
 "graduated_on": {`+datePattern+`}`,
		`"national_code", "university", "degree", "field", "graduated_on"`),
		[]string{"MSRT/degrees"}},
	{EventCompanyRegistered, "ثبت شرکت", "Company registered", lifeSchema("company_registered",
		`"national_code": {`+ncPattern+`, "description": "the founder or chief executive"},
 "company_national_id": {"type": "string", "pattern": "^[0-9]{11}$"},
 "name": {"type": "string", "minLength": 1, "maxLength": 200},
 "registered_on": {`+datePattern+`}`,
		`"national_code", "company_national_id", "name", "registered_on"`),
		[]string{"SSAA/registry"}},
}

// LifeEventTitle returns the Persian and English names of a standard type,
// or the type itself.
func LifeEventTitle(name string) (fa, en string) {
	for _, t := range LifeEventTypes {
		if t.Name == name {
			return t.TitleFa, t.TitleEn
		}
	}
	return name, name
}

// SeedLifeEvents creates the standard event types and allows their
// publishers, in a fresh installation and in the demo. It is idempotent: a
// type already present is left as it is, so that the room manager's later
// changes are not undone at start-up.
func (ps *PubSub) SeedLifeEvents(ctx context.Context) error {
	for _, t := range LifeEventTypes {
		pubs := make([]string, len(t.Publishers))
		for i, p := range t.Publishers {
			pubs[i] = ps.x.instance + "/" + platformClass + "/" + p
		}
		if _, err := ps.createType(ctx, "system", EventType{Name: t.Name, Schema: t.Schema, Publishers: pubs}, true); err != nil {
			return errs.Wrap("exchange.SeedLifeEvents "+t.Name, err)
		}
	}
	return nil
}
