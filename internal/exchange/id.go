package exchange

import (
	"strings"

	"github.com/panjare/panjare/internal/errs"
)

// SubsystemID names one information system of a member, in X-Road's form
// INSTANCE/CLASS/MEMBER/SUBSYSTEM, for example IR/GOV/NOCR/population.
type SubsystemID struct{ Instance, Class, Member, Subsystem string }

// String returns the identifier in its slash-separated form.
func (id SubsystemID) String() string {
	return id.Instance + "/" + id.Class + "/" + id.Member + "/" + id.Subsystem
}

// IsZero reports whether id is the zero identifier.
func (id SubsystemID) IsZero() bool { return id == SubsystemID{} }

// ServiceID names one data service of a provider subsystem, for example
// IR/GOV/NOCR/population/person-identity.
type ServiceID struct {
	Provider SubsystemID
	Code     string
}

// String returns the identifier in its slash-separated form.
func (id ServiceID) String() string { return id.Provider.String() + "/" + id.Code }

// maxGatewayPath bounds what ParseGatewayPath reads: longer paths are
// refused before any work is done.
const maxGatewayPath = 4096

// badID is the error of every identifier that breaks the rules. Its Op is
// CodeBadRequest so that the gateway can return it as a typed error.
func badID(field, en, fa string) error {
	e := errs.E(CodeBadRequest, errs.Invalid, en, fa)
	e.Fields = []errs.FieldError{{Field: field, En: en, Fa: fa}}
	return e
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validInstance: ^[A-Z]{2,16}$
func validInstance(s string) bool {
	if len(s) < 2 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) {
			return false
		}
	}
	return true
}

// validClass: ^[A-Z]{2,8}$
func validClass(s string) bool {
	if len(s) < 2 || len(s) > 8 {
		return false
	}
	return validInstance(s)
}

