package exchange

import (
	"net/http"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// The directory: X-Road's metaservices in the form of the GovStack
// Information Mediator Directory Services API
// (api/GovStack_IM_Directory_Services_API.yaml): listClients, listMethods,
// allowedMethods and getOpenAPI, with the spec's response bodies. They are
// served at the root of the exchange listeners, and also under /r1/ where
// that API places the three per-application ones. The spec answers 200 or
// 400 ("Error in request"): an invalid identifier and one that names no
// registered subsystem or service are both errors in the request, so both
// get 400, as application/problem+json saying which.

// The object types of the directory.
const (
	objectMember      = "MEMBER"
	objectApplication = "APPLICATION"
	objectService     = "SERVICE"
)

// ClientID is the id of a restClientDetailsType.
type ClientID struct {
	ObjectType      string `json:"objectType"`
	InstanceID      string `json:"instanceId"`
	MemberClass     string `json:"memberClass"`
	MemberCode      string `json:"memberCode"`
	ApplicationCode string `json:"applicationCode,omitempty"`
}

// ClientDetails is a restClientDetailsType: a member or one of its
// applications (subsystems).
type ClientDetails struct {
	Name string   `json:"name"`
	ID   ClientID `json:"id"`
}

// ClientList is a restClientDetailsListType.
type ClientList struct {
	Member []ClientDetails `json:"member"`
}

// EndpointDetails is an endpoint of the directory.
type EndpointDetails struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// EndpointList holds a service's endpoints.
type EndpointList struct {
	Member []EndpointDetails `json:"member"`
}

// ServiceDetails is a restServiceDetailsType.
type ServiceDetails struct {
	ObjectType      string       `json:"objectType"`
	ServiceType     string       `json:"serviceType"`
	InstanceID      string       `json:"instanceId"`
	MemberClass     string       `json:"memberClass"`
	MemberCode      string       `json:"memberCode"`
	ApplicationCode string       `json:"applicationCode"`
	ServiceCode     string       `json:"serviceCode"`
	ServiceVersion  string       `json:"serviceVersion"`
	EndpointList    EndpointList `json:"endpointList"`
}

// ServiceList is a restServiceDetailsListType.
type ServiceList struct {
	Member []ServiceDetails `json:"member"`
}

var metaservices = map[string]bool{"listMethods": true, "allowedMethods": true, "getOpenAPI": true}

// directoryRoute reports whether p is a directory path.
func (g *Gateway) directoryRoute(p string) bool {
	if p == "/listClients" || p == "/r1/listClients" {
		return true
	}
	p = strings.TrimPrefix(p, "/r1")
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	return len(seg) == 5 && metaservices[seg[4]]
}

func dirBad(en, fa string) error { return errs.E(CodeBadRequest, errs.Invalid, en, fa) }

// serveDirectory serves one directory request.
func (g *Gateway) serveDirectory(w http.ResponseWriter, r *http.Request, mode ClientMode) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		g.writeProblem(w, r, errs.E(CodeBadRequest, errs.Invalid, "the directory answers GET only", "فهرست خدمات تنها به GET پاسخ می‌دهد"), "")
		return
	}
	if mode == ByCertificate {
		// The TLS handshake checked the chain; this checks revocation and
		// registration, as for every inquiry.
		if _, err := g.clientFromRequest(r, mode); err != nil {
			g.writeProblem(w, r, err, "")
			return
		}
	}
	p := r.URL.EscapedPath()
	if p == "/listClients" || p == "/r1/listClients" {
		v, err := g.listClients(r)
		g.handle(w, r, v, err)
		return
	}
	seg := strings.Split(strings.TrimPrefix(strings.TrimPrefix(p, "/r1"), "/"), "/")
	provider, err := ParseSubsystemID(strings.Join(seg[:4], "/"))
	if err != nil {
		g.writeProblem(w, r, err, "")
		return
	}
	if _, err := g.x.Subsystem(r.Context(), provider); err != nil {
		if errs.Is(err, errs.NotFound) {
			err = dirBad("no such application (subsystem) is registered: "+provider.String(),
				"چنین زیرسامانه‌ای ثبت نشده است: "+provider.String())
		}
		g.writeProblem(w, r, err, "")
		return
	}
	switch seg[4] {
	case "listMethods", "allowedMethods":
		v, err := g.listMethods(r, provider, seg[4] == "allowedMethods", mode)
		g.handle(w, r, v, err)
	default:
		g.getOpenAPI(w, r, provider)
	}
}

// handle writes v as JSON, or err as a problem.
func (g *Gateway) handle(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		g.writeProblem(w, r, err, "")
		return
	}
	_ = writeJSON(w, http.StatusOK, v)
}

