// Package notifytest holds local servers that speak the protocols of
// notify's providers, for tests: mailpit, a real SMTP server run as a child
// process, and a gateway that speaks Kavenegar's REST API with its error
// replies. It must never be imported by code that ships.
package notifytest
