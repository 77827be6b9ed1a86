package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/proactive"
	"github.com/panjare/panjare/internal/rules"
)

// The demo's life-event chains: services that start themselves when the
// civil registry or a pension fund publishes a life event through the
// exchange, each decided by an active ruleset and started by an active
// subscription, both written by one admin of the agency and activated by a
// second, through the same verbs an agency uses.
//
//   - birth → registration of the birth with its certificate and the
//     child's national code (no-stop, to the mother), the newborn's health
//     insurance (no-stop, to the mother), the newborn subsidy, the demo's
//     child allowance (an offer to the mother);
//   - retirement → the social security pension (an offer, for SSO
//     retirements), the transfer of the pensioner's health insurance
//     (no-stop);
//   - death → stopping the deceased's benefits (no-stop), the certificate
//     of heirship (an offer to the spouse and children, who still swear
//     their statement at the council: the rules refer it to a clerk).

// lifeEventServices are the services the chains need that the catalogue
// had no record for. They are appended after every other group so that
// the identifiers of the others do not move.
func lifeEventServices() []def {
	return []def{
		{
			ag: "SSO", fa: "انتقال پوشش درمان به صندوق بازنشستگان", en: "Transfer of health insurance on retirement",
			desc:   "با بازنشستگی، پوشش درمان بیمه‌شده و خانواده‌اش بی‌وقفه از فهرست شاغلان به فهرست بازنشستگان منتقل می‌شود. لازم نیست کاری بکنید؛ نتیجه در صندوق پیام شما می‌آید.",
			descEn: "On retirement, the health cover of the insured person and their family moves without a break from the workers' list to the pensioners'. You need not do anything; the outcome comes to your inbox.",
			kw:     "بیمه درمان بازنشستگان، انتقال دفترچه بیمه، درمان بازنشستگی",
			mode:   mNoStop, ev: events("retirement", "health"),
			reqs:  reqs(rq("insured", "بیمه‌شدهٔ بازنشسته با پوشش درمان", "A retiring insured person with health cover", eInsurance, eCoverage)),
			out:   outs(registration("پوشش درمان بازنشستگی", "Pensioner's health cover")),
			hours: 1, freq: catalog.Once, vol: 260_000,
			laws: laws(actSocialSec.whole()),
		},
		{
			ag: "SSO", fa: "قطع مستمری و مزایای متوفی", en: "Stopping a deceased person's benefits",
			desc:   "با ثبت فوت در ثبت احوال، پرداخت مستمری و مزایای متوفی خودکار قطع می‌شود تا مبلغی به ناحق واریز و بعد از وراث پس گرفته نشود. بازماندگان برای مستمری بازماندگان جداگانه اقدام می‌کنند.",
			descEn: "Once the civil registry registers a death, the deceased's pension and benefits stop automatically, so that nothing is paid wrongly and later reclaimed from the heirs. Survivors apply separately for a survivors' pension.",
			kw:     "قطع مستمری فوت، قطع حقوق متوفی، مزایای متوفی",
			mode:   mNoStop, ev: events("death"),
			reqs:  reqs(rq("death", "فوت ثبت‌شده", "A registered death", eDeath, ePension)),
			out:   outs(decision("قطع مستمری و مزایا", "Benefits stopped")),
			hours: 1, freq: catalog.Once, vol: 430_000,
			laws: laws(actSocialSec.whole()),
		},
	}
}

// chainLink is one service of a chain: its subscription and its rules.
type chainLink struct {
	titleEn   string // finds the published service
	event     string
	mode      proactive.Mode
	condition string
	applicant string
	rules     []rules.Rule
	tests     []rules.TestCase
}

func ev(pairs ...any) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i].(string)] = pairs[i+1]
	}
	return out
}

