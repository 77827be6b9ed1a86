// Command exchange measures the exchange gateway under load next to a
// baseline measured in the same run: the same request sent straight to the
// provider's back end. It starts the real assembled process on SQLite (or
// on PostgreSQL with -db) with its loopback exchange listener, registers a
// provider whose back end answers a small JSON document and client
// subsystems with a legal-basis right to it, drives both paths with vegeta
// at N concurrent clients, and prints throughput, client p50/p99 and the
// ratio gateway/direct. Through the gateway every request is authorized,
// forwarded, digested, signed and written to the message log (a row and an
// event) before it is answered.
//
// The load is spread over -subsystems client subsystems, because the
// gateway limits each client subsystem to 500 requests a second.
//
// The goal (the exchange hardening issue): gateway throughput at least 1/3
// of direct on the same machine; X-Road was measured at about 0.11.
//
//	go run ./bench/exchange [-clients 64] [-duration 10s] [-db postgres://...]
//	    [-cpuprofile cpu.out] [-blockprofile block.out] [-mutexprofile mutex.out]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type options struct {
	clients, subsystems                    int
	duration                               time.Duration
	db, cpuProfile, blockProfile, mutexOut string
}

func main() {
	var o options
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients")
	flag.IntVar(&o.subsystems, "subsystems", 32, "client subsystems the load is spread over (each is limited to 500 req/s)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long to load each path")
	flag.StringVar(&o.db, "db", "", "database (default: a fresh SQLite file)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the gateway run to this file")
	flag.StringVar(&o.blockProfile, "blockprofile", "", "write a blocking profile of the gateway run to this file")
	flag.StringVar(&o.mutexOut, "mutexprofile", "", "write a mutex contention profile of the gateway run to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "exchange bench:", err)
		os.Exit(1)
	}
}

// subject is a valid test national code; the inquiry is about this person.
const subject = "0067749828"

const openAPI = `{"openapi":"3.0.3","info":{"title":"person status","version":"1"},
"paths":{"/persons/{code}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`

