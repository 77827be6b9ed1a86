package catalog

// Quality is the score of a record's completeness and clarity, 0 to 100,
// with what the agency can do to raise it. It is computed, never stored as
// typed by anyone.
type Quality struct {
	Score       int          `json:"score"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// Suggestion is one improvement and the points it would add.
type Suggestion struct {
	Field  string `json:"field"`
	Fa     string `json:"fa"`
	En     string `json:"en"`
	Points int    `json:"points"`
}

// FullDescription is the length, in characters, from which a Persian
// description earns its full quality points.
const FullDescription = 150

// ComputeQuality scores a record from weighted checks that add up to 100.
// Every check that is not met becomes a Suggestion saying what to add and how
// many points it is worth. The result depends only on rec.
func ComputeQuality(rec Record) Quality {
	var q Quality
	check := func(ok bool, points int, field, fa, en string) {
		if ok {
			q.Score += points
			return
		}
		q.Suggestions = append(q.Suggestions, Suggestion{Field: field, Fa: fa, En: en, Points: points})
	}
	partial := func(got, points int, field, fa, en string) {
		q.Score += got
		if got < points {
			q.Suggestions = append(q.Suggestions, Suggestion{Field: field, Fa: fa, En: en, Points: points - got})
		}
	}

	check(rec.TitleEn != "", 5, "title_en",
		"عنوان انگلیسی خدمت را بنویسید.", "Add the English title.")
	check(rec.DescriptionEn != "", 5, "description_en",
		"شرح انگلیسی خدمت را بنویسید.", "Add the English description.")
	check(len([]rune(rec.DescriptionFa)) >= FullDescription, 10, "description_fa",
		"شرح فارسی را کامل‌تر کنید (دست‌کم ۱۵۰ نویسه): چه کسی، چه زمانی و چگونه از خدمت استفاده می‌کند.",
		"Expand the Persian description (at least 150 characters): who uses the service, when and how.")
	check(len(rec.Keywords) >= 3, 5, "keywords",
		"دست‌کم سه کلیدواژه بیفزایید تا خدمت در جست‌وجو پیدا شود.", "Add at least three keywords so that search finds the service.")

	withArticle := false
	for _, lb := range rec.LegalBasis {
		if lb.Article != "" {
			withArticle = true
		}
	}
	check(withArticle, 10, "legal_basis",
		"مادهٔ قانونی مبنای خدمت را مشخص کنید.", "Cite the article of law the service rests on.")

	// Evidence: every piece has a known source, and what the state already
	// holds is fetched by inquiry (once-only).
	resolved, total, held, fetched := true, 0, 0, 0
	for _, req := range rec.Requirements {
		for _, ev := range req.Evidence {
			total++
			if _, ok := LabelOf(EvidenceSources, string(ev.Source)); !ok ||
				(ev.Source == FromInquiry && (ev.HeldBy == "" || ev.Inquiry == "")) {
				resolved = false
			}
			if ev.HeldBy != "" || ev.Source == FromInquiry {
				held++
				if ev.Source == FromInquiry && ev.Inquiry != "" {
					fetched++
				}
			}
		}
	}
	check(resolved, 10, "requirements",
		"برای هر مدرک مشخص کنید از کجا می‌آید (استعلام، بارگذاری، اظهار یا کاغذ) و برای استعلام، دستگاه و سرویس داده را بنویسید.",
		"Say where each piece of evidence comes from (inquiry, upload, declaration or paper), and for inquiries name the agency and data service.")
	onceOnly := 15
	if held > 0 {
		onceOnly = 15 * fetched / held
	}
	partial(onceOnly, 15, "requirements",
		"مدارکی را که نزد دستگاه‌های دیگر هست با استعلام الکترونیکی بگیرید، نه از متقاضی.",
		"Fetch the evidence other agencies hold by electronic inquiry instead of asking the applicant.")

	check(!rec.ProcessingTime.IsZero(), 10, "processing_time",
		"مدت انجام خدمت را مشخص کنید.", "Give the processing time.")
	outputsOK := len(rec.Outputs) > 0
	for _, o := range rec.Outputs {
		if o.NameFa == "" || o.Kind == "" {
			outputsOK = false
		}
	}
	check(outputsOK, 5, "outputs",
		"خروجی خدمت را با نام و نوع آن مشخص کنید.", "Name each output of the service and its kind.")
	check(len(rec.Events) > 0, 5, "events",
		"خدمت را به رخدادهای زندگی یا کسب‌وکار مرتبط پیوند دهید.", "Link the service to the life or business events it belongs to.")

	groundsOK := true
	if rec.Permit != nil {
		groundsOK = len(rec.Permit.RefusalGrounds) > 0
		for _, g := range rec.Permit.RefusalGrounds {
			if g.LegalFa == "" {
				groundsOK = false
			}
		}
	}
	check(groundsOK, 10, "permit.refusal_grounds",
		"برای هر جهت رد مجوز، مستند قانونی آن را بنویسید.", "Give the legal reference of every ground for refusing the permit.")
	check(len(rec.Channels) > 0, 5, "channels",
		"راه‌های دسترسی به خدمت را مشخص کنید.", "List the channels through which the service is offered.")
	check(rec.URL != "", 5, "url",
		"نشانی صفحهٔ خدمت را بیفزایید.", "Add the URL of the service's page.")
	return q
}
