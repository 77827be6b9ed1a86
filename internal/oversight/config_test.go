package oversight_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/oversight"
)

func TestDefaultConfig(t *testing.T) {
	c := oversight.Default()
	if c.BaseYear != 1403 || c.SmartStepPP != 20 || c.ElectronicTarget != 100 || c.SmartBaseShare != nil {
		t.Fatalf("default = %+v", c)
	}
	sum := 0.0
	for _, k := range oversight.Components {
		sum += c.Ranking.Weights[k]
	}
	if sum != 100 || len(c.Ranking.Weights) != len(oversight.Components) {
		t.Fatalf("default weights %v add up to %g", c.Ranking.Weights, sum)
	}
	if c, err := oversight.Load(""); err != nil || c.BaseYear != 1403 {
		t.Fatalf("Load(\"\") = %+v, %v", c, err)
	}
}

// Each bad file is refused with a Persian and an English message naming
// every problem (field by field).
func TestConfigInvalid(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC) // 11 Azar 1405
	good := `"smart_step_pp": 20, "electronic_target": 100, "ranking": {"weights": {"smart": 50, "on_time": 50}}`
	for _, tc := range []struct {
		name, json string
		fields     []string
	}{
		{"base year too early", `{"base_year": 1389, ` + good + `}`, []string{"base_year"}},
		{"base year in the future", `{"base_year": 1406, ` + good + `}`, []string{"base_year"}},
		{"step zero", `{"base_year": 1403, "smart_step_pp": 0, "electronic_target": 100, "ranking": {"weights": {"smart": 1}}}`, []string{"smart_step_pp"}},
		{"step negative", `{"base_year": 1403, "smart_step_pp": -5, "electronic_target": 100, "ranking": {"weights": {"smart": 1}}}`, []string{"smart_step_pp"}},
		{"step over 100", `{"base_year": 1403, "smart_step_pp": 101, "electronic_target": 100, "ranking": {"weights": {"smart": 1}}}`, []string{"smart_step_pp"}},
		{"electronic target zero", `{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 0, "ranking": {"weights": {"smart": 1}}}`, []string{"electronic_target"}},
		{"electronic target over 100", `{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 120, "ranking": {"weights": {"smart": 1}}}`, []string{"electronic_target"}},
		{"unknown weight", `{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 100, "ranking": {"weights": {"smart": 1, "speed": 3}}}`, []string{"ranking.weights.speed"}},
		{"negative weight", `{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 100, "ranking": {"weights": {"smart": 10, "on_time": -1}}}`, []string{"ranking.weights.on_time"}},
		{"weights sum zero", `{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 100, "ranking": {"weights": {"smart": 0, "on_time": 0}}}`, []string{"ranking.weights"}},
		{"no weights", `{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 100}`, []string{"ranking.weights"}},
		{"base share negative", `{"base_year": 1403, "smart_base_share": -1, ` + good + `}`, []string{"smart_base_share"}},
		{"base share over 100", `{"base_year": 1403, "smart_base_share": 100.5, ` + good + `}`, []string{"smart_base_share"}},
		{"everything wrong at once", `{"base_year": 1300, "smart_base_share": 200, "smart_step_pp": 0, "electronic_target": 0, "ranking": {"weights": {"x": 1, "smart": -2}}}`,
			[]string{"base_year", "smart_base_share", "smart_step_pp", "electronic_target", "ranking.weights.smart", "ranking.weights.x", "ranking.weights"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := oversight.Decode([]byte(tc.json))
			if err != nil {
				t.Fatalf("does not parse: %v", err)
			}
			err = c.ValidateAt(now)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid {
				t.Fatalf("ValidateAt = %v, want Invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
				if f.Fa == "" || f.En == "" {
					t.Errorf("field %s lacks a message: %+v", f.Field, f)
				}
				if !strings.Contains(e.Fa, f.Fa) || !strings.Contains(e.En, f.En) {
					t.Errorf("the error's message does not list %s", f.Field)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields = %v, want %v", got, tc.fields)
			}
		})
	}
	// The base year may be this very year.
	c, _ := oversight.Decode([]byte(`{"base_year": 1405, ` + good + `}`))
	if err := c.ValidateAt(now); err != nil {
		t.Errorf("base year 1405 in 1405: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"base_year": 1403, "smart_step_pp": 0, "electronic_target": 100, "ranking": {"weights": {"smart": 1}}}`), 0o600)
	if _, err := oversight.Load(bad); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "smart_step_pp") {
		t.Errorf("Load(bad) = %v", err)
	}
	syntax := filepath.Join(dir, "syntax.json")
	os.WriteFile(syntax, []byte(`{"base_year": 1403,`), 0o600)
	if _, err := oversight.Load(syntax); !errs.Is(err, errs.Invalid) {
		t.Errorf("Load(syntax error) = %v", err)
	}
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, []byte(`{"base_year": 1403, "smart_step_pp": 20, "electronic_target": 100, "ranking": {"weights": {"smart": 1}}, "speed": 1}`), 0o600)
	if _, err := oversight.Load(unknown); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "speed") {
		t.Errorf("Load(unknown field) = %v", err)
	}
	if _, err := oversight.Load(filepath.Join(dir, "missing.json")); !errs.Is(err, errs.Invalid) {
		t.Errorf("Load(missing) = %v", err)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"base_year": 1404, "smart_base_share": 12.5, "smart_step_pp": 25, "electronic_target": 90, "ranking": {"weights": {"smart": 1, "complaints": 3}}}`), 0o600)
	c, err := oversight.Load(good)
	if err != nil || c.BaseYear != 1404 || *c.SmartBaseShare != 12.5 || c.SmartStepPP != 25 || c.ElectronicTarget != 90 || c.Ranking.Weights["complaints"] != 3 {
		t.Errorf("Load(good) = %+v, %v", c, err)
	}
}
