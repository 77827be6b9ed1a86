// Package exchange is the inter-agency exchange layer (X-Road's model):
// the registry of members, subsystems and data services, the access rights
// providers grant, citizens' consents, and the platform's certificate
// authority. The gateway in this package forwards inquiries between
// subsystems on top of this registry.
//
// It owns every table prefixed exchange_. It must never store or log a
// payload of an inquiry, a private key of a subsystem, or a national code
// outside the consent and event rows that need it.
package exchange
