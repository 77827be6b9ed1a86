// Command rules measures how fast the rules engine decides: decisions per
// second and the latency of one evaluation of a realistic ruleset (six rules
// over the form, an inquiry's answer and the applicant), next to the same
// rules written as plain Go in the same run, and prints the ratio. Both
// must decide every input the same way, or the command fails.
//
//	go run ./bench/rules [-n 20000] [-rounds 3]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/rules"
)

var env = rules.Env{
	Form: json.RawMessage(`{"type":"object","properties":{
		"capital":{"type":"integer"},"activity":{"type":"string"},"phone":{"type":"string"}}}`),
	Evidence: map[string]json.RawMessage{
		"criminal_record": json.RawMessage(`{"type":"object","properties":{"clean":{"type":"boolean"},
			"offences":{"type":"array","items":{"type":"object","properties":{"kind":{"type":"string"},"year":{"type":"integer"}}}}}}`),
		"degree": json.RawMessage(`{"type":"object","properties":{"level":{"type":"string"},
			"graduated":{"type":"object","properties":{"date":{"type":"string","format":"date"},"jalali":{"type":"string"}}}}}`),
	},
	Grounds: []string{"underage", "record"},
	Permit:  true,
}

var ruleset = []rules.Rule{
	{Code: "underage", When: `applicant.age < 18`, Outcome: rules.Reject, Ground: "underage",
		ExplainFa: "متقاضی {{applicant.age}} ساله و کمتر از ۱۸ سال است", ExplainEn: "the applicant is {{applicant.age}}, under 18"},
	{Code: "record", When: `has(evidence.criminal_record.clean) && !evidence.criminal_record.clean`, Outcome: rules.Reject, Ground: "record",
		ExplainFa: "متقاضی محکومیت مؤثر کیفری دارد", ExplainEn: "the applicant has a relevant conviction"},
	{Code: "fraud", When: `evidence.criminal_record.offences.exists(o, o.kind == "fraud" && o.year >= 1400)`, Outcome: rules.Refer,
		ExplainFa: "سابقهٔ کلاهبرداری در سال‌های اخیر بررسی کارشناس می‌خواهد", ExplainEn: "a recent fraud record needs a clerk"},
	{Code: "big_capital", When: `form.capital > 10000000000`, Outcome: rules.Refer,
		ExplainFa: "سرمایهٔ {{form.capital}} ریال بررسی کارشناس می‌خواهد", ExplainEn: "a capital of {{form.capital}} rials needs a clerk"},
	{Code: "mining_zone", When: `applicant.province in ["23", "07"] && form.activity == "mining"`, Outcome: rules.Refer,
		ExplainFa: "معدن‌کاری در این استان مجوز محیط‌زیستی می‌خواهد", ExplainEn: "mining in this province needs an environmental permit"},
	{Code: "eligible", When: `applicant.age >= 18 && evidence.criminal_record.clean && evidence.degree.level in ["bachelor", "master", "phd"] && years_between(evidence.degree.graduated.date, today) <= 40 && form.capital >= 1000000`,
		Outcome: rules.Approve, ExplainFa: "متقاضی {{applicant.age}} ساله، بی‌سابقه و دارای مدرک {{evidence.degree.level}} است", ExplainEn: "the applicant is {{applicant.age}}, has a clean record and a {{evidence.degree.level}} degree"},
}

