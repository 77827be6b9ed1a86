// Package backoffice simulates the back-end systems of the agencies the demo
// catalogue asks for evidence (the civil registry, the police, the tax
// administration, the judiciary, conscription, the deeds registry, social
// security, the municipality and some thirty more), each its own HTTP server
// on loopback, each serving real JSON data services, described in OpenAPI 3,
// about the deterministic demo population (NewPeople). The exchange gateway
// forwards inquiries to them exactly as it would to a real agency. Every
// inquiry a demo record names has a service here.
//
// The package owns nothing in the database and must never log a national
// code or an answer. It trusts only the gateway: every request must carry
// the gateway's message id (Panjare-Id) and, for personal data, name the
// same citizen in the Panjare-Subject header as in the path. In a real
// deployment the provider would also require mutual TLS from the gateway;
// the demo servers listen on loopback only.
package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/persian"
)

// Headers the gateway sets on every request it forwards (see
// internal/exchange): the message id, the client subsystem and the citizen.
const (
	headerID      = "Panjare-Id"
	headerClient  = "Panjare-Client"
	headerSubject = "Panjare-Subject"
)

// Service is one data service of a back office.
type Service struct {
	Code     string // the service code in the exchange, such as person-identity
	TitleFa  string
	TitleEn  string
	Personal bool   // returns personal data about the citizen in the path
	Path     string // the OpenAPI path template, such as /persons/{nationalCode}
	Schema   map[string]any

	get func(id string) (any, error)
}

// Office is one agency's back-end system.
type Office struct {
	Member    string // the agency code, which is its exchange member code
	Subsystem string // the subsystem code in the exchange
	NameFa    string // the agency's name
	NameEn    string
	SystemFa  string // the information system's name
	Services  []Service
}

// errUnknown is a subject the agency has no record of.
var errUnknown = errors.New("unknown subject")

// person looks up a valid national code in ps, or fails with the error the
// handler turns into 400 or 404.
func person(ps *People, code string) (*Person, error) {
	if err := persian.CheckNationalCode(code); err != nil {
		return nil, errBadCode
	}
	p := ps.Get(code)
	if p == nil {
		return nil, errUnknown
	}
	return p, nil
}

var errBadCode = errors.New("invalid national code")

// personService builds a service answering about one person.
func personService(ps *People, code, fa, en string, schema map[string]any, f func(*Person) any) Service {
	return Service{Code: code, TitleFa: fa, TitleEn: en, Personal: true, Path: "/persons/{nationalCode}", Schema: schema,
		get: func(id string) (any, error) {
			p, err := person(ps, id)
			if err != nil {
				return nil, err
			}
			return f(p), nil
		}}
}

// obj is a JSON Schema object with the given property types.
func obj(props map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": props}
}

var (
	str     = map[string]any{"type": "string"}
	boolean = map[string]any{"type": "boolean"}
	integer = map[string]any{"type": "integer"}
	dateS   = obj(map[string]any{"date": map[string]any{"type": "string", "format": "date"}, "jalali": str})
)

func arr(item map[string]any) map[string]any { return map[string]any{"type": "array", "items": item} }

// Offices returns the back offices over the population ps: the first six,
// which the data tracker's documentation shows, then the others.
func Offices(ps *People) []*Office {
	offices := firstOffices(ps)
	more := moreServices(ps)
	for _, o := range offices {
		o.Services = append(o.Services, more[o.Member]...)
	}
	return append(offices, otherOffices(ps)...)
}

