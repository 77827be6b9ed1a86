package exchange

import "time"

// SetClock replaces the exchange's clock, for tests of expiry.
func SetClock(x *Exchange, now func() time.Time) { x.clock = now }
