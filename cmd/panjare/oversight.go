package main

import (
	"context"
	"fmt"
	"io"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/oversight"
)

// oversightCmd is "panjare oversight check FILE": it validates an
// oversight configuration before a deployment uses it, listing every
// problem in English and Persian, and exits 2 when there is any.
func oversightCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"oversight: want check FILE"}
	}
	switch args[0] {
	case "check":
		if len(args) != 2 {
			return usageError{"oversight check: want one FILE"}
		}
		return oversightCheck(args[1], stdout)
	}
	return usageError{fmt.Sprintf("oversight: unknown verb %q: want check", args[0])}
}

func oversightCheck(path string, stdout io.Writer) error {
	c, err := oversight.Load(path)
	if err == nil {
		fmt.Fprintf(stdout, "%s: ok (base year %d, smart share +%g points a year, fully electronic target %g%%)\n",
			path, c.BaseYear, c.SmartStepPP, c.ElectronicTarget)
		return nil
	}
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		fa, en := errs.Messages(err)
		return usageError{fmt.Sprintf("oversight check %s: %s\n%s", path, en, fa)}
	}
	for _, f := range e.Fields {
		fmt.Fprintf(stdout, "%s: %s\n%s: %s\n", path, f.En, path, f.Fa)
	}
	return usageError{fmt.Sprintf("oversight check %s: %d problems", path, len(e.Fields))}
}
