// Package identity owns who is acting: people, agency staff, API clients and
// their keys, sessions, and roles. Other capabilities receive a Principal and
// ask it what it may do; they never read identity's tables.
//
// Citizens sign in through OpenID Connect, with Panjare as a relying party
// (oidc.go) of the national identity provider, or of the demo provider in
// the subpackage idp. A successful sign-in finds or creates the person by
// national code and opens a server-side session (session.go); Middleware
// puts the session's Principal in the request context (FromContext), and
// Require and RequireRole guard pages and API routes.
//
// A person may act for a minor child or a company they represent
// (relations.go, delegation.go): the relation is recorded from an
// authoritative source, the session keeps the choice, and it is checked on
// every request. Agency admins manage their own agency's staff (staff.go) and
// API keys, which rotate with an overlap (apikey_admin.go).
//
// It must never log a key, a session token, a sign-in code or a national
// code, and must never trust a national code it did not get from a verified
// ID token (or from a platform admin, for staff).
package identity

import "strconv"

// Role is what a principal may do. Roles are stored by name: append only.
type Role string

// The roles of the platform.
const (
	RoleCitizen       Role = "citizen"
	RoleOperator      Role = "agency_operator"
	RoleAgencyAdmin   Role = "agency_admin"
	RoleOverseer      Role = "overseer"
	RolePlatformAdmin Role = "platform_admin"
)

// Principal is the authenticated caller of an operation.
type Principal struct {
	Kind         string // "apikey", "user", "system" or "rules"
	ID           int64  // the API client's or user's id; 0 for system
	Name         string // a display name, never personal data for API clients
	Agency       string // the agency the principal belongs to, if any
	Roles        []Role
	NationalCode string // citizens only; personal data: never logged

	// ActingFor is whom the person is acting for, when they act for another
	// (delegation.go): a minor child's national code or a company's national
	// id; "" when acting for themselves. Personal data: never logged.
	ActingFor string
	// ActingKind is the relation the person acts under: RelGuardian or
	// RelRepresentative; "" when acting for themselves.
	ActingKind string
	// ActingName is the represented party's name, for display.
	ActingName string
}

// Subject returns whom an action of the principal is about: the child or
// company the person acts for, else the person's own national code.
// Capabilities file cases and documents under it.
func (p Principal) Subject() string {
	if p.ActingFor != "" {
		return p.ActingFor
	}
	return p.NationalCode
}

// System is the principal of work the platform does on its own: demo loading,
// scheduled jobs.
var System = Principal{Kind: "system", Name: "system", Roles: []Role{RolePlatformAdmin}}

// Actor returns the stable, non-personal name of the principal used in
// events: "apikey:12", "user:34" or "system". An automatic decision's
// principal (Kind "rules") is named after the ruleset that decided, such as
// "rules:1234567@v3" (its Name is "1234567@v3").
func (p Principal) Actor() string {
	if p.Kind == "" || p.Kind == "system" {
		return "system"
	}
	if p.Kind == "rules" {
		return "rules:" + p.Name
	}
	return p.Kind + ":" + strconv.FormatInt(p.ID, 10)
}

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// CanManageAgency reports whether the principal may change what agency code
// publishes: its own agency's admins and API clients, or a platform admin.
func (p Principal) CanManageAgency(code string) bool {
	if p.Has(RolePlatformAdmin) {
		return true
	}
	return code != "" && p.Agency == code && (p.Has(RoleAgencyAdmin) || p.Kind == "apikey")
}