// plain is the same ruleset written by hand, producing the same decision.
func plain(in rules.Input) rules.Decision {
	d := rules.Decision{Service: "bench", Version: 1, Fired: []rules.Fired{}}
	age := in.Applicant.Age
	cr, _ := in.Evidence["criminal_record"].(map[string]any)
	deg, _ := in.Evidence["degree"].(map[string]any)
	capital, capOK := int64(0), false
	if s, ok := in.Form["capital"].(string); ok {
		if n, err := strconv.ParseInt(persian.ASCIIDigits(s), 10, 64); err == nil {
			capital, capOK = n, true
		}
	}
	activity, _ := in.Form["activity"].(string)
	clean, cleanOK := cr["clean"].(bool)
	var rejects, refers, approves []rules.Fired
	if age < 18 {
		rejects = append(rejects, rules.Fired{Rule: "underage", Outcome: rules.Reject, Ground: "underage",
			ExplainFa: "متقاضی " + persian.Digits(strconv.Itoa(age)) + " ساله و کمتر از ۱۸ سال است", ExplainEn: "the applicant is " + strconv.Itoa(age) + ", under 18"})
	}
	if cleanOK && !clean {
		rejects = append(rejects, rules.Fired{Rule: "record", Outcome: rules.Reject, Ground: "record",
			ExplainFa: "متقاضی محکومیت مؤثر کیفری دارد", ExplainEn: "the applicant has a relevant conviction"})
	}
	offences, _ := cr["offences"].([]any)
	for _, o := range offences {
		om, _ := o.(map[string]any)
		if y, _ := om["year"].(float64); om["kind"] == "fraud" && y >= 1400 {
			refers = append(refers, rules.Fired{Rule: "fraud", Outcome: rules.Refer,
				ExplainFa: "سابقهٔ کلاهبرداری در سال‌های اخیر بررسی کارشناس می‌خواهد", ExplainEn: "a recent fraud record needs a clerk"})
			break
		}
	}
	if capOK && capital > 10_000_000_000 {
		c := strconv.FormatInt(capital, 10)
		refers = append(refers, rules.Fired{Rule: "big_capital", Outcome: rules.Refer,
			ExplainFa: "سرمایهٔ " + persian.Digits(c) + " ریال بررسی کارشناس می‌خواهد", ExplainEn: "a capital of " + c + " rials needs a clerk"})
	}
	if (in.Applicant.Province == "23" || in.Applicant.Province == "07") && activity == "mining" {
		refers = append(refers, rules.Fired{Rule: "mining_zone", Outcome: rules.Refer,
			ExplainFa: "معدن‌کاری در این استان مجوز محیط‌زیستی می‌خواهد", ExplainEn: "mining in this province needs an environmental permit"})
	}
	level, _ := deg["level"].(string)
	grad, _ := deg["graduated"].(map[string]any)
	gdate, _ := grad["date"].(string)
	g, gerr := time.Parse("2006-01-02", gdate)
	if age >= 18 && cleanOK && clean && (level == "bachelor" || level == "master" || level == "phd") && gerr == nil && yearsBetween(g, in.Today) <= 40 && capOK && capital >= 1_000_000 {
		approves = append(approves, rules.Fired{Rule: "eligible", Outcome: rules.Approve,
			ExplainFa: "متقاضی " + persian.Digits(strconv.Itoa(age)) + " ساله، بی‌سابقه و دارای مدرک " + level + " است",
			ExplainEn: "the applicant is " + strconv.Itoa(age) + ", has a clean record and a " + level + " degree"})
	}
	join := func(fs []rules.Fired, fa bool) string {
		var parts []string
		for _, f := range fs {
			if fa {
				parts = append(parts, f.ExplainFa)
			} else {
				parts = append(parts, f.ExplainEn)
			}
		}
		if fa {
			return strings.Join(parts, "؛ ")
		}
		return strings.Join(parts, "; ")
	}
	d.Fired = append(append(append(d.Fired, rejects...), refers...), approves...)
	switch {
	case len(rejects) > 0:
		d.Outcome, d.Ground = rules.Reject, rejects[0].Ground
		d.ExplainFa = "رد شد بر پایهٔ شرط «" + rejects[0].Rule + "» (زمینهٔ رد: " + d.Ground + ")، زیرا " + join(rejects, true) + "."
		d.ExplainEn = "Rejected under rule “" + rejects[0].Rule + "” (ground " + d.Ground + ") because " + join(rejects, false) + "."
	case len(refers) > 0:
		d.Outcome = rules.Refer
		d.ExplainFa = "برای بررسی به کارشناس ارجاع شد، زیرا " + join(refers, true) + "."
		d.ExplainEn = "Referred to a clerk because " + join(refers, false) + "."
	case len(approves) > 0:
		d.Outcome = rules.Approve
		d.ExplainFa = "تأیید شد، زیرا " + join(approves, true) + "."
		d.ExplainEn = "Approved because " + join(approves, false) + "."
	default:
		d.Outcome = rules.Refer
		d.ExplainFa = "برای بررسی به کارشناس ارجاع شد، زیرا هیچ قاعده‌ای درخواست را تأیید نکرد."
		d.ExplainEn = "Referred to a clerk because no rule approved the application."
	}
	return d
}

func yearsBetween(a, b time.Time) int {
	n := b.Year() - a.Year()
	if b.Month() < a.Month() || (b.Month() == a.Month() && b.Day() < a.Day()) {
		n--
	}
	return n
}

