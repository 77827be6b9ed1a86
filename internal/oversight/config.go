package oversight

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

//go:embed oversight.json
var defaultConfig []byte

// MinBaseYear is the earliest base year a configuration may name: there
// are no events before the platform, and a base decades back would make
// every target 100% from the start.
const MinBaseYear = 1390

// Default returns the embedded configuration (oversight.json).
func Default() Config {
	c, err := Parse(defaultConfig)
	if err != nil {
		panic("oversight: the embedded oversight.json is invalid: " + err.Error())
	}
	return c
}

// Load reads a configuration file; an empty path gives Default. The file
// is validated against today's Jalali year: a bad file is an Invalid error
// that lists every problem, in Persian and English.
func Load(path string) (Config, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &errs.Error{Op: "oversight.Load", Kind: errs.Invalid, Err: err,
			En: fmt.Sprintf("the oversight configuration %s cannot be read", path),
			Fa: fmt.Sprintf("پروندهٔ پیکربندی نظارت %s خوانده نمی‌شود", path)}
	}
	c, err := Parse(b)
	if err != nil {
		return Config{}, fmt.Errorf("oversight.Load %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a configuration (see Load).
func Parse(b []byte) (Config, error) {
	c, err := Decode(b)
	if err != nil {
		return Config{}, err
	}
	if err := c.ValidateAt(time.Now()); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Decode decodes a configuration without validating it; fields it does
// not know are an error.
func Decode(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, &errs.Error{Op: "oversight.Decode", Kind: errs.Invalid, Err: err,
			En: "the oversight configuration is not the expected JSON: " + err.Error(),
			Fa: "پیکربندی نظارت JSON مورد انتظار نیست: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errs.E("oversight.Decode", errs.Invalid,
			"the oversight configuration has text after its JSON object",
			"پس از شیء JSON پیکربندی نظارت متن دیگری آمده است")
	}
	return c, nil
}

// Validate checks the configuration against today's Jalali year.
func (c Config) Validate() error { return c.ValidateAt(time.Now()) }

// ValidateAt checks the configuration as of now and returns an Invalid
// error whose Fields name every problem, or nil.
func (c Config) ValidateAt(now time.Time) error {
	var fields []errs.FieldError
	add := func(field, en, fa string) { fields = append(fields, errs.FieldError{Field: field, En: en, Fa: fa}) }
	year, _ := persian.JalaliMonth(now)
	if c.BaseYear < MinBaseYear || c.BaseYear > year {
		add("base_year", fmt.Sprintf("base_year %d: want a Jalali year from %d to %d (this year)", c.BaseYear, MinBaseYear, year),
			fmt.Sprintf("سال پایه %s: باید سالی شمسی از %s تا %s (امسال) باشد", fa(c.BaseYear), fa(MinBaseYear), fa(year)))
	}
	if c.SmartBaseShare != nil && (*c.SmartBaseShare < 0 || *c.SmartBaseShare > 100) {
		add("smart_base_share", fmt.Sprintf("smart_base_share %g: want a percentage from 0 to 100, or null to measure it", *c.SmartBaseShare),
			fmt.Sprintf("سهم هوشمند پایه %s: باید درصدی از ۰ تا ۱۰۰ یا null (برای اندازه‌گیری) باشد", persian.Digits(fmt.Sprint(*c.SmartBaseShare))))
	}
	if c.SmartStepPP <= 0 || c.SmartStepPP > 100 {
		add("smart_step_pp", fmt.Sprintf("smart_step_pp %g: want more than 0 and at most 100 percentage points a year", c.SmartStepPP),
			fmt.Sprintf("گام سالانهٔ هوشمندسازی %s: باید بیش از صفر و حداکثر ۱۰۰ واحد درصد در سال باشد", persian.Digits(fmt.Sprint(c.SmartStepPP))))
	}
	if c.ElectronicTarget < 1 || c.ElectronicTarget > 100 {
		add("electronic_target", fmt.Sprintf("electronic_target %g: want a percentage from 1 to 100", c.ElectronicTarget),
			fmt.Sprintf("هدف خدمات تمام‌الکترونیکی %s: باید درصدی از ۱ تا ۱۰۰ باشد", persian.Digits(fmt.Sprint(c.ElectronicTarget))))
	}
	known := map[string]bool{}
	for _, k := range Components {
		known[k] = true
	}
	var sum float64
	names := make([]string, 0, len(c.Ranking.Weights))
	for k := range c.Ranking.Weights {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		w := c.Ranking.Weights[k]
		switch {
		case !known[k]:
			add("ranking.weights."+k, fmt.Sprintf("ranking weight %q: unknown component; want one of %s", k, strings.Join(Components, ", ")),
				fmt.Sprintf("وزن رتبه‌بندی %q: مؤلفهٔ ناشناخته؛ باید یکی از %s باشد", k, strings.Join(Components, "، ")))
		case w < 0:
			add("ranking.weights."+k, fmt.Sprintf("ranking weight %s = %g: a weight cannot be negative", k, w),
				fmt.Sprintf("وزن رتبه‌بندی %s = %s: وزن نمی‌تواند منفی باشد", k, persian.Digits(fmt.Sprint(w))))
		default:
			sum += w
		}
	}
	if sum <= 0 {
		add("ranking.weights", "ranking weights: they add up to 0, so nothing would be ranked; give at least one component a positive weight",
			"وزن‌های رتبه‌بندی: جمع وزن‌ها صفر است و رتبه‌بندی معنا ندارد؛ دست‌کم به یک مؤلفه وزن مثبت بدهید")
	}
	if len(fields) == 0 {
		return nil
	}
	en := make([]string, len(fields))
	fas := make([]string, len(fields))
	for i, f := range fields {
		en[i], fas[i] = f.En, f.Fa
	}
	return &errs.Error{Op: "oversight.Validate", Kind: errs.Invalid, Fields: fields,
		En: "the oversight configuration makes no sense: " + strings.Join(en, "; "),
		Fa: "پیکربندی نظارت معتبر نیست: " + strings.Join(fas, "؛ ")}
}

// fa writes n with Persian digits.
func fa(n int) string { return persian.Digits(fmt.Sprint(n)) }
