package identity_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// walkIDs reads a list page by page with read until it ends and returns
// the ids it met, failing on an id met twice or a short page with a next
// cursor.
func walkIDs(t *testing.T, size int, read func(cursor string, limit int) ([]int64, string, error)) (ids []int64, pages int) {
	t.Helper()
	seen := map[int64]bool{}
	for cursor := ""; ; pages++ {
		page, next, err := read(cursor, size)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range page {
			if seen[id] {
				t.Errorf("%d listed twice", id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if next == "" || pages > 20 {
			return ids, pages + 1
		}
		if len(page) != size {
			t.Fatalf("page %d has %d rows and a next cursor", pages+1, len(page))
		}
		cursor = next
	}
}

// TestIdentityListsPage: an agency's representations and a person's open
// sessions, longer than a page, are walked to the end newest first, each
// once and only the right ones (they once stopped at 500 and 100).
func TestIdentityListsPage(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	runClock(t, start, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		id := identity.New(s)
		admin := identity.Principal{Kind: "user", ID: 77, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleAgencyAdmin}}
		inta := identity.Principal{Kind: "user", ID: 79, Agency: "INTA", Roles: []identity.Role{identity.RoleCitizen, identity.RoleAgencyAdmin}}
		const n = 9
		for i := 0; i < n+1; i++ {
			ten := fmt.Sprintf("10380284%02d", i)
			by := admin
			if i == n {
				by = inta // another agency's: never listed
			}
			if _, err := id.RegisterRepresentative(ctx, by, "0067749828", ten+string(identity.LegalIDCheckDigit(ten)), "شرکت نمونه", time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		ids, pages := walkIDs(t, 4, func(cursor string, limit int) ([]int64, string, error) {
			list, next, err := id.RepresentationsBy(ctx, "NOCR", cursor, limit)
			var out []int64
			for _, r := range list {
				if r.Source != "agency_admin:NOCR" {
					t.Errorf("representation %d registered by %s", r.ID, r.Source)
				}
				out = append(out, r.ID)
			}
			return out, next, err
		})
		if len(ids) != n || pages != 3 {
			t.Errorf("%d representations in %d pages, want %d in 3", len(ids), pages, n)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] > ids[i-1] {
				t.Errorf("representations not newest first: %v", ids)
			}
		}
		if _, _, err := id.RepresentationsBy(ctx, "NOCR", "forged", 4); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}

		person, err := id.PersonByNationalCode(ctx, "0067749828")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if _, _, err := id.StartSession(ctx, person, ""); err != nil {
				t.Fatal(err)
			}
		}
		ids, pages = walkIDs(t, 4, func(cursor string, limit int) ([]int64, string, error) {
			list, next, err := id.Sessions(ctx, person.ID, cursor, limit)
			var out []int64
			for _, s := range list {
				if s.PersonID != person.ID {
					t.Errorf("session %d of person %d", s.ID, s.PersonID)
				}
				out = append(out, s.ID)
			}
			return out, next, err
		})
		if len(ids) != n || pages != 3 {
			t.Errorf("%d sessions in %d pages, want %d in 3", len(ids), pages, n)
		}
		if _, _, err := id.Sessions(ctx, person.ID, "forged", 4); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}
	})
}

// codeOf completes nine digits with their national-code check digit.
func codeOf(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	r := sum % 11
	if r >= 2 {
		r = 11 - r
	}
	return nine + string(rune('0'+r))
}

// TestStaffPages: an agency's staff roles, more than a page, are walked to
// the end by national code and role, each once and only the agency's.
func TestStaffPages(t *testing.T) {
	runClock(t, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		id := identity.New(s)
		const n = 5
		for i := 0; i < n; i++ {
			code := codeOf(fmt.Sprintf("1234560%02d", i))
			for _, role := range []identity.Role{identity.RoleOperator, identity.RoleAgencyAdmin} { // two rows share a code
				if _, err := id.AddStaff(ctx, identity.System, code, "NOCR", role); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := id.AddStaff(ctx, identity.System, codeOf("765432100"), "INTA", identity.RoleOperator); err != nil {
			t.Fatal(err)
		}
		var got []string
		cursor, pages := "", 0
		for {
			page, next, err := id.StaffPage(ctx, "NOCR", cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, st := range page {
				if st.Agency != "NOCR" {
					t.Errorf("%s of %s listed", st.NationalCode, st.Agency)
				}
				got = append(got, st.NationalCode+" "+string(st.Role))
			}
			if next == "" || pages > 10 {
				break
			}
			cursor = next
		}
		if len(got) != 2*n || pages != 4 {
			t.Errorf("%d roles in %d pages, want %d in 4", len(got), pages, 2*n)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Errorf("not in order or twice: %q after %q", got[i], got[i-1])
			}
		}
		if _, _, err := id.StaffPage(ctx, "NOCR", "forged", 3); !errs.Is(err, errs.Invalid) {
			t.Errorf("a forged cursor: %v", err)
		}
	})
}