// firstOffices are the six back offices the demo started with.
func firstOffices(ps *People) []*Office {
	idSchema := obj(map[string]any{"national_code": str, "first_name": str, "last_name": str, "father_name": str, "sex": str,
		"birth_date": dateS, "birth_place": str, "alive": boolean, "death_date": dateS})
	return []*Office{
		{Member: "NOCR", Subsystem: "population", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration",
			SystemFa: "سامانهٔ جمعیت کشور", Services: []Service{
				personService(ps, "person-identity", "اطلاعات هویتی اشخاص", "Person identity", idSchema,
					func(p *Person) any { return identityOf(p) }),
				personService(ps, "person-alive", "استعلام حیات", "Proof of life",
					obj(map[string]any{"national_code": str, "alive": boolean, "death_date": dateS, "as_of": dateS}),
					func(p *Person) any {
						return aliveRecord{NationalCode: p.NationalCode, Alive: p.Alive(), DeathDate: datePtr(p.Deceased), AsOf: dateOf(asOf)}
					}),
				personService(ps, "marital-status", "وضعیت تأهل", "Marital status",
					obj(map[string]any{"national_code": str, "status": str, "status_fa": str, "spouse_national_code": str}),
					func(p *Person) any { return maritalOf(ps, p) }),
				personService(ps, "family", "روابط خانوادگی (والدین، همسر و فرزندان)", "Family relations (parents, spouse, children)",
					obj(map[string]any{"national_code": str, "relatives": arr(obj(map[string]any{"relation": str, "national_code": str,
						"first_name": str, "last_name": str, "birth_date": dateS, "alive": boolean}))}),
					func(p *Person) any { return familyOf(ps, p) }),
				personService(ps, "death-record", "ثبت واقعهٔ فوت", "Registered death",
					obj(map[string]any{"national_code": str, "registered": boolean, "death_date": dateS, "certificate_number": str}),
					func(p *Person) any { return deathOf(ps, p) }),
			}},
		{Member: "FARAJA", Subsystem: "police-records", NameFa: "فرماندهی انتظامی جمهوری اسلامی ایران", NameEn: "Law Enforcement Command (FARAJA)",
			SystemFa: "سامانهٔ سوابق کیفری", Services: []Service{
				personService(ps, "criminal-record", "گواهی سوء پیشینه", "Criminal record",
					obj(map[string]any{"national_code": str, "clean": boolean, "issued_at": dateS,
						"convictions": arr(obj(map[string]any{"offence_fa": str, "offence_en": str, "court": str, "date": dateS, "sentence": str, "effective": boolean}))}),
					func(p *Person) any { return criminalOf(ps, p) }),
			}},
		{Member: "INTA", Subsystem: "tax", NameFa: "سازمان امور مالیاتی کشور", NameEn: "Iranian National Tax Administration",
			SystemFa: "سامانهٔ مالیات", Services: []Service{
				personService(ps, "tax-clearance", "مفاصاحساب مالیاتی اشخاص", "Tax clearance of a person", taxSchema(),
					func(p *Person) any { return taxOfPerson(ps, p) }),
				{Code: "company-tax-clearance", TitleFa: "مفاصاحساب مالیاتی اشخاص حقوقی", TitleEn: "Tax clearance of a company",
					Path: "/companies/{nationalId}", Schema: taxSchema(), get: func(id string) (any, error) {
						if len(id) != 11 || strings.Trim(id, "0123456789") != "" {
							return nil, errBadID
						}
						for i, c := range ps.Companies() {
							if c.NationalID == id {
								return taxOfCompany(i, c), nil
							}
						}
						return nil, errUnknown
					}},
			}},
		{Member: "IHIO", Subsystem: "insurance", NameFa: "سازمان بیمهٔ سلامت ایران", NameEn: "Iran Health Insurance Organization",
			SystemFa: "سامانهٔ بیمه‌شدگان", Services: []Service{
				personService(ps, "coverage", "پوشش بیمهٔ درمانی", "Health insurance coverage",
					obj(map[string]any{"national_code": str, "covered": boolean, "fund": str, "role": str, "main_insured": str, "from": dateS, "until": dateS}),
					func(p *Person) any { return coverageOf(ps, p) }),
			}},
		{Member: "MSRT", Subsystem: "degrees", NameFa: "وزارت علوم، تحقیقات و فناوری", NameEn: "Ministry of Science, Research and Technology",
			SystemFa: "سامانهٔ استعلام مدارک تحصیلی", Services: []Service{
				personService(ps, "degrees", "مدارک تحصیلی دانشگاهی", "University degrees",
					obj(map[string]any{"national_code": str, "degrees": arr(obj(map[string]any{"level": str, "level_fa": str, "field": str,
						"university": str, "graduated": dateS, "gpa": str, "certificate_number": str}))}),
					func(p *Person) any { return degreesOf(ps, p) }),
			}},
		{Member: "FARAJA_RAHVAR", Subsystem: "vehicles", NameFa: "پلیس راهنمایی و رانندگی فراجا", NameEn: "Traffic Police (FARAJA)",
			SystemFa: "سامانهٔ خودرو و گواهینامه", Services: []Service{
				personService(ps, "vehicle-ownership", "مالکیت خودرو", "Vehicle ownership",
					obj(map[string]any{"national_code": str, "vehicles": arr(obj(map[string]any{"plate": str, "make": str, "model": str,
						"year": integer, "colour": str, "vin": str, "registered": dateS}))}),
					func(p *Person) any { return vehiclesOf(ps, p) }),
				personService(ps, "driving-licence", "گواهینامهٔ رانندگی", "Driving licence",
					obj(map[string]any{"national_code": str, "holds": boolean, "class": str, "number": str, "issued": dateS, "expires": dateS, "suspended": boolean}),
					func(p *Person) any { return licenceOf(ps, p) }),
				personService(ps, "traffic-fines", "خلافی خودرو", "Unpaid traffic fines",
					obj(map[string]any{"national_code": str, "total_rials": integer, "fines": arr(obj(map[string]any{"plate": str, "offence_fa": str, "date": dateS, "amount_rials": integer}))}),
					func(p *Person) any { return finesOf(ps, p) }),
			}},
	}
}

var errBadID = errors.New("invalid company national identifier")

func taxSchema() map[string]any {
	return obj(map[string]any{"national_code": str, "national_id": str, "kind": str, "name": str, "cleared": boolean, "debt_rials": integer,
		"certificate_number": str, "valid_until": dateS})
}

