package kpiverify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// Discrepancy is one figure that a source shows differently from the
// recomputation.
type Discrepancy struct {
	Source   string // "dashboard", "report:1404-07", "truth"
	Key      string // Key.String(), or "1404-07/provider:IR/GOV/NOCR"
	Field    string // the JSON name: "hours_p50", "by_level[3]"
	Expected string // recomputed from the events
	Got      string // what the source shows; "absent" when it has no such figure
}

// String writes d as "<source> <key> <field>: expected X, got Y".
func (d Discrepancy) String() string {
	return fmt.Sprintf("%s %s %s: expected %s, got %s", d.Source, d.Key, d.Field, d.Expected, d.Got)
}

// absent is written for a figure that one side does not have.
const absent = "absent"

// row is one row of a figures document read as plain text values: every
// figure by its JSON name (by_level as by_level[0] … by_level[5]), so that
// documents written by any implementation compare field by field.
type row struct {
	key      string // the key as one word, for discrepancies
	k        Key    // a figures row's group
	provider string // a provider row's provider member (with k.Month)
	fields   map[string]string
}

// keyFields are the JSON names that make a row's key rather than figures.
var keyFields = map[string]bool{"month": true, "agency": true, "service": true, "province": true, "city": true, "provider": true}

// flatten reads one JSON object as a row. provider says whether it is a
// provider row (keyed by month and provider).
func flatten(raw []byte, provider bool) (row, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return row{}, err
	}
	str := func(name string) (string, error) {
		v, ok := obj[name]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s is %v, not a string", name, v)
		}
		return s, nil
	}
	var r row
	month, err := str("month")
	if err != nil {
		return r, err
	}
	if provider {
		p, err := str("provider")
		if err != nil {
			return r, err
		}
		r.k, r.provider, r.key = Key{Month: month}, p, providerKey(month, p)
	} else {
		k := Key{Month: month}
		for _, f := range []struct {
			name string
			dst  *string
		}{{"agency", &k.Agency}, {"service", &k.Service}, {"province", &k.Province}, {"city", &k.City}} {
			if *f.dst, err = str(f.name); err != nil {
				return r, err
			}
		}
		r.k, r.key = k, k.String()
	}
	r.fields = map[string]string{}
	for name, v := range obj {
		if keyFields[name] {
			continue
		}
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				s, err := scalar(e)
				if err != nil {
					return r, fmt.Errorf("%s[%d]: %w", name, i, err)
				}
				r.fields[fmt.Sprintf("%s[%d]", name, i)] = s
			}
		default:
			s, err := scalar(v)
			if err != nil {
				return r, fmt.Errorf("%s: %w", name, err)
			}
			r.fields[name] = s
		}
	}
	return r, nil
}

// scalar writes a JSON number or boolean as text; integers written as
// 12.0 read as 12.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return strconv.FormatInt(i, 10), nil
		}
		f, err := x.Float64()
		if err != nil {
			return "", err
		}
		if f == float64(int64(f)) {
			return strconv.FormatInt(int64(f), 10), nil
		}
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	default:
		return "", fmt.Errorf("%v is not a number or a boolean", v)
	}
}

func providerKey(month, provider string) string { return month + "/provider:" + provider }

// rowOf flattens a value of any of the row types through its JSON.
func rowOf(v any, provider bool) (row, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return row{}, err
	}
	return flatten(b, provider)
}

// compareRows compares every field of got (and, unless onlyGot, every field
// of want) and returns how many fields it compared and what differs.
func compareRows(source string, want, got row, onlyGot bool) (int, []Discrepancy) {
	names := map[string]bool{}
	for n := range got.fields {
		names[n] = true
	}
	if !onlyGot {
		for n := range want.fields {
			names[n] = true
		}
	}
	var list []string
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	var out []Discrepancy
	for _, n := range list {
		w, ok := want.fields[n]
		if !ok {
			w = absent
		}
		g, ok := got.fields[n]
		if !ok {
			g = absent
		}
		if w != g {
			out = append(out, Discrepancy{Source: source, Key: want.key, Field: n, Expected: w, Got: g})
		}
	}
	return len(list), out
}

// docRows reads a figures document written by any implementation: its
// figures and providers as rows, in the order written.
func docRows(raw []byte) (figures, providers []row, err error) {
	var doc struct {
		Version   int               `json:"version"`
		Figures   []json.RawMessage `json:"figures"`
		Providers []json.RawMessage `json:"providers"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("not a figures document: %w", err)
	}
	if doc.Version != 1 {
		return nil, nil, fmt.Errorf("figures document version %d, want 1", doc.Version)
	}
	for i, f := range doc.Figures {
		r, err := flatten(f, false)
		if err == nil && r.k.Month == "" {
			err = errors.New("a row without a month")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("figures[%d]: %w", i, err)
		}
		figures = append(figures, r)
	}
	for i, p := range doc.Providers {
		r, err := flatten(p, true)
		if err == nil && r.k.Month == "" {
			err = errors.New("a row without a month")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("providers[%d]: %w", i, err)
		}
		providers = append(providers, r)
	}
	return figures, providers, nil
}

// CheckDocument reports whether b reads as a figures document, so that a
// bad truth file is refused before anything is computed.
func CheckDocument(b []byte) error {
	_, _, err := docRows(b)
	return err
}
