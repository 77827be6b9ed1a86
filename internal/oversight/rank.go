package oversight

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/persian"
)

// By names what a ranking ranks.
const (
	ByAgency   = "agency"
	ByProvince = "province"
)

// catalogueComponent reports whether a component is a share of the
// catalogue, which is national: provinces are not ranked by it.
func catalogueComponent(c string) bool { return c == FullyElectronic || c == Smart }

// Parts returns the normalised score, 0..100, of each component that has
// data in f (see the method text for the scales).
func Parts(f kpi.Figures) map[string]float64 {
	p := map[string]float64{}
	if f.Services > 0 {
		p[FullyElectronic] = pct(f.FullyElectronic, f.Services)
		p[Smart] = pct(f.Smart, f.Services)
	}
	if f.Decided > 0 {
		p[OnTime] = pct(f.OnTime, f.Decided)
	}
	if f.Ratings > 0 {
		mean := float64(f.RatingSum) / float64(f.Ratings)
		p[Satisfaction] = clamp((mean - 1) * 25)
	}
	if f.Submitted > 0 {
		perThousand := float64(f.Complaints) * 1000 / float64(f.Submitted)
		p[Complaints] = clamp(100 - perThousand)
	}
	if f.DecidedAuto > 0 {
		p[AutoUpheld] = 100 - pct(f.Overturned, f.DecidedAuto)
	}
	return p
}

func clamp(v float64) float64 { return math.Max(0, math.Min(100, v)) }

// Rank ranks the agencies (figures whose key names an agency and nothing
// narrower) or, with by = ByProvince, the provinces (figures whose key
// names a province and nothing else) of month. Figures of other months or
// other groups are ignored. A component with no data (no cases decided, no
// ratings, ...) does not count and its weight is shared among the others
// (Missing lists it); an entity with no data at all is listed last,
// unranked (Rank 0). Ties on the score (to 0.01) go to the one whose score
// rests on more weight, then to the smaller code. It is a pure function.
func Rank(monthText string, figs []kpi.Figures, cfg Config, by string) []Ranked {
	var out []Ranked
	for _, f := range figs {
		if f.Month != monthText || f.Service != "" || f.City != "" {
			continue
		}
		var r Ranked
		switch {
		case by == ByProvince && f.Province != "" && f.Agency == "":
			r.Province = f.Province
		case by == ByAgency && f.Agency != "" && f.Province == "":
			r.Agency = f.Agency
		default:
			continue
		}
		r.Parts = Parts(f)
		var sum float64
		for _, c := range Components {
			w := cfg.Ranking.Weights[c]
			if w <= 0 {
				continue
			}
			if by == ByProvince && catalogueComponent(c) {
				delete(r.Parts, c)
				continue
			}
			v, ok := r.Parts[c]
			if !ok {
				r.Missing = append(r.Missing, c)
				continue
			}
			sum += w * v
			r.Weight += w
		}
		if r.Weight > 0 {
			r.Score = round2(sum / r.Weight)
		}
		for c, v := range r.Parts {
			r.Parts[c] = round2(v)
		}
		out = append(out, r)
	}
	code := func(r Ranked) string { return r.Agency + r.Province }
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Weight > 0) != (b.Weight > 0) {
			return a.Weight > 0
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Weight != b.Weight {
			return a.Weight > b.Weight
		}
		return code(a) < code(b)
	})
	for i := range out {
		if out[i].Weight > 0 {
			out[i].Rank = i + 1
		}
	}
	return out
}

