package identity_test

import (
	"context"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestStaffOfAgenciesWithUnderscores: the catalogue's agency codes may hold
// an underscore (FARAJA_PASS, JUDICIARY_IT, TEHRAN_MUN), so those agencies'
// staff must be addable, or their applications can never be decided.
func TestStaffOfAgenciesWithUnderscores(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id := identity.New(s)
		st, err := id.AddStaff(ctx, identity.System, "0067749828", "FARAJA_PASS", identity.RoleOperator)
		if err != nil || st.Agency != "FARAJA_PASS" {
			t.Fatalf("AddStaff(FARAJA_PASS) = %+v, %v", st, err)
		}
		for _, bad := range []string{"faraja_pass", "_PASS", "FARAJA PASS", "X"} {
			if _, err := id.AddStaff(ctx, identity.System, "0499370899", bad, identity.RoleOperator); !errs.Is(err, errs.Invalid) {
				t.Errorf("AddStaff(%q) = %v, want invalid", bad, err)
			}
		}
	}, identity.Migrations())
}
