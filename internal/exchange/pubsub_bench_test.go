package exchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// BenchmarkPublish measures publishing life events in parallel: validation
// against the type's schema, the replay check, the event row, one delivery
// row per subscription (two here: a local and a PULL subscriber) and the
// exchange.pubsub.published event, in one transaction. The baseline,
// measured in the same run, is the bare storage of the same events: the
// event row and the store event in one transaction, nothing else. The
// person check is left out (in the app it is a cached civil registry
// inquiry). It runs on SQLite, and on PostgreSQL when
// PANJARE_TEST_POSTGRES is set; the ratio is reported as x_baseline.
func BenchmarkPublish(b *testing.B) {
	engines := []store.Dialect{store.SQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, store.Postgres)
	}
	for _, d := range engines {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.MustOpen(b, d, gwSets...)
			f := psSetup(b, s, exchange.PubSubConfig{PersonCheck: func(context.Context, string) (bool, error) { return true, nil }})
			ctx := context.Background()
			if err := f.ps.SubscribeLocal(ctx, "proactive", "death"); err != nil {
				b.Fatal(err)
			}
			if _, err := f.ps.Subscribe(ctx, psTax, exchange.Subscription{EventType: "death", Delivery: exchange.DeliveryPull}); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			body := func() (string, json.RawMessage) {
				nc := nationalCode(fmt.Sprintf("%09d", 100000000+n.Add(1)))
				return nc, json.RawMessage(`{"national_code":"` + nc + `","death_date":"2026-10-01"}`)
			}
			var baseline float64
			b.Run("baseline", func(b *testing.B) {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						nc, ev := body()
						id := "base-" + nc
						err := s.InTx(ctx, func(tx *store.Tx) error {
							if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_pubsub_events (id, event_type, publisher, person, body, digest, published_at)
								VALUES ($1, 'death-baseline', $2, $3, $4, $5, $6)`, id, psNOCR.String(), nc, string(ev), exchange.Digest(ev), time.Now().UTC()); err != nil {
								return err
							}
							return tx.Append(ctx, store.Event{Kind: "exchange.pubsub.published", Actor: "subsystem:" + psNOCR.String(), Subject: nc},
								map[string]any{"event_id": id})
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				baseline = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			})
			b.Run("publish", func(b *testing.B) {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						_, ev := body()
						if _, err := f.ps.Publish(ctx, psNOCR.String(), "death", ev); err != nil {
							b.Error(err)
							return
						}
					}
				})
				per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(1e9/per, "events/s")
				if baseline > 0 {
					b.ReportMetric(per/baseline, "x_baseline")
				}
			})
		})
	}
}