var (
	childOf    = []any{ev("relation", "child", "national_code", "0012345679", "first_name", "سارا", "last_name", "کریمی", "birth_date", ev("date", "2025-10-30", "jalali", "1404/08/08"), "alive", true)}
	spouseOf   = []any{ev("relation", "spouse", "national_code", "0012345687", "first_name", "رضا", "last_name", "کریمی", "birth_date", ev("date", "1984-02-01", "jalali", "1362/11/12"), "alive", true)}
	deadSpouse = []any{ev("relation", "spouse", "national_code", "0012345687", "first_name", "رضا", "last_name", "کریمی", "birth_date", ev("date", "1960-02-01", "jalali", "1338/11/12"), "alive", false)}
	notice     = []any{ev("notice_number", "0000006001", "hospital_fa", "بیمارستان میلاد", "child_sex", "female", "birth_date", ev("date", "2025-10-30", "jalali", "1404/08/08"), "registered", true)}
	account    = []any{ev("bank_fa", "بانک ملی", "iban", "IR000000000000000000000001", "kind_fa", "سپردهٔ کوتاه‌مدت", "opened", ev("date", "2010-01-02", "jalali", "1388/10/12"))}
	member     = []any{ev("national_code", "0012345679", "name", "سارا کریمی", "relation_fa", "فرزند")}
	testDay    = time.Date(2026, time.January, 10, 0, 0, 0, 0, time.UTC)
)

func in(evidence map[string]any, age int) rules.Input {
	return rules.Input{Form: map[string]any{}, Evidence: evidence, Applicant: rules.Applicant{Age: age, BirthDate: "1987-09-14", Sex: "female", Alive: true}, Today: testDay}
}

