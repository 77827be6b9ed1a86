package catalog

// Level is how far a service has come (DESIGN.md, "Service levels"):
//
//	L0 information only
//	L1 online request, but some stage still needs a visit or paper
//	L2 fully electronic: every stage online, no visit, no paper, every inquiry electronic
//	L3 decided automatically by rules
//	L4 offered proactively on a life event, one-click consent
//	L5 no-stop: delivered without any request
type Level int

// The levels.
const (
	L0 Level = iota
	L1
	L2
	L3
	L4
	L5
)

// FullyElectronic reports whether the level counts as fully electronic
// (تمام الکترونیک).
func (l Level) FullyElectronic() bool { return l >= L2 }

// Smart reports whether the level counts as smart (هوشمند).
func (l Level) Smart() bool { return l >= L3 }

func (l Level) String() string { return "L" + string(rune('0'+l)) }
