package exchange_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// BenchmarkGateway compares a call straight to the back end with the same
// call through the loopback gateway listener, with authorization, signing
// and the message log on (SQLite). Run with -cpu to vary parallelism.
func BenchmarkGateway(b *testing.B) {
	s := storetest.MustOpen(b, store.SQLite, gwSets...)
	f := gwSetup(b, s, exchange.GatewayConfig{RatePerClient: 1e9, Burst: 1 << 30})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	run := func(b *testing.B, url string, hdr bool) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("GET", url, nil)
				if hdr {
					req.Header.Set(exchange.HeaderIMClient, gwClient.String())
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, f.backend.srv.URL+"/api/ping", false) })
	b.Run("gateway", func(b *testing.B) { run(b, f.local.URL+"/r1/IR/GOV/NOCR/population/status/ping", true) })
}
