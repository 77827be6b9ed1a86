package apply

import (
	"context"
	"time"
)

// DeliverForTest makes the last attempt at delivery id, as River's worker would.
func DeliverForTest(ctx context.Context, b *Backoffice, id string) error {
	return b.deliver(ctx, id, time.Now(), true)
}
