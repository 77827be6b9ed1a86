package oversight

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/persian"
)

// document is a report laid out once, as sections of paragraphs and
// tables, and then written as HTML and as PDF, so that the two say the
// same thing.
type document struct {
	Title    string
	Subtitle string // English, for readers without Persian
	Meta     []string
	Sections []section
}

type section struct {
	Title string
	Paras []string
	Table *table
}

type table struct {
	Head   []string
	Rows   [][]string
	Widths []float64 // relative column widths, for the PDF
}

// Component labels, short, for table heads and the list of changes.
var componentShort = map[string]string{
	FullyElectronic: "تمام‌الکترونیکی",
	Smart:           "هوشمند",
	OnTime:          "به‌موقع",
	Satisfaction:    "رضایت",
	Complaints:      "شکایت",
	AutoUpheld:      "تصمیم خودکار پابرجا",
}

// num writes v with one decimal at most, in Persian digits with the
// Persian decimal separator.
func num(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	if s == "-0" {
		s = "0"
	}
	return persian.Digits(strings.Replace(s, ".", "٫", 1))
}

// percent writes a share in percent: "۴۵٫۵٪".
func percent(v float64) string { return num(v) + "٪" }

func count(n int) string { return persian.Digits(strconv.Itoa(n)) }

// signed writes a change with its sign, "+۵٫۵" or "−۲", isolated left to
// right so that the sign stays before the number in a Persian line.
func signed(v float64) string {
	switch {
	case v > 0:
		return "\u2066+" + num(v) + "\u2069"
	case v < 0:
		return "\u2066−" + num(-v) + "\u2069"
	}
	return num(0)
}

// isolate keeps a Latin code in order inside Persian text.
func isolate(s string) string { return "\u2068" + s + "\u2069" }

func (d reportData) name(code string) string {
	if n, ok := d.names[code]; ok && n[0] != "" {
		return n[0]
	}
	return isolate(code)
}

func monthLabel(m string) string {
	if m == "" {
		return "—"
	}
	return MonthName(m)
}

// layout lays out the report.
func (d reportData) layout() document {
	monthFa := MonthName(d.Month)
	doc := document{
		Title:    "گزارش ماهانهٔ نظارت — " + monthFa,
		Subtitle: "Panjare monthly oversight report, " + MonthNameEn(d.Month),
		Meta: []string{
			"ساخته‌شده در " + persian.JalaliDateTime(d.BuiltAt),
			fmt.Sprintf("همهٔ ارقام از رویدادهای مهروموم‌شدهٔ دفتر رویدادها تا رویداد شمارهٔ %s محاسبه شده‌اند (اندازهٔ درخت دفتر: %s).",
				count(int(d.Source.Through)), count(int(d.Source.LedgerSize))),
		},
	}
	doc.Sections = append(doc.Sections, d.summary(), d.rankSection(false), d.rankSection(true), d.targetsSection(), d.changesSection(),
		section{Title: "راستی‌آزمایی", Paras: []string{
			"چکیدهٔ SHA-256 نسخهٔ HTML، نسخهٔ PDF و سند ارقام (JSON) این گزارش در یادداشتی امضاشده با کلید دفتر رویدادها منتشر می‌شود و همان چکیده‌ها در رویداد oversight.report.published در دفتر رویدادها مهروموم شده‌اند؛ هر کس می‌تواند ارقام را از رویدادها دوباره حساب کند.",
		}})
	return doc
}