// validMember: ^[A-Z][A-Z0-9_]{1,23}$
func validMember(s string) bool {
	if len(s) < 2 || len(s) > 24 || !isUpper(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isUpper(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// validCode is the rule of subsystem and service codes: ^[a-z0-9][a-z0-9-]{0,62}$
func validCode(s string) bool {
	if len(s) < 1 || len(s) > 63 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// checkSegments validates the four segments of a subsystem identifier.
func checkSegments(field string, seg []string) (SubsystemID, error) {
	id := SubsystemID{Instance: seg[0], Class: seg[1], Member: seg[2], Subsystem: seg[3]}
	switch {
	case !validInstance(id.Instance):
		return SubsystemID{}, badID(field,
			"the instance must be 2 to 16 capital Latin letters, such as IR",
			"نمونه (instance) باید ۲ تا ۱۶ حرف بزرگ لاتین باشد، مانند IR")
	case !validClass(id.Class):
		return SubsystemID{}, badID(field,
			"the member class must be 2 to 8 capital Latin letters, such as GOV",
			"ردهٔ عضو باید ۲ تا ۸ حرف بزرگ لاتین باشد، مانند GOV")
	case !validMember(id.Member):
		return SubsystemID{}, badID(field,
			"the member code must be 2 to 24 capital Latin letters, digits or _, starting with a letter, such as NOCR",
			"کد عضو باید ۲ تا ۲۴ حرف بزرگ لاتین، رقم یا _ باشد و با حرف آغاز شود، مانند NOCR")
	case !validCode(id.Subsystem):
		return SubsystemID{}, badID(field,
			"the subsystem code must be 1 to 63 small Latin letters, digits or -, not starting with -",
			"کد زیرسامانه باید ۱ تا ۶۳ حرف کوچک لاتین، رقم یا - باشد و با - آغاز نشود")
	}
	return id, nil
}

// Validate checks id against the identifier rules.
func (id SubsystemID) Validate() error {
	_, err := checkSegments("subsystem", []string{id.Instance, id.Class, id.Member, id.Subsystem})
	return err
}

// Validate checks id against the identifier rules.
func (id ServiceID) Validate() error {
	if err := id.Provider.Validate(); err != nil {
		return err
	}
	if !validCode(id.Code) {
		return badID("service", "the service code must be 1 to 63 small Latin letters, digits or -, not starting with -",
			"کد سرویس باید ۱ تا ۶۳ حرف کوچک لاتین، رقم یا - باشد و با - آغاز نشود")
	}
	return nil
}

// ParseSubsystemID parses "INSTANCE/CLASS/MEMBER/SUBSYSTEM". Anything else,
// including empty segments, dots and percent-encoding, is errs.Invalid.
func ParseSubsystemID(s string) (SubsystemID, error) {
	seg := strings.Split(s, "/")
	if len(s) > 200 || len(seg) != 4 {
		return SubsystemID{}, badID("subsystem",
			"a subsystem identifier has four parts, INSTANCE/CLASS/MEMBER/SUBSYSTEM, such as IR/GOV/NOCR/population",
			"شناسهٔ زیرسامانه چهار بخش دارد: INSTANCE/CLASS/MEMBER/SUBSYSTEM، مانند IR/GOV/NOCR/population")
	}
	return checkSegments("subsystem", seg)
}

// ParseServiceID parses "INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE".
func ParseServiceID(s string) (ServiceID, error) {
	seg := strings.Split(s, "/")
	if len(s) > 264 || len(seg) != 5 {
		return ServiceID{}, badID("service",
			"a service identifier has five parts, INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE, such as IR/GOV/NOCR/population/person-identity",
			"شناسهٔ سرویس پنج بخش دارد: INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE، مانند IR/GOV/NOCR/population/person-identity")
	}
	return parseServiceSegments(seg)
}

func parseServiceSegments(seg []string) (ServiceID, error) {
	sub, err := checkSegments("service", seg[:4])
	if err != nil {
		return ServiceID{}, err
	}
	id := ServiceID{Provider: sub, Code: seg[4]}
	if err := id.Validate(); err != nil {
		return ServiceID{}, err
	}
	return id, nil
}

// ParseGatewayPath parses "/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}/{path...}"
// and returns the service and the rest of the path: "/" when there is none,
// otherwise starting with "/". p is the path as it came on the wire (still
// percent-encoded, without the query). The rest is refused when it holds
// "..", "." segments, "//", a backslash, a control character, a raw
// non-ASCII byte, or a percent-encoded slash, backslash, dot, percent sign or
// control character: a provider must never see a path that normalises to
// somewhere else than the gateway checked.
func ParseGatewayPath(p string) (ServiceID, string, error) {
	if len(p) > maxGatewayPath {
		return ServiceID{}, "", badID("path", "the path is too long", "مسیر بیش از حد طولانی است")
	}
	const prefix = "/r1/"
	if !strings.HasPrefix(p, prefix) {
		return ServiceID{}, "", badID("path",
			"the path must start with /r1/ and name the service as /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE",
			"مسیر باید با ‎/r1/‎ آغاز شود و سرویس را به شکل ‎/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE‎ نام ببرد")
	}
	seg := strings.SplitN(p[len(prefix):], "/", 6)
	if len(seg) < 5 {
		return ServiceID{}, "", badID("path",
			"the path must name the service as /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE",
			"مسیر باید سرویس را به شکل ‎/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE‎ نام ببرد")
	}
	id, err := parseServiceSegments(seg[:5])
	if err != nil {
		return ServiceID{}, "", err
	}
	rest := "/"
	if len(seg) == 6 {
		rest += seg[5]
	}
	if err := CheckRestPath(rest); err != nil {
		return ServiceID{}, "", err
	}
	return id, rest, nil
}

// CheckRestPath checks the part of a gateway path after the service code
// with the rules of ParseGatewayPath. Authorize applies it too, so that an
// inquiry made from inside the platform meets the same rules.
func CheckRestPath(rest string) error {
	bad := func(en, fa string) error { return badID("path", en, fa) }
	if rest == "" || rest[0] != '/' {
		return bad("the path must start with /", "مسیر باید با / آغاز شود")
	}
	if len(rest) > maxGatewayPath {
		return bad("the path is too long", "مسیر بیش از حد طولانی است")
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case isUpper(c) || isLower(c) || isDigit(c):
		case strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '%':
			if i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
				return bad("the path has a broken percent-encoding", "کدگذاری درصدی مسیر نادرست است")
			}
			d := unhex(rest[i+1])<<4 | unhex(rest[i+2])
			if d < 0x20 || d == 0x7f || d == '/' || d == '\\' || d == '.' || d == '%' {
				return bad("the path may not encode a slash, backslash, dot, percent sign or control character",
					"مسیر نباید اسلش، بک‌اسلش، نقطه، نشانهٔ درصد یا نویسهٔ کنترلی را کدگذاری کند")
			}
			i += 2
		default:
			return bad("the path has a character that is not allowed; encode it with percent-encoding",
				"مسیر نویسه‌ای غیرمجاز دارد؛ آن را با کدگذاری درصدی بفرستید")
		}
	}
	if strings.Contains(rest, "//") {
		return bad("the path may not contain an empty segment (//)", "مسیر نباید بخش خالی (//) داشته باشد")
	}
	if strings.Contains(rest, "..") {
		return bad("the path may not contain ..", "مسیر نباید .. داشته باشد")
	}
	for _, s := range strings.Split(rest[1:], "/") {
		if s == "." {
			return bad("the path may not contain a . segment", "مسیر نباید بخش . داشته باشد")
		}
	}
	return nil
}

func isHex(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