// componentNames are each component's name and scale, in Persian and
// English, as the method text prints them.
var componentNames = map[string][2]string{
	FullyElectronic: {"سهم خدمات تمام‌الکترونیکی (سطح ۲ و بالاتر) از خدمات فعال", "share of live services that are fully electronic (level 2 or above)"},
	Smart:           {"سهم خدمات هوشمند (سطح ۳ و بالاتر) از خدمات فعال", "share of live services that are smart (level 3 or above)"},
	OnTime:          {"سهم پرونده‌های تصمیم‌گرفته که در مهلت وعده‌داده تصمیم گرفته شدند", "share of decided cases decided by their promised deadline"},
	Satisfaction:    {"رضایت: میانگین امتیاز ۱ تا ۵، به مقیاس ۰ تا ۱۰۰ (۱ = ۰، ۵ = ۱۰۰)", "satisfaction: the mean rating 1 to 5 on a 0 to 100 scale (1 = 0, 5 = 100)"},
	Complaints:      {"شکایت‌ها: ۱۰۰ منهای شمار شکایت در هر هزار پروندهٔ ثبت‌شده (صفر شکایت = ۱۰۰، صد در هزار یا بیشتر = ۰)", "complaints: 100 minus complaints per thousand submitted cases (none = 100, 100 per thousand or more = 0)"},
	AutoUpheld:      {"تصمیم‌های خودکاری که در اعتراض نقض نشدند (۱ منهای سهم نقض‌شده)", "automatic decisions not overturned on objection (1 minus the overturned share)"},
}

// MethodFor returns the ranking method for by (ByAgency or ByProvince) as
// published beside the ranking: the components, their scales and the
// weights of cfg as shares of the total, and the rules for missing data
// and ties.
func MethodFor(cfg Config, by string) Method {
	m := Method{Weights: map[string]float64{}}
	var total float64
	var used []string
	for _, c := range Components {
		w := cfg.Ranking.Weights[c]
		if w <= 0 || (by == ByProvince && catalogueComponent(c)) {
			continue
		}
		total += w
		used = append(used, c)
	}
	var fa, en strings.Builder
	who, whoEn := "هر دستگاه", "Each agency"
	if by == ByProvince {
		who, whoEn = "هر استان", "Each province"
	}
	fmt.Fprintf(&fa, "امتیاز %s میانگین وزنی مؤلفه‌های زیر است که هر یک از ۰ تا ۱۰۰ سنجیده می‌شود: ", who)
	fmt.Fprintf(&en, "%s's score is the weighted mean of these components, each scored from 0 to 100: ", whoEn)
	for i, c := range used {
		w := cfg.Ranking.Weights[c]
		m.Weights[c] = w
		share := w * 100 / total
		if i > 0 {
			fa.WriteString("؛ ")
			en.WriteString("; ")
		}
		fmt.Fprintf(&fa, "%s، وزن %s (%s٪)", componentNames[c][0], persian.Digits(trimFloat(w)), persian.Digits(trimFloat(round2(share))))
		fmt.Fprintf(&en, "%s, weight %s (%s%%)", componentNames[c][1], trimFloat(w), trimFloat(round2(share)))
	}
	fa.WriteString(". ")
	en.WriteString(". ")
	if by == ByProvince {
		fa.WriteString("سهم‌های سطح خدمات در رتبه‌بندی استان‌ها نمی‌آیند، چون فهرست خدمات کشوری است و برای همهٔ استان‌ها یکسان است. ")
		en.WriteString("The service-level shares do not count for provinces: the catalogue is national and the same for every province. ")
	}
	fa.WriteString("مؤلفه‌ای که در آن ماه داده ندارد (مثلاً هیچ پرونده‌ای تصمیم نگرفته یا امتیازی داده نشده) حساب نمی‌شود و وزنش به نسبت میان مؤلفه‌های دیگر پخش می‌شود؛ صفحه آن را «بدون داده» می‌نویسد. ")
	en.WriteString("A component with no data that month (no case decided, no rating given, ...) does not count, and its weight is shared among the others in proportion; the page lists it as without data. ")
	fa.WriteString("آنکه هیچ داده‌ای ندارد رتبه نمی‌گیرد. در امتیاز برابر (تا دو رقم اعشار)، آنکه امتیازش بر وزن بیشتری استوار است و سپس کد کوچک‌تر جلوتر می‌آید. ")
	en.WriteString("One with no data at all is not ranked. On equal scores (to two decimals), the one whose score rests on more weight comes first, then the smaller code. ")
	fa.WriteString("همهٔ ارقام از رویدادهای مهروموم‌شدهٔ دفتر رویدادها محاسبه می‌شوند.")
	en.WriteString("Every figure is computed from the sealed events of the ledger.")
	m.Fa, m.En = fa.String(), en.String()
	return m
}

// trimFloat writes v without trailing zeros: 30, 12.5.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
