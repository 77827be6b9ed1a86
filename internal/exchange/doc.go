// Package exchange is the inter-agency exchange layer (تبادل اطلاعات بین
// دستگاهی): the registry of who takes part and what they offer, the access
// rights providers grant, citizens' consents, the platform's certificate
// authority, and the gateway that carries inquiries (استعلام) between
// agencies. Its model is X-Road's and the GovStack Information Mediator's.
//
// # The model
//
// Members are the organisations that take part: for class GOV, an agency,
// whose member code is its catalog agency code (NOCR, FARAJA_PASS). A
// platform admin registers members.
//
// Subsystems are a member's information systems, named
// INSTANCE/CLASS/MEMBER/SUBSYSTEM, such as IR/GOV/NOCR/population (see
// ParseSubsystemID for the exact rules). A subsystem is both what calls
// (a client) and what answers (a provider). Each holds client certificates
// from the platform CA, whose SAN URI urn:panjare:subsystem:<id> names it;
// the gateway knows the caller only by such a certificate (mutual TLS), or,
// on the loopback-only demo listener, by a header.
//
// Data services are what a provider subsystem offers, named
// <subsystem>/<code>. Each has versions; every version keeps its OpenAPI
// description, its back-end address, its endpoints and whether it returns
// personal data. The newest version is current. Only the provider's agency
// registers its services.
//
// Access rights let one client subsystem call one service, or one endpoint
// (METHOD /path/{param} or /prefix/*) of it, until an optional expiry. They
// are granted and revoked by the provider's agency and never by the
// platform: a platform admin is refused. This is the answer to agencies'
// fear of losing sovereignty over their data: the platform carries
// inquiries, the agency decides who may make them. Each right records its
// legal basis (the law or purpose that allows it) or, for personal data
// only, requires the citizen's consent.
//
// A subsystem's agency registers the base URL its asynchronous answers may
// be POSTed to (SetCallback); the gateway calls back nowhere else.
//
// Consents are given and withdrawn by citizens themselves: a named client
// may read a named personal-data service about them, for a purpose, until a
// time (at most five years).
//
// Authorize joins all of it for one call: a registered client, a registered
// service, a live right that covers the method and path, and for personal
// data a valid national code as subject and either the right's legal basis
// or a consent in force. Its errors carry typed codes (the Code*
// constants), which the gateway returns as problem+json. The decision is
// about the subject the request names; the gateway passes that subject on, and
// a provider must answer about it and not about a code found in the path.
//
// # What it never stores
//
// The platform never stores the payload of an inquiry, neither request nor
// response: the message log keeps metadata and SHA-256 digests, signed by
// the platform, so either side can later prove what was exchanged while the
// data itself stays with the provider. It never stores a subsystem's private
// key: the key is handed out once at issue. It never logs a national code;
// national codes live only in consent rows and in the Subject column of
// events, where the citizen's data tracker reads them.
//
// The root of the certificate authority is created on first use and kept
// in the database (exchange_ca) so that the demo runs with no setup; a real
// deployment keeps the root key offline or in an HSM and gives the platform
// an intermediate.
//
// The package owns every table prefixed exchange_; nothing else writes them.
// Every change happens in store.InTx with an event (exchange.member.registered,
// exchange.subsystem.registered, exchange.subsystem.callback, exchange.service.registered,
// exchange.right.granted, exchange.right.revoked, exchange.consent.given,
// exchange.consent.withdrawn, exchange.certificate.issued,
// exchange.certificate.revoked, exchange.ca.created).
package exchange
