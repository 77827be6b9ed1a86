package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/panjare/panjare/internal/errs"
)

// Inquiries is what the catalogue needs of the exchange: whether a data
// service answers an inquiry "MEMBER/SERVICE", such as
// NOCR/person-identity. The catalogue does not import the exchange;
// internal/app hands it in with CheckInquiries.
type Inquiries interface {
	HasInquiry(ctx context.Context, inquiry string) (bool, error)
}

// inquiries is the exchange Publish asks, when one is set.
type inquiries struct{ x Inquiries }

// CheckInquiries makes Publish refuse a record whose evidence names an
// inquiry x does not have: evidence no agency can answer would leave every
// application waiting for ever. Without it (tests of the catalogue alone,
// the demo while its exchange is being registered) inquiries are not
// checked; nil turns the check off again. It may be called while the
// catalogue is in use.
func (c *Catalog) CheckInquiries(x Inquiries) {
	if x == nil {
		c.inq.Store(nil)
		return
	}
	c.inq.Store(&inquiries{x: x})
}

// inquiriesOf returns the inquiries rec's evidence names, each once, in
// the order they first appear, with the field of their first appearance.
func inquiriesOf(rec Record) (names []string, fields map[string]string) {
	fields = map[string]string{}
	for i, rq := range rec.Requirements {
		for j, ev := range rq.Evidence {
			if ev.Source != FromInquiry || ev.Inquiry == "" {
				continue
			}
			if _, ok := fields[ev.Inquiry]; !ok {
				names = append(names, ev.Inquiry)
				fields[ev.Inquiry] = fmt.Sprintf("requirements[%d].evidence[%d].inquiry", i, j)
			}
		}
	}
	return names, fields
}

// askInquiries asks the exchange, outside any transaction, about every
// inquiry rec names, and returns whether each exists; nil when no exchange
// is set.
func (c *Catalog) askInquiries(ctx context.Context, op string, rec Record) (map[string]bool, error) {
	inq := c.inq.Load()
	if inq == nil {
		return nil, nil
	}
	names, _ := inquiriesOf(rec)
	out := make(map[string]bool, len(names))
	for _, name := range names {
		ok, err := inq.x.HasInquiry(ctx, name)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		out[name] = ok
	}
	return out, nil
}

// missingInquiries checks rec against what askInquiries found: it returns
// one problem per inquiry the exchange does not have, and the error to
// publish again when rec names one that was not asked about (the draft
// changed in between).
func missingInquiries(op string, rec Record, known map[string]bool) ([]errs.FieldError, []string, error) {
	if known == nil {
		return nil, nil, nil
	}
	names, fields := inquiriesOf(rec)
	var problems []errs.FieldError
	var missing []string
	for _, name := range names {
		ok, asked := known[name]
		switch {
		case !asked:
			return nil, nil, errs.E(op, errs.Conflict, "the draft changed while it was being published; publish it again",
				"پیش‌نویس هنگام انتشار تغییر کرد؛ دوباره منتشر کنید.")
		case !ok:
			missing = append(missing, name)
			problems = append(problems, errs.FieldError{Field: fields[name],
				Fa: "درگاه تبادل سرویس استعلام «" + name + "» را ندارد؛ دستگاه دارندهٔ داده باید پیش از انتشار آن را در درگاه ثبت کند.",
				En: "the exchange has no data service " + name + ": the agency that holds the data must register it before this record is published"})
		}
	}
	return problems, missing, nil
}

// missingMessage is Publish's error for a record naming inquiries the
// exchange does not have: it names them.
func missingMessage(e *errs.Error, missing []string) {
	list := strings.Join(missing, ", ")
	e.En = "the record names inquiries the exchange does not have (" + list + "); evidence no agency can answer would leave applications waiting for ever"
	e.Fa = "شناسنامهٔ خدمت استعلام‌هایی را نام می‌برد که در درگاه تبادل نیستند (" + strings.Join(missing, "، ") +
		")؛ مدرکی که هیچ دستگاهی پاسخش را نمی‌دهد درخواست‌ها را برای همیشه در انتظار نگه می‌دارد."
}
