package exchange_test

import (
	"context"
	"testing"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// BenchmarkAuthorize measures one access decision with a legal basis, the
// work the gateway adds to every call.
func BenchmarkAuthorize(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.MustOpen(b, d, exchange.Migrations())
			x := fixture(b, s)
			ctx := context.Background()
			person := svcID(b, "IR/GOV/NOCR/population/person-identity")
			tax := sub(b, "IR/GOV/INTA/tax")
			if _, err := x.Grant(ctx, agency("NOCR"), exchange.AccessRight{Service: person, Client: tax, LegalBasis: "قانون"}); err != nil {
				b.Fatal(err)
			}
			req := exchange.AccessRequest{Client: tax, Service: person, Method: "GET", Path: "/persons/0067749828", Subject: "0067749828"}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := x.Authorize(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
