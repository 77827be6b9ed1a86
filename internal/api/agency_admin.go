package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

// The agency admin's endpoints: their own agency's staff and API keys, with
// the portal's session cookie (so a cross-site POST is refused by the global
// cross-origin protection). An operator gets 403; an admin of another
// agency gets 404, as if the agency's staff and keys did not exist.

// staffJSON is one staff role as the API shows it.
type staffJSON struct {
	NationalCode string        `json:"national_code"`
	Name         string        `json:"name"`
	Role         identity.Role `json:"role"`
	Since        time.Time     `json:"since"`
}

// staffRequest adds or removes a staff role.
type staffRequest struct {
	NationalCode string        `json:"national_code"`
	Role         identity.Role `json:"role"`
}

// keyRequest issues a key.
type keyRequest struct {
	Name string `json:"name"`
}

// rotateRequest rotates a key; overlap_hours defaults to 24.
type rotateRequest struct {
	OverlapHours *int `json:"overlap_hours"`
}

// issuedKey is a key just issued or rotated in: the only time it is shown.
type issuedKey struct {
	Client        identity.APIClient `json:"client"`
	Key           string             `json:"key"`
	OldValidUntil *time.Time         `json:"old_valid_until,omitempty"`
}

// agencyAdminOf returns the signed-in admin of the agency in the path.
func (a *API) agencyAdminOf(r *http.Request) (identity.Principal, string, error) {
	const op = "api.agencyAdmin"
	p, err := identity.Require(r.Context())
	if err != nil {
		return p, "", errs.E(op, errs.Unauthorized, "sign in to the portal first: this endpoint reads the session cookie",
			"نخست در درگاه وارد شوید: این نشانی با کوکی نشست کار می‌کند")
	}
	if !p.Has(identity.RoleAgencyAdmin) && !p.Has(identity.RolePlatformAdmin) {
		return p, "", errs.E(op, errs.Forbidden, "only the agency's administrators may manage its staff and keys",
			"تنها مدیران دستگاه می‌توانند کارکنان و کلیدهای آن را مدیریت کنند")
	}
	code := r.PathValue("code")
	if !p.Has(identity.RolePlatformAdmin) && (p.Agency == "" || p.Agency != code) {
		return p, "", errs.NotFoundf(op, "agency", "دستگاه")
	}
	return p, code, nil
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
}

// listStaff lists the agency's staff.
func (a *API) listStaff(w http.ResponseWriter, r *http.Request) error {
	_, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", identity.DefaultPage, identity.MaxPage)
	if err != nil {
		return err
	}
	list, next, err := a.cfg.Identity.StaffPage(r.Context(), code, r.URL.Query().Get("cursor"), int(limit))
	if err != nil {
		return err
	}
	out := struct {
		Items   []staffJSON `json:"items"`
		Next    string      `json:"next,omitempty"`
		NextURL string      `json:"next_url,omitempty"`
	}{Items: []staffJSON{}, Next: next, NextURL: nextURL(w, r, next)}
	for _, s := range list {
		out.Items = append(out.Items, staffJSON{NationalCode: s.NationalCode, Name: s.Name, Role: s.Role, Since: s.CreatedAt})
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// addStaff gives a person an operator or admin role in the agency.
func (a *API) addStaff(w http.ResponseWriter, r *http.Request) error {
	p, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	var req staffRequest
	if err := httpx.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	s, err := a.cfg.Identity.AddStaff(r.Context(), p, req.NationalCode, code, req.Role)
	if err != nil {
		return err
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusCreated, staffJSON{NationalCode: s.NationalCode, Name: s.Name, Role: s.Role, Since: s.CreatedAt})
}

// removeStaff takes a role away from one of the agency's staff and ends
// their sessions.
func (a *API) removeStaff(w http.ResponseWriter, r *http.Request) error {
	p, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	var req staffRequest
	if err := httpx.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	if req.Role != identity.RoleOperator && req.Role != identity.RoleAgencyAdmin {
		return errs.E("api.removeStaff", errs.Invalid, "the role must be agency_operator or agency_admin",
			"نقش باید agency_operator یا agency_admin باشد")
	}
	if err := a.cfg.Identity.RemoveStaff(r.Context(), p, req.NationalCode, code, req.Role); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listKeys lists the agency's API clients (never their keys).
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	_, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", identity.DefaultPage, identity.MaxPage)
	if err != nil {
		return err
	}
	list, next, err := a.cfg.Identity.APIClientsPage(r.Context(), code, r.URL.Query().Get("cursor"), int(limit))
	if err != nil {
		return err
	}
	if list == nil {
		list = []identity.APIClient{}
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusOK, struct {
		Items   []identity.APIClient `json:"items"`
		Next    string               `json:"next,omitempty"`
		NextURL string               `json:"next_url,omitempty"`
	}{list, next, nextURL(w, r, next)})
}

// issueKey issues a key for the agency.
func (a *API) issueKey(w http.ResponseWriter, r *http.Request) error {
	p, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	var req keyRequest
	if err := httpx.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	c, key, err := a.cfg.Identity.IssueKey(r.Context(), p, code, req.Name)
	if err != nil {
		return err
	}
	noStore(w)
	return httpx.WriteJSON(w, http.StatusCreated, issuedKey{Client: c, Key: key})
}

// agencyKey returns the {id} of the path when it names one of the agency's
// keys, and NotFound otherwise (also for a platform admin who names a key
// under the wrong agency).
func (a *API) agencyKey(r *http.Request, code string) (int64, error) {
	id, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("id")), 10, 64)
	notFound := errs.NotFoundf("api.key", "API client", "کلاینت API")
	if err != nil || id <= 0 {
		return 0, notFound
	}
	list, err := a.cfg.Identity.APIClients(r.Context(), code)
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(list, func(c identity.APIClient) bool { return c.ID == id }) {
		return 0, notFound
	}
	return id, nil
}