func (d reportData) summary() section {
	n, p := d.National, d.Progress
	s := section{Title: "خلاصهٔ ملی"}
	if p.NoData {
		s.Paras = append(s.Paras, fmt.Sprintf("در %s هیچ خدمت فعالی در فهرست خدمات نبود.", MonthName(d.Month)))
	} else {
		track := "در مسیر هدف است"
		if !p.OnTrack {
			track = "از هدف عقب است"
		}
		s.Paras = append(s.Paras, fmt.Sprintf(
			"در %s، %s خدمت فعال بود که %s آن تمام‌الکترونیکی و %s آن هوشمند است. هدف سهم هوشمند برای پایان سال %s است و با روند دوازده ماه اخیر پیش‌بینی پایان سال %s است، پس کشور %s. در این ماه %s پرونده ثبت و دربارهٔ %s پرونده تصمیم گرفته شد.",
			MonthName(d.Month), count(n.Services), percent(p.Electronic), percent(p.Smart), percent(p.SmartTarget),
			percent(p.YearEnd), track, count(n.Submitted), count(n.Decided)))
	}
	t := &table{Head: []string{"شاخص", "این ماه", "ماه پیش", "تغییر"}, Widths: []float64{3, 1.3, 1.3, 1.3}}
	type row struct {
		label string
		cur   float64
		prev  float64
		ok    [2]bool
		share bool
	}
	ratio := func(a, b int) (float64, bool) {
		if b == 0 {
			return 0, false
		}
		return float64(a) * 100 / float64(b), true
	}
	both := func(f func(kpi.Figures) (float64, bool), label string, share bool) row {
		c, okc := f(n)
		pv, okp := f(d.PrevNational)
		return row{label: label, cur: c, prev: pv, ok: [2]bool{okc, okp && d.HasPrev}, share: share}
	}
	ints := func(f func(kpi.Figures) int) func(kpi.Figures) (float64, bool) {
		return func(x kpi.Figures) (float64, bool) { return float64(f(x)), true }
	}
	rows := []row{
		both(ints(func(x kpi.Figures) int { return x.Services }), "خدمات فعال", false),
		both(func(x kpi.Figures) (float64, bool) { return ratio(x.FullyElectronic, x.Services) }, "سهم تمام‌الکترونیکی (سطح ۲ و بالاتر)", true),
		both(func(x kpi.Figures) (float64, bool) { return ratio(x.Smart, x.Services) }, "سهم هوشمند (سطح ۳ و بالاتر)", true),
		both(ints(func(x kpi.Figures) int { return x.Started }), "درخواست‌های آغازشده", false),
		both(ints(func(x kpi.Figures) int { return x.Submitted }), "پرونده‌های ثبت‌شده", false),
		both(ints(func(x kpi.Figures) int { return x.Decided }), "پرونده‌های تصمیم‌گرفته", false),
		both(func(x kpi.Figures) (float64, bool) { return ratio(x.Completed, x.Started) }, "نرخ تکمیل درخواست", true),
		both(func(x kpi.Figures) (float64, bool) { return ratio(x.DecidedAuto, x.Decided) }, "سهم تصمیم‌های خودکار", true),
		both(func(x kpi.Figures) (float64, bool) { return ratio(x.Overturned, x.DecidedAuto) }, "سهم تصمیم‌های خودکارِ نقض‌شده در اعتراض", true),
		both(func(x kpi.Figures) (float64, bool) { return ratio(x.OnTime, x.Decided) }, "سهم تصمیم در مهلت", true),
		both(func(x kpi.Figures) (float64, bool) { return float64(x.HoursP50), x.Decided > 0 }, "میانهٔ زمان رسیدگی (ساعت)", false),
		both(func(x kpi.Figures) (float64, bool) { return float64(x.HoursP90), x.Decided > 0 }, "صدک ۹۰ زمان رسیدگی (ساعت)", false),
		both(func(x kpi.Figures) (float64, bool) { return float64(x.PromisedP50), x.Decided > 0 }, "میانهٔ زمان وعده‌داده (ساعت)", false),
		both(func(x kpi.Figures) (float64, bool) {
			if x.Ratings == 0 {
				return 0, false
			}
			return float64(x.RatingSum) / float64(x.Ratings), true
		}, "رضایت (میانگین امتیاز از ۵)", false),
		both(func(x kpi.Figures) (float64, bool) {
			if x.Submitted == 0 {
				return 0, false
			}
			return float64(x.Complaints) * 1000 / float64(x.Submitted), true
		}, "شکایت در هر هزار پرونده", false),
		both(ints(func(x kpi.Figures) int { return x.Online }), "پرونده‌های برخط", false),
		both(ints(func(x kpi.Figures) int { return x.Counter }), "پرونده‌های دفاتر پیشخوان", false),
	}
	for _, r := range rows {
		cells := []string{r.label, "—", "—", "—"}
		f := num
		if r.share {
			f = percent
		}
		if r.ok[0] {
			cells[1] = f(r.cur)
		}
		if r.ok[1] {
			cells[2] = f(r.prev)
		}
		if r.ok[0] && r.ok[1] {
			cells[3] = signed(r.cur - r.prev)
		}
		t.Rows = append(t.Rows, cells)
	}
	s.Table = t
	return s
}