// chains returns the links of the demo's three chains.
func chains() []chainLink {
	return []chainLink{
		{
			titleEn: "Birth registration, birth certificate and national code for a newborn", event: "birth", mode: proactive.NoStop,
			condition: "true", applicant: "event.mother_national_code",
			rules: []rules.Rule{
				{Code: "notified_married", Outcome: rules.Approve,
					When:      `size(evidence.birth_notice.notices) > 0 && evidence.identity.alive && evidence.marital_status.status == "married"`,
					ExplainFa: "بیمارستان ولادت را اعلام کرده است و ازدواج مادر در ثبت احوال ثبت شده است",
					ExplainEn: "the hospital notified the birth and the mother's marriage is registered"},
				{Code: "no_notice", Outcome: rules.Refer, When: `size(evidence.birth_notice.notices) == 0`,
					ExplainFa: "گواهی ولادتی از بیمارستان نرسیده است؛ کارشناس ثبت احوال بررسی می‌کند",
					ExplainEn: "no hospital birth notice has arrived; a registry officer will check"},
				{Code: "not_married", Outcome: rules.Refer, When: `evidence.marital_status.status != "married"`,
					ExplainFa: "وضعیت تأهل مادر «{{evidence.marital_status.status_fa}}» است؛ نسب پدری را کارشناس بررسی می‌کند",
					ExplainEn: "the mother's marital status is {{evidence.marital_status.status}}; an officer checks the father's record"},
			},
			tests: []rules.TestCase{
				{Name: "married mother with a notice", Want: rules.Approve, Input: in(ev(
					"birth_notice", ev("national_code", "0499370899", "notices", notice),
					"identity", ev("national_code", "0499370899", "alive", true),
					"marital_status", ev("national_code", "0499370899", "status", "married", "status_fa", "متأهل")), 38)},
				{Name: "no notice", Want: rules.Refer, Input: in(ev(
					"birth_notice", ev("national_code", "0499370899", "notices", []any{}),
					"identity", ev("national_code", "0499370899", "alive", true),
					"marital_status", ev("national_code", "0499370899", "status", "married", "status_fa", "متأهل")), 38)},
				{Name: "unmarried mother", Want: rules.Refer, Input: in(ev(
					"birth_notice", ev("national_code", "0499370899", "notices", notice),
					"identity", ev("national_code", "0499370899", "alive", true),
					"marital_status", ev("national_code", "0499370899", "status", "single", "status_fa", "مجرد")), 24)},
			},
		},
		{
			titleEn: "Health insurance for a newborn", event: "birth", mode: proactive.NoStop,
			condition: "true", applicant: "event.mother_national_code",
			rules: []rules.Rule{
				{Code: "covered_family", Outcome: rules.Approve,
					When:      `evidence.health_coverage.covered && evidence.family.relatives.exists(r, r.relation == "child")`,
					ExplainFa: "خانوار در «{{evidence.health_coverage.fund}}» بیمه است و نوزاد در خانوار ثبت شده است",
					ExplainEn: "the household is insured ({{evidence.health_coverage.fund}}) and the newborn is registered in it"},
				{Code: "uncovered", Outcome: rules.Refer, When: `!evidence.health_coverage.covered`,
					ExplainFa: "خانوار پوشش بیمهٔ درمانی ندارد؛ کارشناس بیمهٔ سلامت همگانی را برای نوزاد برقرار می‌کند",
					ExplainEn: "the household has no health cover; an officer will enrol the newborn in universal health insurance"},
			},
			tests: []rules.TestCase{
				{Name: "insured household", Want: rules.Approve, Input: in(ev(
					"family", ev("national_code", "0499370899", "relatives", append(append([]any{}, spouseOf...), childOf...)),
					"health_coverage", ev("national_code", "0499370899", "covered", true, "fund", "صندوق بیمهٔ سلامت همگانی", "role", "dependant")), 38)},
				{Name: "uninsured household", Want: rules.Refer, Input: in(ev(
					"family", ev("national_code", "0499370899", "relatives", childOf),
					"health_coverage", ev("national_code", "0499370899", "covered", false)), 38)},
			},
		},
		{
			titleEn: "Subsidy for a newborn", event: "birth", mode: proactive.Offer,
			condition: "true", applicant: "event.mother_national_code",
			rules: []rules.Rule{
				{Code: "subsidy_household", Outcome: rules.Approve,
					When:      `size(evidence.household.members) > 0 && evidence.family.relatives.exists(r, r.relation == "child")`,
					ExplainFa: "خانوار با {{size(evidence.household.members)}} عضو یارانه می‌گیرد و نوزاد در ثبت احوال فرزند مادر است",
					ExplainEn: "the household of {{size(evidence.household.members)}} receives the subsidy and the newborn is the mother's child in the registry"},
				{Code: "no_household", Outcome: rules.Refer, When: `size(evidence.household.members) == 0`,
					ExplainFa: "خانوار در فهرست یارانه‌بگیران نیست؛ نخست باید برای یارانهٔ خانوار ثبت‌نام شود",
					ExplainEn: "the household does not receive the subsidy; it must first register for the household subsidy"},
			},
			tests: []rules.TestCase{
				{Name: "subsidy household with a newborn", Want: rules.Approve, Input: in(ev(
					"family", ev("national_code", "0499370899", "relatives", childOf),
					"household", ev("national_code", "0499370899", "head_national_code", "0012345687", "members", member, "monthly_rials", 3000000)), 38)},
				{Name: "household without subsidy", Want: rules.Refer, Input: in(ev(
					"family", ev("national_code", "0499370899", "relatives", childOf),
					"household", ev("national_code", "0499370899", "head_national_code", "0012345687", "members", []any{}, "monthly_rials", 0)), 38)},
			},
		},
		{
			titleEn: "Social security retirement pension", event: "retirement", mode: proactive.Offer,
			condition: `event.fund == "SSO"`, applicant: "event.national_code",
			rules: []rules.Rule{
				{Code: "eligible", Outcome: rules.Approve,
					When:      `applicant.age >= 60 && evidence.insurance_record.months >= 120 && size(evidence.bank_account.accounts) > 0`,
					ExplainFa: "متقاضی {{applicant.age}} سال دارد و {{evidence.insurance_record.months}} ماه حق بیمه پرداخته است",
					ExplainEn: "the applicant is {{applicant.age}} and has paid {{evidence.insurance_record.months}} months of contributions"},
				{Code: "short_record", Outcome: rules.Reject, When: `evidence.insurance_record.months < 120`,
					ExplainFa: "سابقهٔ پرداخت حق بیمه {{evidence.insurance_record.months}} ماه است و کمتر از ۱۲۰ ماه (۱۰ سال) لازم برای مستمری است",
					ExplainEn: "the contribution record is {{evidence.insurance_record.months}} months, less than the 120 months (10 years) a pension needs"},
				{Code: "under_age", Outcome: rules.Refer, When: `applicant.age < 60`,
					ExplainFa: "متقاضی {{applicant.age}} سال دارد؛ بازنشستگی پیش از ۶۰ سالگی (مشاغل سخت یا پیش از موعد) را کارشناس بررسی می‌کند",
					ExplainEn: "the applicant is {{applicant.age}}; retirement before 60 (arduous work or early retirement) is checked by an officer"},
				{Code: "no_account", Outcome: rules.Refer, When: `size(evidence.bank_account.accounts) == 0`,
					ExplainFa: "حساب بانکی به نام متقاضی پیدا نشد؛ کارشناس برای واریز مستمری تماس می‌گیرد",
					ExplainEn: "no bank account in the applicant's name was found; an officer will ask where to pay the pension"},
			},
			tests: []rules.TestCase{
				{Name: "sixty-two with twenty-five years", Want: rules.Approve, Input: in(ev(
					"identity", ev("national_code", "0067749828", "alive", true),
					"insurance_record", ev("national_code", "0067749828", "insured", true, "months", 300),
					"bank_account", ev("national_code", "0067749828", "accounts", account)), 62)},
				{Name: "eight years of contributions", Want: rules.Reject, Input: in(ev(
					"identity", ev("national_code", "0067749828", "alive", true),
					"insurance_record", ev("national_code", "0067749828", "insured", true, "months", 96),
					"bank_account", ev("national_code", "0067749828", "accounts", account)), 63)},
				{Name: "fifty-five", Want: rules.Refer, Input: in(ev(
					"identity", ev("national_code", "0067749828", "alive", true),
					"insurance_record", ev("national_code", "0067749828", "insured", true, "months", 300),
					"bank_account", ev("national_code", "0067749828", "accounts", account)), 55)},
			},
		},
		{
			titleEn: "Transfer of health insurance on retirement", event: "retirement", mode: proactive.NoStop,
			condition: "true", applicant: "event.national_code",
			rules: []rules.Rule{
				{Code: "covered", Outcome: rules.Approve, When: `evidence.health_coverage.covered`,
					ExplainFa: "پوشش درمان «{{evidence.health_coverage.fund}}» بی‌وقفه به فهرست بازنشستگان منتقل شد",
					ExplainEn: "the health cover ({{evidence.health_coverage.fund}}) moved to the pensioners' list without a break"},
				{Code: "uncovered", Outcome: rules.Refer, When: `!evidence.health_coverage.covered`,
					ExplainFa: "پوشش درمانی فعالی برای انتقال پیدا نشد؛ کارشناس بررسی می‌کند",
					ExplainEn: "no active health cover was found to transfer; an officer will check"},
			},
			tests: []rules.TestCase{
				{Name: "covered", Want: rules.Approve, Input: in(ev(
					"insurance_record", ev("national_code", "0067749828", "insured", true, "months", 300),
					"health_coverage", ev("national_code", "0067749828", "covered", true, "fund", "صندوق بیمهٔ سلامت همگانی")), 62)},
				{Name: "not covered", Want: rules.Refer, Input: in(ev(
					"insurance_record", ev("national_code", "0067749828", "insured", true, "months", 300),
					"health_coverage", ev("national_code", "0067749828", "covered", false)), 62)},
			},
		},
		{
			titleEn: "Stopping a deceased person's benefits", event: "death", mode: proactive.NoStop,
			condition: "true", applicant: "event.national_code",
			rules: []rules.Rule{
				{Code: "registered", Outcome: rules.Approve, When: `evidence.death_record.registered`,
					ExplainFa: "ثبت احوال فوت را با گواهی {{evidence.death_record.certificate_number}} ثبت کرده است",
					ExplainEn: "the civil registry registered the death (certificate {{evidence.death_record.certificate_number}})"},
				{Code: "not_registered", Outcome: rules.Refer, When: `!evidence.death_record.registered`,
					ExplainFa: "فوت هنوز در ثبت احوال ثبت نشده است؛ تا ثبت آن چیزی قطع نمی‌شود",
					ExplainEn: "the death is not yet registered with the civil registry; nothing stops until it is"},
			},
			tests: []rules.TestCase{
				{Name: "registered death", Want: rules.Approve, Input: in(ev(
					"death_record", ev("national_code", "0012345679", "registered", true, "certificate_number", "2024-000370", "death_date", ev("date", "2024-02-18", "jalali", "1402/11/29")),
					"pension", ev("national_code", "0012345679", "pensioner", true)), 66)},
				{Name: "not registered", Want: rules.Refer, Input: in(ev(
					"death_record", ev("national_code", "0012345679", "registered", false),
					"pension", ev("national_code", "0012345679", "pensioner", true)), 66)},
			},
		},
		{
			titleEn: "Certificate of heirship", event: "death", mode: proactive.Offer,
			condition: "true", applicant: "heirs(event.national_code)",
			rules: []rules.Rule{
				{Code: "heir_of_deceased", Outcome: rules.Refer,
					When:      `evidence.family.relatives.exists(r, !r.alive && r.relation in ["father", "mother", "spouse"])`,
					ExplainFa: "ثبت احوال فوت و نسبت شما را تأیید کرده است؛ استشهادیه و اظهارنامهٔ مالیات بر ارث را کارشناس شورا بررسی می‌کند",
					ExplainEn: "the civil registry confirms the death and your relation; a council officer checks the sworn statement and the estate tax return"},
				{Code: "no_deceased", Outcome: rules.Refer,
					When:      `!evidence.family.relatives.exists(r, !r.alive && r.relation in ["father", "mother", "spouse"])`,
					ExplainFa: "ثبت احوال فوتی در خانوادهٔ درجهٔ یک شما نشان نمی‌دهد؛ کارشناس شورا بررسی می‌کند",
					ExplainEn: "the civil registry shows no death among your close family; a council officer will check"},
			},
			tests: []rules.TestCase{
				{Name: "widow", Want: rules.Refer, Input: in(ev(
					"family", ev("national_code", "0499370899", "relatives", deadSpouse)), 60)},
				{Name: "no death", Want: rules.Refer, Input: in(ev(
					"family", ev("national_code", "0499370899", "relatives", spouseOf)), 40)},
			},
		},
	}
}

