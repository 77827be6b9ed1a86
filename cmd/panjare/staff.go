package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/identity"
)

// staff gives, lists and takes away staff roles: agency operators and
// admins, overseers and platform admins. It acts as the platform itself.
func staff(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"staff: want add, list or remove"}
	}
	verb, args := args[0], args[1:]
	cfg := app.Defaults()
	fs := flag.NewFlagSet("staff "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	var code, agency, role string
	switch verb {
	case "add", "remove":
		fs.StringVar(&code, "national-code", "", "the person's national code")
		fs.StringVar(&agency, "agency", "", "agency code, e.g. NOCR (none for overseer and platform_admin)")
		fs.StringVar(&role, "role", "", "agency_operator, agency_admin, overseer or platform_admin")
	case "list":
		fs.StringVar(&agency, "agency", "", "only this agency's staff")
	default:
		return usageError{fmt.Sprintf("staff: unknown verb %q: want add, list or remove", verb)}
	}
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if verb != "list" && (code == "" || role == "") {
		return usageError{"staff " + verb + ": --national-code and --role are required"}
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "error"))
	if err != nil {
		return err
	}
	defer a.Close()
	if agency != "" {
		if _, err := a.Catalog.Agency(ctx, agency); err != nil {
			return fmt.Errorf("staff %s: agency %s: %w", verb, agency, err)
		}
	}
	switch verb {
	case "add":
		s, err := a.Identity.AddStaff(ctx, identity.System, code, agency, identity.Role(role))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is now %s%s\n", identity.MaskNationalCode(s.NationalCode), s.Role, atAgency(s.Agency))
	case "remove":
		if err := a.Identity.RemoveStaff(ctx, identity.System, code, agency, identity.Role(role)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s%s; their sessions are ended\n", role, atAgency(agency))
	case "list":
		list, err := a.Identity.StaffList(ctx, agency)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NATIONAL CODE\tNAME\tAGENCY\tROLE\tSINCE")
		for _, s := range list {
			ag := s.Agency
			if ag == "" {
				ag = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.NationalCode, s.Name, ag, s.Role, s.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	}
	return nil
}

func atAgency(agency string) string {
	if agency == "" {
		return " (platform-wide)"
	}
	return " at " + agency
}
