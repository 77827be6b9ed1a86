package demo

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestLoadPeople: the demo people get their roles and relations, the
// children through the real family service on the exchange, and a second
// load changes nothing.
func TestLoadPeople(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, g, set := exchangeFixture(t, s)
		id := identity.New(s)
		id.UseFamilyRegistry(identity.FamilyFromEvidence(func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error) {
			b, _, err := g.Evidence(ctx, subject, inquiry, purpose)
			return b, err
		}))
		ps := set.People
		if err := LoadPeople(ctx, id, ps); err != nil {
			t.Fatal(err)
		}
		before, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.", Limit: 10000})
		if err := LoadPeople(ctx, id, ps); err != nil {
			t.Fatal(err)
		}
		after, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.relation.recorded", Limit: 10000})
		recorded := 0
		for _, ev := range before {
			if ev.Kind == "identity.relation.recorded" {
				recorded++
			}
		}
		if len(after) != recorded {
			t.Errorf("a second load recorded %d more relations", len(after)-recorded)
		}

		admin, operator := NOCRStaff(ps)
		staff, err := id.StaffList(ctx, "NOCR")
		if err != nil || len(staff) != 2 {
			t.Fatalf("NOCR staff = %+v, %v", staff, err)
		}
		for _, st := range staff {
			want := map[string]identity.Role{admin: identity.RoleAgencyAdmin, operator: identity.RoleOperator}[st.NationalCode]
			if st.Role != want || st.Name != ps.Get(st.NationalCode).FullName() {
				t.Errorf("staff %+v", st)
			}
		}

		// Maryam may act for exactly her living children under eighteen.
		maryam, _ := id.PersonByNationalCode(ctx, backoffice.CitizenMaryam)
		rels, err := id.UsableRelations(ctx, maryam.ID)
		if err != nil {
			t.Fatal(err)
		}
		var minors []string
		for _, c := range ps.Get(backoffice.CitizenMaryam).Children {
			if p := ps.Get(c); p.Alive() && p.Age(time.Now()) < 18 {
				minors = append(minors, c)
			}
		}
		if len(minors) == 0 || len(rels) != len(minors) {
			t.Fatalf("Maryam's relations = %+v, minors %v", rels, minors)
		}
		for i, r := range rels {
			if r.Kind != identity.RelGuardian || r.Other != minors[i] || r.Source != identity.FamilyInquiry || r.OtherName != ps.Get(minors[i]).FullName() {
				t.Errorf("relation %+v", r)
			}
		}
		// The inquiry went through the exchange and shows in her tracker.
		tracked, err := g.InquiriesAbout(ctx, backoffice.CitizenMaryam, 10, 0)
		if err != nil || len(tracked) == 0 {
			t.Fatalf("Maryam's tracker: %+v, %v", tracked, err)
		}

		// Ali represents the demo company, whose id passes the check.
		ali, _ := id.PersonByNationalCode(ctx, backoffice.CitizenAli)
		rels, _ = id.UsableRelations(ctx, ali.ID)
		c := RepresentedCompany(ps)
		if len(rels) != 1 || rels[0].Kind != identity.RelRepresentative || rels[0].Other != c.NationalID || rels[0].OtherName != c.Name {
			t.Fatalf("Ali's relations = %+v", rels)
		}
		if _, err := identity.ParseLegalID(c.NationalID); err != nil {
			t.Fatal(err)
		}
		// His children are adults: asking the registry adds nothing.
		pa, _ := id.PrincipalOf(ctx, ali)
		if rels, err := id.RecordChildren(ctx, pa); err != nil || len(rels) != 1 {
			t.Fatalf("Ali's children: %+v, %v", rels, err)
		}
	}, exchangeSets...)
}