// OpenAPI returns the OpenAPI 3 description of the service, as JSON.
func (o *Office) OpenAPI(s Service) string {
	param := "nationalCode"
	desc := "The citizen's 10-digit national code; it must equal the Panjare-Subject header."
	if !s.Personal {
		param, desc = "nationalId", "The 11-digit national identifier of a legal person."
	}
	problem := map[string]any{"description": "Problem", "content": map[string]any{"application/problem+json": map[string]any{
		"schema": obj(map[string]any{"type": str, "title": str, "status": integer, "detail": str, "title_fa": str})}}}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": s.TitleEn + " — " + o.NameEn, "version": "1",
			"description": s.TitleFa + " — " + o.NameFa + ". Served through the Panjare exchange gateway only."},
		"paths": map[string]any{s.Path: map[string]any{
			"parameters": []any{map[string]any{"name": param, "in": "path", "required": true, "description": desc, "schema": str}},
			"get": map[string]any{
				"operationId": strings.ReplaceAll(s.Code, "-", "_"),
				"summary":     s.TitleEn,
				"responses": map[string]any{
					"200": map[string]any{"description": "The record", "content": map[string]any{"application/json": map[string]any{"schema": s.Schema}}},
					"400": problem, "401": problem, "404": problem,
				},
			},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// problem writes an application/problem+json answer.
func problem(w http.ResponseWriter, status int, en, fa string) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": en, "title_fa": fa})
}

// Handler serves the office's services at /{service code}{path}, such as
// /person-identity/persons/0067749828.
func (o *Office) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, s := range o.Services {
		pattern := "GET /" + s.Code + strings.Replace(strings.Replace(s.Path, "{nationalCode}", "{id}", 1), "{nationalId}", "{id}", 1)
		mux.Handle(pattern, o.serve(s))
		mux.HandleFunc("GET /"+s.Code+"/openapi.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(o.OpenAPI(s)))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "no such service or path", "چنین سرویس یا مسیری وجود ندارد")
	})
	return mux
}

// serve answers one service's requests.
func (o *Office) serve(s Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the gateway calls a back office: it always sends its message id
		// and the client. (A real provider also checks the gateway's TLS
		// client certificate; see the package doc.)
		if r.Header.Get(headerID) == "" || r.Header.Get(headerClient) == "" {
			problem(w, http.StatusUnauthorized, "requests must come through the exchange gateway",
				"درخواست‌ها باید از راه درگاه تبادل برسند")
			return
		}
		id := persian.NormalizeNationalCode(r.PathValue("id"))
		if s.Personal && r.Header.Get(headerSubject) != id {
			// The message log records the subject header: refusing any other
			// person keeps the citizen's data tracker truthful.
			problem(w, http.StatusBadRequest, "the Panjare-Subject header must name the person asked about",
				"سرآیند Panjare-Subject باید همان شخصی باشد که دربارهٔ او استعلام می‌شود")
			return
		}
		v, err := s.get(id)
		switch {
		case errors.Is(err, errBadCode):
			problem(w, http.StatusBadRequest, "the national code is not valid", "کد ملی معتبر نیست")
			return
		case errors.Is(err, errBadID):
			problem(w, http.StatusBadRequest, "the national identifier of a legal person has 11 digits", "شناسهٔ ملی شخص حقوقی ۱۱ رقم است")
			return
		case errors.Is(err, errUnknown):
			problem(w, http.StatusNotFound, o.NameEn+" has no record of this subject", "در "+o.NameFa+" سابقه‌ای برای این شخص نیست")
			return
		case err != nil:
			problem(w, http.StatusInternalServerError, "the back office failed", "سامانهٔ دستگاه با خطا روبه‌رو شد")
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
	})
}

// Running is a back office serving on its own listener.
type Running struct {
	*Office
	URL string // http://127.0.0.1:PORT
	srv *http.Server
}

// BackendURL returns the address the gateway forwards service code to.
func (r *Running) BackendURL(code string) string { return r.URL + "/" + code }

// Set is the back offices, running.
type Set struct {
	People  *People
	Offices []*Running
}

// Start starts every back office on loopback. With firstPort 0 each gets an
// ephemeral port (tests); otherwise office i tries firstPort+i and falls
// back to an ephemeral port when that one is taken (the demo, whose
// addresses then stay the same from run to run).
func Start(firstPort int) (*Set, error) {
	ps := NewPeople()
	set := &Set{People: ps}
	for i, o := range Offices(ps) {
		var ln net.Listener
		var err error
		if firstPort > 0 {
			ln, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(firstPort+i)))
		}
		if ln == nil {
			ln, err = net.Listen("tcp", "127.0.0.1:0")
		}
		if err != nil {
			_ = set.Close(context.Background())
			return nil, fmt.Errorf("backoffice: listen for %s: %w", o.Member, err)
		}
		srv := &http.Server{Handler: o.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		set.Offices = append(set.Offices, &Running{Office: o, URL: "http://" + ln.Addr().String(), srv: srv})
	}
	return set, nil
}

// Office returns the running back office of member, or nil.
func (s *Set) Office(member string) *Running {
	for _, o := range s.Offices {
		if o.Member == member {
			return o
		}
	}
	return nil
}

// Close stops every back office, letting requests in flight finish.
func (s *Set) Close(ctx context.Context) error {
	var err error
	for _, o := range s.Offices {
		err = errors.Join(err, o.srv.Shutdown(ctx))
	}
	return err
}