func (d reportData) rankSection(provinces bool) section {
	s := section{Title: "رتبه‌بندی دستگاه‌ها", Paras: []string{d.MethodA.Fa}}
	list, comps, who := d.AgencyRanks, Components, "دستگاه"
	if provinces {
		s = section{Title: "رتبه‌بندی استان‌ها", Paras: []string{d.MethodP.Fa}}
		list, comps, who = d.ProvinceRanks, []string{OnTime, Satisfaction, Complaints, AutoUpheld}, "استان"
	}
	t := &table{Head: []string{"رتبه", who, "امتیاز"}, Widths: []float64{0.8, 3, 1.2}}
	for _, c := range comps {
		t.Head = append(t.Head, componentShort[c])
		t.Widths = append(t.Widths, 1.2)
	}
	for _, r := range list {
		rank := "بی‌رتبه"
		if r.Rank > 0 {
			rank = count(r.Rank)
		}
		cells := []string{rank, d.name(r.Agency + r.Province), num(r.Score)}
		if r.Rank == 0 {
			cells[2] = "—"
		}
		for _, c := range comps {
			if v, ok := r.Parts[c]; ok {
				cells = append(cells, num(v))
			} else {
				cells = append(cells, "بدون داده")
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	if len(list) == 0 {
		s.Paras = append(s.Paras, "در این ماه داده‌ای برای رتبه‌بندی نبود.")
	} else {
		s.Table = t
	}
	return s
}

func (d reportData) targetsSection() section {
	s := section{Title: "دستگاه‌ها در برابر هدف‌ها", Paras: []string{fmt.Sprintf(
		"هدف: %s خدمات تمام‌الکترونیکی؛ سهم هوشمند هر سال %s واحد درصد بالاتر از %s تا ۱۰۰٪. پیش‌بینی با کمترین مربعات روی سهم‌های حداکثر دوازده ماه اخیر است و «در مسیر» یعنی پیش‌بینی پایان سال به هدف همان سال می‌رسد.",
		percent(d.cfg.ElectronicTarget), num(d.cfg.SmartStepPP), d.baseText())}}
	t := &table{Head: []string{"دستگاه", "خدمات", "تمام‌الکترونیکی", "هوشمند", "پایه", "هدف سال", "پیش‌بینی پایان سال", "رسیدن به هدف", "وضعیت"},
		Widths: []float64{2.6, 0.9, 1.3, 1.1, 1, 1.1, 1.3, 1.5, 1.1}}
	for _, p := range append([]Progress{d.Progress}, d.Agencies...) {
		who := "کل کشور"
		if p.Agency != "" {
			who = d.name(p.Agency)
		}
		if p.NoData {
			t.Rows = append(t.Rows, []string{who, "۰", "—", "—", "—", "—", "—", "—", "بدون خدمت فعال"})
			continue
		}
		state := "در مسیر"
		if !p.OnTrack {
			state = "عقب"
		}
		t.Rows = append(t.Rows, []string{who, count(p.Services), percent(p.Electronic), percent(p.Smart), percent(p.SmartBase),
			percent(p.SmartTarget), percent(p.YearEnd), monthLabel(p.Reaches), state})
	}
	s.Table = t
	return s
}

func (d reportData) changesSection() section {
	s := section{Title: "بیشترین تغییرها نسبت به " + MonthName(d.Prev)}
	if !d.HasPrev {
		s.Paras = []string{"برای ماه پیش رقمی نیست و تغییری سنجیده نمی‌شود."}
		return s
	}
	if len(d.Changes) == 0 {
		s.Paras = []string{"هیچ مؤلفه‌ای نسبت به ماه پیش تغییر نکرد."}
		return s
	}
	s.Paras = []string{"مؤلفه‌های رتبه‌بندی (۰ تا ۱۰۰) که بیشترین جابه‌جایی را داشتند."}
	t := &table{Head: []string{"دستگاه", "مؤلفه", "ماه پیش", "این ماه", "تغییر"}, Widths: []float64{3, 2, 1.2, 1.2, 1.2}}
	for _, c := range d.Changes {
		who := "کل کشور"
		if c.Agency != "" {
			who = d.name(c.Agency)
		}
		t.Rows = append(t.Rows, []string{who, componentShort[c.Component], num(c.From), num(c.To), signed(c.Delta)})
	}
	s.Table = t
	return s
}

// baseText says where the smart share's base comes from.
func (d reportData) baseText() string {
	if d.cfg.SmartBaseShare != nil {
		return "سهم پایهٔ تعیین‌شده (" + percent(*d.cfg.SmartBaseShare) + ") از پایان سال " + count(d.cfg.BaseYear)
	}
	return "سهم هوشمند خودِ هر دستگاه در پایان سال پایه " + count(d.cfg.BaseYear) + " (یا نخستین ماهی که خدمت فعال داشت)"
}
