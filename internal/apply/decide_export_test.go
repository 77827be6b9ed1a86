package apply

import (
	"testing"
	"time"
)

// DecideTimeoutForTest shortens how long the rules may take to decide.
func DecideTimeoutForTest(tb testing.TB, d time.Duration) {
	tb.Helper()
	old := decideTimeout
	decideTimeout = d
	tb.Cleanup(func() { decideTimeout = old })
}
