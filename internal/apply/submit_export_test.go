package apply

import (
	"context"
	"testing"
	"time"
)

// TakenTrackingForTest makes the next n tracking codes a's Submit picks be code,
// as if another submission had taken it between the check and the insert;
// after those Submit picks as usual. It returns how many codes Submit has
// picked since. Nothing else may submit through a meanwhile.
func TakenTrackingForTest(tb testing.TB, a *Applications, code string, n int) (picks func() int) {
	tb.Helper()
	orig := (*Applications).freeTracking
	count := 0
	a.pick = func(a *Applications, ctx context.Context, now time.Time, applicant, service string) (string, bool, error) {
		count++
		if count <= n {
			return code, true, nil
		}
		return orig(a, ctx, now, applicant, service)
	}
	tb.Cleanup(func() { a.pick = nil })
	return func() int { return count }
}