// chainAgencies are the agencies of the chains' services.
var chainAgencies = []string{"NOCR", "IHIO", "TSO", "SSO", "DRC"}

// ChainAdmins returns two admins for each agency of the chains (the first
// for NOCR is its demo admin, NOCRStaff): living adults of the registry
// taken from the end of the population, so that they are none of the
// other demo people and none of the families the chains are shown on.
func ChainAdmins(ps *backoffice.People) map[string][2]string {
	nocrAdmin, nocrOperator := NOCRStaff(ps)
	platformAdmin, overseer := PlatformStaff(ps)
	taken := []string{backoffice.CitizenAli, backoffice.CitizenMaryam, nocrAdmin, nocrOperator, platformAdmin, overseer}
	for _, p := range demoEventPeople(ps) {
		taken = append(taken, p.NationalCode)
		taken = append(taken, p.Children...)
		taken = append(taken, p.Spouse)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	all := ps.All()
	var free []string
	for i := len(all) - 1; i >= 0; i-- {
		p := all[i]
		if p.Alive() && p.Age(at) >= 25 && !slices.Contains(taken, p.NationalCode) {
			free = append(free, p.NationalCode)
		}
	}
	out := map[string][2]string{}
	for _, ag := range chainAgencies {
		var pair [2]string
		if ag == "NOCR" {
			pair[0] = nocrAdmin
		}
		for k := range pair {
			if pair[k] == "" && len(free) > 0 {
				pair[k], free = free[0], free[1:]
			}
		}
		out[ag] = pair
	}
	return out
}

// ChainConfig is what LoadChains writes through.
type ChainConfig struct {
	Catalog   *catalog.Catalog
	Identity  *identity.Identity
	Rules     *rules.Rules
	Proactive *proactive.Proactive
}

// LoadChains makes the chains' admins, and has them write and activate
// each chain service's ruleset and subscription through the rules and
// proactive verbs (a second admin approving each). It is idempotent: an
// active ruleset or subscription is left as it is.
func LoadChains(ctx context.Context, cfg ChainConfig, ps *backoffice.People) error {
	const op = "demo.LoadChains"
	admins, err := agencyAdmins(ctx, cfg.Identity, ps, ChainAdmins(ps))
	if err != nil {
		return errs.Wrap(op, err)
	}
	byTitle, err := publishedByTitle(ctx, cfg.Catalog)
	if err != nil {
		return errs.Wrap(op, err)
	}
	for _, l := range chains() {
		svc, ok := byTitle[l.titleEn]
		if !ok {
			return errs.E(op, errs.Internal, "the demo catalogue has no service "+l.titleEn, "")
		}
		pair, ok := admins[svc.Record.Agency]
		if !ok {
			return errs.E(op, errs.Internal, "no chain admins for "+svc.Record.Agency, "")
		}
		if err := chainRules(ctx, cfg.Rules, pair, svc.ID, l); err != nil {
			return errs.Wrap(op, fmt.Errorf("rules of %s: %w", l.titleEn, err))
		}
		if err := chainSubscription(ctx, cfg.Proactive, pair, svc.ID, l); err != nil {
			return errs.Wrap(op, fmt.Errorf("subscription of %s: %w", l.titleEn, err))
		}
	}
	return nil
}

// agencyAdmins makes each agency's pair of demo people (codes, as
// ChainAdmins and RulesAdmins pick them) its admins, and returns them as
// principals: the first writes, the second approves.
func agencyAdmins(ctx context.Context, id *identity.Identity, ps *backoffice.People, codes map[string][2]string) (map[string][2]identity.Principal, error) {
	admins := map[string][2]identity.Principal{}
	for ag, pairCodes := range codes {
		var pair [2]identity.Principal
		for k, code := range pairCodes {
			if code == "" {
				return nil, errs.E("demo.agencyAdmins", errs.Internal, "not enough demo people for the admins of "+ag, "")
			}
			person, err := id.EnsurePerson(ctx, code, ps.Get(code).FullName())
			if err != nil {
				return nil, err
			}
			if _, err := id.AddStaff(ctx, identity.System, code, ag, identity.RoleAgencyAdmin); err != nil && !errs.Is(err, errs.Conflict) {
				return nil, fmt.Errorf("admin of %s: %w", ag, err)
			}
			if pair[k], err = id.PrincipalOf(ctx, person); err != nil {
				return nil, err
			}
		}
		admins[ag] = pair
	}
	return admins, nil
}

// publishedByTitle returns the published services by English title, the
// key the demo's rulesets and chains name their services by.
func publishedByTitle(ctx context.Context, cat *catalog.Catalog) (map[string]catalog.Service, error) {
	published, err := cat.Published(ctx)
	if err != nil {
		return nil, err
	}
	byTitle := make(map[string]catalog.Service, len(published))
	for _, s := range published {
		byTitle[s.Record.TitleEn] = s
	}
	return byTitle, nil
}

func chainRules(ctx context.Context, r *rules.Rules, admins [2]identity.Principal, service string, l chainLink) error {
	if _, ok, err := r.Active(ctx, service); err != nil || ok {
		return err
	}
	rs, err := r.SaveDraft(ctx, admins[0], service, l.rules, l.tests)
	if err != nil {
		if ps := rules.ProblemsOf(err); len(ps) > 0 {
			return fmt.Errorf("%w: %s %s: %s", err, ps[0].Rule, ps[0].Field, ps[0].En)
		}
		return err
	}
	if _, err := r.RequestActivation(ctx, admins[0], service, rs.Version); err != nil {
		return err
	}
	_, err = r.ApproveActivation(ctx, admins[1], service, rs.Version)
	return err
}

func chainSubscription(ctx context.Context, p *proactive.Proactive, admins [2]identity.Principal, service string, l chainLink) error {
	subs, err := p.Subscriptions(ctx, service)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Status == proactive.Active && s.EventType == l.event {
			return nil
		}
	}
	s, err := p.Subscribe(ctx, admins[0], service, proactive.SubscriptionDraft{EventType: l.event, Condition: l.condition, Mode: l.mode, Applicant: l.applicant})
	if err != nil {
		if ps := proactive.ProblemsOf(err); len(ps) > 0 {
			return fmt.Errorf("%w: %s: %s", err, ps[0].Field, ps[0].En)
		}
		return err
	}
	_, err = p.Activate(ctx, admins[1], s.ID)
	return err
}
