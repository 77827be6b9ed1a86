package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestParseNationalCode(t *testing.T) {
	for in, want := range map[string]string{
		"0067749828": "0067749828", "۰۰۶۷۷۴۹۸۲۸": "0067749828", "006-774982-8": "0067749828", " 0499370899 ": "0499370899",
		"٠٤٩٩٣٧٠٨٩٩": "0499370899",
	} {
		if got, err := identity.ParseNationalCode(in); err != nil || got != want {
			t.Errorf("ParseNationalCode(%q) = %q, %v", in, got, err)
		}
	}
	for in, want := range map[string]string{
		"0684159415": "check digit", "1111111111": "repeated", "123": "10 digits", "": "enter", "00677498281": "10 digits",
	} {
		_, err := identity.ParseNationalCode(in)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || !strings.Contains(e.En, want) || e.Fa == "" || len(e.Fields) != 1 {
			t.Errorf("ParseNationalCode(%q) = %v, want Invalid naming %q", in, err, want)
		}
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("the error repeats the code: %v", err)
		}
	}
	if got := identity.MaskNationalCode("0067749828"); got != "******9828" {
		t.Errorf("MaskNationalCode = %q", got)
	}
}

func TestStaffAndSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		id := identity.New(s)
		nocrAdmin := identity.Principal{Kind: "user", ID: 99, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleAgencyAdmin}}
		citizen := identity.Principal{Kind: "user", ID: 98, Roles: []identity.Role{identity.RoleCitizen}}

		for _, c := range []struct {
			by     identity.Principal
			code   string
			agency string
			role   identity.Role
			kind   errs.Kind
		}{
			{citizen, "0067749828", "NOCR", identity.RoleOperator, errs.Forbidden},
			{nocrAdmin, "0067749828", "INTA", identity.RoleOperator, errs.Forbidden},
			{nocrAdmin, "0067749828", "", identity.RoleOverseer, errs.Forbidden},
			{identity.System, "0067749828", "", identity.RoleOperator, errs.Invalid},
			{identity.System, "0067749828", "NOCR", identity.RoleOverseer, errs.Invalid},
			{identity.System, "0067749828", "NOCR", "boss", errs.Invalid},
			{identity.System, "1111111111", "NOCR", identity.RoleOperator, errs.Invalid},
		} {
			if _, err := id.AddStaff(ctx, c.by, c.code, c.agency, c.role); !errs.Is(err, c.kind) {
				t.Errorf("AddStaff(%s, %q, %s) = %v, want %v", c.by.Actor(), c.agency, c.role, err, c.kind)
			}
		}
		if _, err := id.AddStaff(ctx, nocrAdmin, "0067749828", "NOCR", identity.RoleOperator); err != nil {
			t.Fatal(err)
		}
		if _, err := id.AddStaff(ctx, nocrAdmin, "0067749828", "NOCR", identity.RoleOperator); !errs.Is(err, errs.Conflict) {
			t.Fatalf("the same role twice: %v", err)
		}
		if _, err := id.AddStaff(ctx, identity.System, "0067749828", "INTA", identity.RoleOperator); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a second agency: %v", err)
		}
		if _, err := id.AddStaff(ctx, identity.System, "0067749828", "", identity.RoleOverseer); err != nil {
			t.Fatal(err)
		}
		list, err := id.StaffList(ctx, "NOCR")
		if err != nil || len(list) != 1 || list[0].Role != identity.RoleOperator {
			t.Fatalf("StaffList(NOCR) = %+v, %v", list, err)
		}
		if all, _ := id.StaffList(ctx, ""); len(all) != 2 {
			t.Fatalf("StaffList() = %+v", all)
		}

		p, err := id.PersonByNationalCode(ctx, "0067749828")
		if err != nil {
			t.Fatal(err)
		}
		pr, err := id.PrincipalOf(ctx, p)
		if err != nil || pr.Agency != "NOCR" || !pr.Has(identity.RoleOperator) || !pr.Has(identity.RoleOverseer) || !pr.Has(identity.RoleCitizen) {
			t.Fatalf("principal = %+v, %v", pr, err)
		}

		token, _, err := id.StartSession(ctx, p, "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0")
		if err != nil {
			t.Fatal(err)
		}
		got, sess, err := id.SessionPrincipal(ctx, token)
		if err != nil || got.ID != p.ID || sess.UserAgent != "Firefox, Linux" || got.Agency != "NOCR" {
			t.Fatalf("SessionPrincipal = %+v %+v, %v", got, sess, err)
		}
		for _, bad := range []string{"", "x", token[:21] + "A", strings.Repeat("A", 22)} {
			if bad == token {
				continue
			}
			if _, _, err := id.SessionPrincipal(ctx, bad); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("SessionPrincipal(bad) = %v", err)
			}
		}

		// Removing a role ends the person's sessions, so it applies at once.
		if err := id.RemoveStaff(ctx, nocrAdmin, "0067749828", "NOCR", identity.RoleOperator); err != nil {
			t.Fatal(err)
		}
		if err := id.RemoveStaff(ctx, nocrAdmin, "0067749828", "NOCR", identity.RoleOperator); !errs.Is(err, errs.NotFound) {
			t.Fatalf("removing again: %v", err)
		}
		if _, _, err := id.SessionPrincipal(ctx, token); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("session after its role was removed: %v", err)
		}

		// Idle and absolute expiry.
		idle, _, _ := id.StartSession(ctx, p, "")
		absolute, _, _ := id.StartSession(ctx, p, "")
		if _, err := s.DB().Exec(`UPDATE identity_sessions SET last_seen_at = $1 WHERE token_hash = $2`,
			s.Now().Add(-identity.SessionIdle-time.Second), identity.DigestOf(idle)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE identity_sessions SET expires_at = $1 WHERE token_hash = $2`, s.Now().Add(-time.Second), identity.DigestOf(absolute)); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{idle, absolute} {
			if _, _, err := id.SessionPrincipal(ctx, tok); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("expired session accepted: %v", err)
			}
		}
		if open, _, _ := id.Sessions(ctx, p.ID, "", 0); len(open) != 0 {
			t.Errorf("Sessions lists %d expired or ended sessions", len(open))
		}
		// Rows of sessions that ended over a month ago go at the next sign-in.
		var rows int
		count := func() int {
			t.Helper()
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM identity_sessions WHERE person_id = $1`, p.ID).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			return rows
		}
		before := count()
		if _, err := s.DB().Exec(`UPDATE identity_sessions SET expires_at = $1 WHERE token_hash = $2`, s.Now().Add(-31*24*time.Hour), identity.DigestOf(absolute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := id.StartSession(ctx, p, ""); err != nil {
			t.Fatal(err)
		}
		if after := count(); after != before {
			t.Errorf("sessions rows: %d before, %d after a sign-in that should forget one and add one", before, after)
		}
		// Activity older than a few minutes is written down, with an event.
		fresh, _, _ := id.StartSession(ctx, p, "")
		if _, err := s.DB().Exec(`UPDATE identity_sessions SET last_seen_at = $1 WHERE token_hash = $2`, s.Now().Add(-10*time.Minute), identity.DigestOf(fresh)); err != nil {
			t.Fatal(err)
		}
		if _, sess, err := id.SessionPrincipal(ctx, fresh); err != nil || time.Since(sess.LastSeenAt) > time.Minute {
			t.Fatalf("renewal: %+v, %v", sess, err)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.", Subject: "0067749828"})
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
		}
		if kinds["identity.staff.added"] != 2 || kinds["identity.staff.removed"] != 1 || kinds["identity.session.renewed"] != 1 || kinds["identity.person.created"] != 1 {
			t.Fatalf("events = %v", kinds)
		}
	}, identity.Migrations())
}