// inputs makes n varied applications, as apply would give them: form text,
// decoded JSON answers (numbers as float64), the civil registry's profile.
func inputs(n int) []rules.Input {
	r := rand.New(rand.NewPCG(1, 2))
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	acts := []string{"bakery", "mining", "retail", "software"}
	levels := []string{"diploma", "bachelor", "master", "phd"}
	provinces := []string{"23", "07", "01", "11"}
	out := make([]rules.Input, n)
	for i := range out {
		var offences []any
		for j := r.IntN(4); j > 0; j-- {
			offences = append(offences, map[string]any{"kind": []string{"fraud", "traffic", "theft"}[r.IntN(3)], "year": float64(1390 + r.IntN(15))})
		}
		capital := strconv.FormatInt(int64(r.IntN(20_000))*1_000_000, 10)
		if r.IntN(2) == 0 {
			capital = persian.Digits(capital)
		}
		out[i] = rules.Input{
			Form: map[string]any{"capital": capital, "activity": acts[r.IntN(len(acts))], "phone": "09121234567"},
			Evidence: map[string]any{
				"criminal_record": map[string]any{"clean": r.IntN(10) > 0, "offences": offences},
				"degree": map[string]any{"level": levels[r.IntN(len(levels))],
					"graduated": map[string]any{"date": today.AddDate(-r.IntN(50), -r.IntN(12), 0).Format("2006-01-02"), "jalali": "-"}},
			},
			Applicant: rules.Applicant{Age: 14 + r.IntN(60), Sex: "female", Province: provinces[r.IntN(len(provinces))], Alive: true},
			Today:     today,
		}
	}
	return out
}

type result struct {
	perSec, parallelPerSec float64
	p50, p99               time.Duration
}

func measure(ins []rules.Input, decide func(rules.Input) rules.Decision) result {
	lat := make([]time.Duration, len(ins))
	start := time.Now()
	for i, in := range ins {
		t := time.Now()
		decide(in)
		lat[i] = time.Since(t)
	}
	total := time.Since(start)
	slices.Sort(lat)
	res := result{perSec: float64(len(ins)) / total.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
	// All cores: each worker takes the next input.
	var next atomic.Int64
	var wg sync.WaitGroup
	start = time.Now()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ins)) {
					return
				}
				decide(ins[i])
			}
		}()
	}
	wg.Wait()
	res.parallelPerSec = float64(len(ins)) / time.Since(start).Seconds()
	return res
}

func main() {
	n := flag.Int("n", 20000, "applications per round")
	rounds := flag.Int("rounds", 3, "rounds; the best is reported")
	flag.Parse()
	ctx := context.Background()
	prog, probs := rules.Compile(rules.Ruleset{Service: "bench", Version: 1, Rules: ruleset}, env)
	if len(probs) > 0 {
		fmt.Fprintln(os.Stderr, "compile:", probs)
		os.Exit(1)
	}
	ins := inputs(*n)
	celDecide := func(in rules.Input) rules.Decision {
		d, err := prog.Evaluate(ctx, in)
		if err != nil {
			panic(err)
		}
		return d
	}
	outcomes := map[rules.Outcome]int{}
	for i, in := range ins {
		a, b := celDecide(in), plain(in)
		if a.Outcome != b.Outcome || a.Ground != b.Ground || a.ExplainFa != b.ExplainFa || a.ExplainEn != b.ExplainEn {
			fmt.Fprintf(os.Stderr, "input %d: CEL and Go differ:\n  %+v\n  %+v\n", i, a, b)
			os.Exit(1)
		}
		outcomes[a.Outcome]++
	}
	fmt.Printf("%d applications, %d rules, GOMAXPROCS %d; outcomes: %d approve, %d reject, %d refer (CEL and Go agree on all)\n",
		len(ins), len(ruleset), runtime.GOMAXPROCS(0), outcomes[rules.Approve], outcomes[rules.Reject], outcomes[rules.Refer])
	var best, base result
	for r := 0; r < *rounds; r++ {
		c, g := measure(ins, celDecide), measure(ins, plain)
		if c.perSec > best.perSec {
			best = c
		}
		if g.perSec > base.perSec {
			base = g
		}
	}
	fmt.Printf("%-10s %14s %16s %10s %10s\n", "engine", "decisions/s", "all cores /s", "p50", "p99")
	fmt.Printf("%-10s %14.0f %16.0f %10v %10v\n", "CEL", best.perSec, best.parallelPerSec, best.p50, best.p99)
	fmt.Printf("%-10s %14.0f %16.0f %10v %10v\n", "plain Go", base.perSec, base.parallelPerSec, base.p50, base.p99)
	fmt.Printf("ratio Go/CEL: throughput %.1fx, p99 %.1fx\n", base.perSec/best.perSec, float64(best.p99)/float64(base.p99))
}