// backend is the provider's back end: a small JSON document per person,
// about the size of a real inquiry answer.
func backend() (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := strings.TrimPrefix(r.URL.Path, "/api/persons/")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"national_code":%q,"alive":true,"first_name":"مریم","last_name":"احمدی","birth_date":"1365-04-12"}`, code)
	})}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

type result struct {
	name             string
	rps              float64
	p50, p99         time.Duration
	errors, requests uint64
	firstError       string
	cpu              time.Duration // process CPU time (user + system) per request: the whole process, load generator and back end included
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "panjare-bench-exchange-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	be, beURL, err := backend()
	if err != nil {
		return err
	}
	defer be.Close()

	cfg := app.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.DB = o.db
	cfg.Version = "bench"
	cfg.LogLevel = "error"
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", "127.0.0.1:0"
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	clients, err := register(ctx, a.Exchange, beURL+"/api", o.subsystems)
	if err != nil {
		a.Close()
		return err
	}
	_, local, err := a.ListenExchange(ctx)
	if err != nil {
		a.Close()
		return err
	}
	ln, err := a.Listen()
	if err != nil {
		a.Close()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()

	hdr := func(client string) http.Header {
		h := http.Header{"Panjare-Subject": {subject}, "Panjare-Purpose": {"بررسی پرونده"}, "Accept": {"application/json"}}
		if client != "" {
			h.Set(exchange.HeaderIMClient, client)
		}
		return h
	}
	directURL := beURL + "/api/persons/" + subject
	gatewayURL := "http://" + local.Addr().String() + "/r1/IR/GOV/NOCR/population/person-status/persons/" + subject
	direct := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: directURL, Header: hdr("")})
	var gwTargets []vegeta.Target
	for _, c := range clients {
		gwTargets = append(gwTargets, vegeta.Target{Method: "GET", URL: gatewayURL, Header: hdr(c)})
	}
	gateway := vegeta.NewStaticTargeter(gwTargets...)

	fmt.Printf("exchange: %s, %d concurrent clients over %d client subsystems, %s per path, GOMAXPROCS=%d, %s\n",
		a.Store.Dialect(), o.clients, len(clients), o.duration, runtime.GOMAXPROCS(0), cpuModel())

	// Warm up both paths (connection pools, caches, the signing key).
	load(direct, o.clients, 2*time.Second)
	load(gateway, o.clients, 2*time.Second)

	d := load(direct, o.clients, o.duration)
	d.name = "direct (baseline)"

	stop, err := startProfiles(o)
	if err != nil {
		return err
	}
	b0, r0 := a.Gateway.LogStats()
	g := load(gateway, o.clients, o.duration)
	g.name = "through the gateway"
	b1, r1 := a.Gateway.LogStats()
	if err := stop(); err != nil {
		return err
	}

	fmt.Printf("\n%-22s %10s %12s %12s %14s %8s\n", "path", "req/s", "client p50", "client p99", "CPU/request", "errors")
	for _, r := range []result{d, g} {
		fmt.Printf("%-22s %10.0f %12s %12s %11.0f µs %8d\n", r.name, r.rps, ms(r.p50), ms(r.p99), float64(r.cpu.Nanoseconds())/1000, r.errors)
		if r.firstError != "" {
			fmt.Printf("  first error: %s\n", r.firstError)
		}
	}
	ratio := g.rps / d.rps
	fmt.Printf("\nratio gateway/direct: throughput %.2f (direct is %.1f× faster), p50 +%s, p99 +%s\n",
		ratio, 1/ratio, ms(g.p50-d.p50), ms(g.p99-d.p99))
	fmt.Printf("CPU per request (the whole process: load generator, back end and, on the second path, the gateway): gateway/direct %.2f×\n",
		float64(g.cpu)/float64(max(d.cpu, 1)))
	if b1 > b0 {
		fmt.Printf("message log: %d records in %d transactions (%.1f a commit)\n", r1-r0, b1-b0, float64(r1-r0)/float64(b1-b0))
	}
	verdict := "MET"
	if ratio < 1.0/3 || g.errors > 0 {
		verdict = "NOT MET"
	}
	fmt.Printf("goal: gateway throughput ≥ 1/3 of direct, no errors: %s (%.2f)\n", verdict, ratio)

	cancel()
	return <-done
}

// register makes NOCR's population register the provider of person-status
// (personal data, on a legal basis) and n client subsystems of INTA with a
// right to it.
func register(ctx context.Context, x *exchange.Exchange, base string, n int) ([]string, error) {
	admin := identity.Principal{Kind: "cli", Name: "bench", Roles: []identity.Role{identity.RolePlatformAdmin}}
	for _, m := range []exchange.Member{{Class: "GOV", Code: "NOCR", NameFa: "سازمان ثبت احوال کشور"},
		{Class: "GOV", Code: "INTA", NameFa: "سازمان امور مالیاتی کشور"}} {
		if err := x.RegisterMember(ctx, admin, m); err != nil {
			return nil, err
		}
	}
	provider, _ := exchange.ParseSubsystemID("IR/GOV/NOCR/population")
	if err := x.RegisterSubsystem(ctx, admin, exchange.Subsystem{ID: provider, NameFa: "سامانهٔ جمعیت"}); err != nil {
		return nil, err
	}
	svc := exchange.ServiceID{Provider: provider, Code: "person-status"}
	nocr := exchange.OperatorFor("NOCR")
	if err := x.RegisterService(ctx, nocr, exchange.DataService{ID: svc, TitleFa: "وضعیت اشخاص", OpenAPI: openAPI,
		BackendURL: base, Personal: true}); err != nil {
		return nil, err
	}
	var ids []string
	for i := range max(n, 1) {
		id, err := exchange.ParseSubsystemID(fmt.Sprintf("IR/GOV/INTA/tax%d", i))
		if err != nil {
			return nil, err
		}
		if err := x.RegisterSubsystem(ctx, admin, exchange.Subsystem{ID: id, NameFa: "سامانهٔ مالیات"}); err != nil {
			return nil, err
		}
		if _, err := x.Grant(ctx, nocr, exchange.AccessRight{Service: svc, Client: id, LegalBasis: "قانون مالیات‌های مستقیم، مادهٔ ۱۶۹"}); err != nil {
			return nil, err
		}
		ids = append(ids, id.String())
	}
	return ids, nil
}

// startProfiles starts the profiles asked for; the returned function
// stops them and writes them out.
func startProfiles(o options) (func() error, error) {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	if o.blockProfile != "" {
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	}
	if o.mutexOut != "" {
		runtime.SetMutexProfileFraction(10)
	}
	return func() error {
		var errs []error
		if o.cpuProfile != "" {
			pprof.StopCPUProfile()
		}
		for _, p := range []struct{ name, file string }{{"block", o.blockProfile}, {"mutex", o.mutexOut}} {
			if p.file == "" {
				continue
			}
			f, err := os.Create(p.file)
			if err == nil {
				err = pprof.Lookup(p.name).WriteTo(f, 0)
				f.Close()
			}
			errs = append(errs, err)
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		return errors.Join(errs...)
	}, nil
}

func load(tr vegeta.Targeter, clients int, d time.Duration) result {
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients), vegeta.MaxConnections(clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	var mt vegeta.Metrics
	var first atomic.Value
	cpu0 := cpuTime()
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0}, d, "load") {
		if res.Error != "" || res.Code != http.StatusOK {
			first.CompareAndSwap(nil, fmt.Sprintf("%d %s %.200s", res.Code, res.Error, res.Body))
		}
		mt.Add(res)
	}
	mt.Close()
	r := result{rps: mt.Throughput, p50: mt.Latencies.P50, p99: mt.Latencies.P99,
		errors: mt.Requests - uint64(float64(mt.Requests)*mt.Success+0.5), requests: mt.Requests}
	if mt.Requests > 0 {
		r.cpu = (cpuTime() - cpu0) / time.Duration(mt.Requests)
	}
	if s, ok := first.Load().(string); ok {
		r.firstError = s
	}
	return r
}

// cpuModel names the processor, for the record.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
