package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer that a running command and the test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoOnPostgres: `panjare demo --db postgres://…` loads the demo into
// that database (it once ran on SQLite whatever --db said) and prints one
// person for each role, the platform admin and the overseer included.
func TestDemoOnPostgres(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"demo", "--db", dsn, "--addr", "127.0.0.1:0", "--exchange-addr", "", "--exchange-local-addr", "",
			"--log-level", "error"}, env(map[string]string{"PANJARE_DATA": t.TempDir()}), &out, &errb)
	}()
	deadline := time.After(90 * time.Second)
	for !strings.Contains(out.String(), "overseer") {
		select {
		case code := <-exited:
			t.Fatalf("demo exited %d: %s", code, errb.String())
		case <-deadline:
			t.Fatalf("the demo did not start: %s %s", out.String(), errb.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	o := out.String()
	if !strings.Contains(o, "Database: postgres://") {
		t.Errorf("the demo does not say it runs on PostgreSQL:\n%s", o)
	}
	ps := backoffice.NewPeople()
	admin, overseer := demo.PlatformStaff(ps)
	nocrAdmin, nocrOperator := demo.NOCRStaff(ps)
	for _, want := range []string{backoffice.CitizenMaryam, backoffice.CitizenAli, nocrAdmin + "  " + ps.Get(nocrAdmin).FullName() + ": NOCR agency admin",
		nocrOperator, admin + "  " + ps.Get(admin).FullName() + ": platform admin", overseer + "  " + ps.Get(overseer).FullName() + ": overseer"} {
		if !strings.Contains(o, want) {
			t.Errorf("the demo does not print %q:\n%s", want, o)
		}
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Fatalf("demo exit %d: %s", code, errb.String())
	}

	// The demo's data is in the PostgreSQL database.
	cfg := app.Defaults()
	cfg.DB, cfg.DataDir, cfg.Jobs = dsn, t.TempDir(), false
	a, err := app.New(context.Background(), cfg, newLogger(&errb, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if ags, err := a.Catalog.Agencies(context.Background()); err != nil || len(ags) != len(demo.Agencies()) {
		t.Fatalf("%d agencies in PostgreSQL (%v), want %d", len(ags), err, len(demo.Agencies()))
	}
	staff, err := a.Identity.StaffList(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, s := range staff {
		roles[s.NationalCode] = string(s.Role)
	}
	if roles[admin] != "platform_admin" || roles[overseer] != "overseer" || roles[nocrAdmin] != "agency_admin" || roles[nocrOperator] != "agency_operator" {
		t.Errorf("staff roles in PostgreSQL: %v", roles)
	}
}
