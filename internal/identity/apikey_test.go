package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestAPIKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id := identity.New(s)
		agencyKey := identity.Principal{Kind: "apikey", ID: 9, Agency: "NOCR"}
		if _, _, err := id.IssueKey(ctx, agencyKey, "NOCR", "x"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agency issuing a key: err = %v, want forbidden", err)
		}
		if _, _, err := id.IssueKey(ctx, identity.System, "nocr lower", "x"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad agency code: err = %v", err)
		}
		c, key, err := id.IssueKey(ctx, identity.System, "NOCR", "back office")
		if err != nil {
			t.Fatal(err)
		}
		p, err := id.Authenticate(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if p.Agency != "NOCR" || p.Kind != "apikey" || p.ID != c.ID || !p.CanManageAgency("NOCR") || p.CanManageAgency("INTA") {
			t.Fatalf("principal = %+v", p)
		}
		// A wrong secret with the right prefix, a malformed key and an empty key all fail alike.
		wrong := key[:len(key)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(key, "a")]
		for _, k := range []string{wrong, "pjk_x", "", strings.ToUpper(key)} {
			if _, err := id.Authenticate(ctx, k); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Authenticate(%.8q…) err = %v, want unauthorized", k, err)
			}
		}
		if err := id.RevokeKey(ctx, identity.Principal{Kind: "user", ID: 3, Agency: "INTA", Roles: []identity.Role{identity.RoleAgencyAdmin}}, c.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other agency's admin revoking: err = %v", err)
		}
		if err := id.RevokeKey(ctx, identity.System, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := id.RevokeKey(ctx, identity.System, c.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second revoke: err = %v", err)
		}
		if _, err := id.Authenticate(ctx, key); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("revoked key accepted: %v", err)
		}
		list, err := id.APIClients(ctx, "NOCR")
		if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
			t.Fatalf("APIClients = %+v, %v", list, err)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.apikey."})
		if len(evs) != 2 {
			t.Fatalf("events = %d, want issued and revoked", len(evs))
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Payload), key[13:]) {
				t.Fatal("an event holds the secret part of the key")
			}
		}
	}, identity.Migrations())
}
