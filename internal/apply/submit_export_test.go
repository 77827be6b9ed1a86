package apply

import (
	"context"
	"testing"
	"time"
)

// TakenTrackingForTest makes the next n tracking codes Submit picks be code,
// as if another submission had taken it between the check and the insert;
// after those Submit picks as usual. It returns how many codes Submit has
// picked since. Tests that use it must not run in parallel.
func TakenTrackingForTest(tb testing.TB, code string, n int) (picks func() int) {
	tb.Helper()
	orig := pickTracking
	count := 0
	pickTracking = func(a *Applications, ctx context.Context, now time.Time, applicant, service string) (string, bool, error) {
		count++
		if count <= n {
			return code, true, nil
		}
		return orig(a, ctx, now, applicant, service)
	}
	tb.Cleanup(func() { pickTracking = orig })
	return func() int { return count }
}