// listClients lists the members and their applications (subsystems).
// instanceId names another instance: Panjare does not federate, so another
// valid instance has no clients here.
func (g *Gateway) listClients(r *http.Request) (ClientList, error) {
	out := ClientList{Member: []ClientDetails{}}
	if inst := r.URL.Query().Get("instanceId"); inst != "" {
		if !validInstance(inst) {
			return out, dirBad("instanceId must be 2 to 16 capital letters", "instanceId باید ۲ تا ۱۶ حرف بزرگ لاتین باشد")
		}
		if inst != g.x.Instance() {
			return out, nil
		}
	}
	members, err := g.x.Members(r.Context())
	if err != nil {
		return out, err
	}
	subs, err := g.x.Subsystems(r.Context())
	if err != nil {
		return out, err
	}
	for _, m := range members {
		out.Member = append(out.Member, ClientDetails{Name: memberName(m), ID: ClientID{ObjectType: objectMember,
			InstanceID: g.x.Instance(), MemberClass: m.Class, MemberCode: m.Code}})
	}
	for _, s := range subs {
		out.Member = append(out.Member, ClientDetails{Name: s.NameFa, ID: ClientID{ObjectType: objectApplication,
			InstanceID: s.ID.Instance, MemberClass: s.ID.Class, MemberCode: s.ID.Member, ApplicationCode: s.ID.Subsystem}})
	}
	return out, nil
}

func memberName(m Member) string {
	if m.NameFa != "" {
		return m.NameFa
	}
	return m.NameEn
}

// listMethods lists the provider's services and endpoints; with allowed,
// only those the calling client may call now.
func (g *Gateway) listMethods(r *http.Request, provider SubsystemID, allowed bool, mode ClientMode) (ServiceList, error) {
	out := ServiceList{Member: []ServiceDetails{}}
	only := r.URL.Query().Get("serviceId")
	if only != "" && !validCode(only) {
		return out, dirBad("serviceId must be a service code: lower-case letters, digits and dashes",
			"serviceId باید کد سرویس باشد: حروف کوچک لاتین، رقم و خط تیره")
	}
	var svcs []DataService
	var err error
	if allowed {
		client, cerr := g.clientFromRequest(r, mode)
		if cerr != nil {
			if errs.KindOf(cerr) == errs.Internal {
				return out, cerr
			}
			return out, &errs.Error{Op: CodeBadRequest, Kind: errs.Invalid, Err: cerr,
				En: "allowedMethods needs the calling client: " + firstMessage(cerr, false),
				Fa: "allowedMethods کلاینت فراخوان را لازم دارد: " + firstMessage(cerr, true)}
		}
		svcs, err = g.x.AllowedServices(r.Context(), provider, client, time.Now())
	} else {
		svcs, err = g.x.Services(r.Context(), provider)
	}
	if err != nil {
		return out, err
	}
	found := false
	for _, s := range svcs {
		if only != "" && s.ID.Code != only {
			continue
		}
		found = true
		d := ServiceDetails{ObjectType: objectService, ServiceType: "REST", InstanceID: provider.Instance,
			MemberClass: provider.Class, MemberCode: provider.Member, ApplicationCode: provider.Subsystem,
			ServiceCode: s.ID.Code, ServiceVersion: s.Version, EndpointList: EndpointList{Member: []EndpointDetails{}}}
		for _, e := range s.Endpoints {
			d.EndpointList.Member = append(d.EndpointList.Member, EndpointDetails{Method: e.Method, Path: e.Path})
		}
		out.Member = append(out.Member, d)
	}
	if only != "" && !found && !allowed {
		return out, dirBad("the application has no service "+only, "این زیرسامانه سرویس "+only+" را ندارد")
	}
	return out, nil
}

func firstMessage(err error, fa bool) string {
	f, e := errs.Messages(err)
	if fa {
		return f
	}
	return e
}

// getOpenAPI returns the OpenAPI description of one service.
func (g *Gateway) getOpenAPI(w http.ResponseWriter, r *http.Request, provider SubsystemID) {
	code := r.URL.Query().Get("serviceCode")
	if code == "" {
		g.writeProblem(w, r, dirBad("serviceCode is required", "serviceCode لازم است"), "")
		return
	}
	if !validCode(code) {
		g.writeProblem(w, r, dirBad("serviceCode must be lower-case letters, digits and dashes",
			"serviceCode باید حروف کوچک لاتین، رقم و خط تیره باشد"), "")
		return
	}
	svc, err := g.x.Service(r.Context(), ServiceID{Provider: provider, Code: code})
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			err = dirBad("the application has no service "+code, "این زیرسامانه سرویس "+code+" را ندارد")
		}
		g.writeProblem(w, r, err, "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(svc.OpenAPI))
}