// rotateKey issues a new key in place of one of the agency's keys; the old
// key keeps working for the overlap (24 hours unless told).
func (a *API) rotateKey(w http.ResponseWriter, r *http.Request) error {
	p, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	id, err := a.agencyKey(r, code)
	if err != nil {
		return err
	}
	var req rotateRequest
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &req, 4<<10); err != nil {
			return err
		}
	}
	overlap := identity.DefaultOverlap
	if req.OverlapHours != nil {
		overlap = time.Duration(*req.OverlapHours) * time.Hour
		if *req.OverlapHours < 0 || *req.OverlapHours > int(identity.MaxOverlap/time.Hour) {
			overlap = -1 // refused by RotateKey with the field named
		}
	}
	c, key, err := a.cfg.Identity.RotateKey(r.Context(), p, id, overlap)
	if err != nil {
		return err
	}
	until := a.cfg.Identity.Now().Add(overlap)
	noStore(w)
	return httpx.WriteJSON(w, http.StatusCreated, issuedKey{Client: c, Key: key, OldValidUntil: &until})
}

// revokeKey revokes one of the agency's keys at once.
func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) error {
	p, code, err := a.agencyAdminOf(r)
	if err != nil {
		return err
	}
	id, err := a.agencyKey(r, code)
	if err != nil {
		return err
	}
	if err := a.cfg.Identity.RevokeKey(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// agencyAdminRoutes lists the agency admin's endpoints for the route table.
func (a *API) agencyAdminRoutes() []route {
	code := param{name: "code", in: "path", schema: "string", desc: "The agency's code, e.g. NOCR: the signed-in admin's own.", required: true}
	key := param{name: "id", in: "path", schema: "integer", desc: "The API client's id.", required: true}
	deny := map[int]string{401: "Problem", 403: "Problem", 404: "Problem"}
	with := func(m map[int]string) map[int]string {
		for k, v := range deny {
			m[k] = v
		}
		return m
	}
	return []route{
		{method: "GET", pattern: "/api/v1/admin/agencies/{code}/staff", op: "listAgencyStaff", tag: "agency admin", session: true,
			summary: "The agency's staff: operators and administrators, by national code, a page at a time (follow next_url or the Link header to the end).",
			params: []param{code, {name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 500 (default 50)."},
				{name: "cursor", in: "query", schema: "string", desc: "The next of the previous page; absent for the first page."}},
			responses: with(map[int]string{200: "StaffList", 400: "Problem"}), handler: a.listStaff},
		{method: "POST", pattern: "/api/v1/admin/agencies/{code}/staff", op: "addAgencyStaff", tag: "agency admin", session: true,
			summary: "Give a person (by national code) an operator or administrator role in the agency.", params: []param{code}, body: "StaffRequest",
			responses: with(map[int]string{201: "Staff", 400: "Problem", 409: "Problem"}), handler: a.addStaff},
		{method: "POST", pattern: "/api/v1/admin/agencies/{code}/staff/remove", op: "removeAgencyStaff", tag: "agency admin", session: true,
			summary: "Take a role away from one of the agency's staff; their sessions end at once.", params: []param{code}, body: "StaffRequest",
			responses: with(map[int]string{204: "", 400: "Problem"}), handler: a.removeStaff},
		{method: "GET", pattern: "/api/v1/admin/agencies/{code}/keys", op: "listAgencyKeys", tag: "agency admin", session: true,
			summary: "The agency's API clients, newest first, a page at a time (follow next_url or the Link header to the end); keys themselves are never shown again.",
			params: []param{code, {name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 500 (default 50)."},
				{name: "cursor", in: "query", schema: "string", desc: "The next of the previous page; absent for the first page."}},
			responses: with(map[int]string{200: "APIClientList", 400: "Problem"}), handler: a.listKeys},
		{method: "POST", pattern: "/api/v1/admin/agencies/{code}/keys", op: "issueAgencyKey", tag: "agency admin", session: true,
			summary: "Issue an API key for the agency; the key is in this answer only.", params: []param{code}, body: "KeyRequest",
			responses: with(map[int]string{201: "IssuedKey", 400: "Problem"}), handler: a.issueKey},
		{method: "POST", pattern: "/api/v1/admin/agencies/{code}/keys/{id}/rotate", op: "rotateAgencyKey", tag: "agency admin", session: true,
			summary: "Issue a new key in place of this one; the old key keeps working for overlap_hours (default 24, at most 720).",
			params:  []param{code, key}, body: "RotateRequest",
			responses: with(map[int]string{201: "IssuedKey", 400: "Problem", 409: "Problem"}), handler: a.rotateKey},
		{method: "POST", pattern: "/api/v1/admin/agencies/{code}/keys/{id}/revoke", op: "revokeAgencyKey", tag: "agency admin", session: true,
			summary: "Revoke the key at once, even during a rotation's overlap.", params: []param{code, key},
			responses: with(map[int]string{204: "", 409: "Problem"}), handler: a.revokeKey},
	}
}

// agencyAdminSchemas are the schemas of the agency admin's endpoints.
func agencyAdminSchemas() map[string]any {
	dt := map[string]any{"type": "string", "format": "date-time"}
	role := map[string]any{"type": "string", "enum": []any{"agency_operator", "agency_admin"}}
	client := obj([]string{"id", "agency", "name", "prefix", "created_at"}, map[string]any{
		"id": map[string]any{"type": "integer"}, "agency": str("Agency code."), "name": str("The back-office system's name."),
		"prefix": str("The public part of the key, safe to show and log."), "created_at": dt,
		"revoked_at":  map[string]any{"type": "string", "format": "date-time", "description": "When the key stops (or stopped) working; in the future during a rotation's overlap."},
		"replaced_by": map[string]any{"type": "integer", "description": "The client that replaced this one in a rotation."},
	})
	return map[string]any{
		"Staff": obj([]string{"national_code", "name", "role", "since"}, map[string]any{
			"national_code": str("The staff member's national code."), "name": str("Their name, once they have signed in."), "role": role, "since": dt}),
		"StaffList": obj([]string{"items"}, map[string]any{"items": arr(ref("Staff")),
			"next":     str("The cursor of the next page; absent on the last page."),
			"next_url": str("The address of the next page; absent on the last page.")}),
		"StaffRequest": obj([]string{"national_code", "role"}, map[string]any{"national_code": str("10 digits; Persian digits accepted."), "role": role}),
		"APIClient":    client,
		"APIClientList": obj([]string{"items"}, map[string]any{"items": arr(ref("APIClient")),
			"next":     str("The cursor of the next page; absent on the last page."),
			"next_url": str("The address of the next page; absent on the last page.")}),
		"KeyRequest": obj([]string{"name"}, map[string]any{"name": str("The back-office system's name, at most 200 bytes.")}),
		"RotateRequest": obj(nil, map[string]any{"overlap_hours": map[string]any{"type": "integer", "minimum": 0, "maximum": 720,
			"description": "How long the old key keeps working; 24 when absent."}}),
		"IssuedKey": obj([]string{"client", "key"}, map[string]any{"client": ref("APIClient"),
			"key":             str("The key, shown only in this answer: send it as Authorization: Bearer <key>."),
			"old_valid_until": map[string]any{"type": "string", "format": "date-time", "description": "After a rotation: until when the old key works."}}),
	}
}

// mergeSchemas returns base with more's schemas added; a name in both is a
// mistake that would publish one schema under the other's name, so it panics.
func mergeSchemas(base, more map[string]any) map[string]any {
	for k, v := range more {
		if _, dup := base[k]; dup {
			// Two schemas of one name: the document would silently
			// describe one as the other.
			panic("api: two OpenAPI schemas are named " + k)
		}
		base[k] = v
	}
	return base
}
