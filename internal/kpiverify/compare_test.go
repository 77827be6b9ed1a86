package kpiverify

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ten := []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	for _, c := range []struct {
		v    []int
		p    int
		want int
	}{
		{nil, 50, 0},
		{[]int{7}, 50, 7}, {[]int{7}, 90, 7},
		{[]int{3, 1}, 50, 1}, {[]int{3, 1}, 90, 3}, // ceil(1)=1st, ceil(1.8)=2nd
		{ten, 50, 5}, {ten, 90, 9}, // ceil(5)=5th, ceil(9)=9th
		{[]int{5, 2, 80}, 50, 5}, {[]int{5, 2, 80}, 90, 80},
	} {
		if got := percentile(c.v, c.p); got != c.want {
			t.Errorf("p%d of %v = %d, want %d", c.p, c.v, got, c.want)
		}
	}
	if ten[0] != 10 {
		t.Errorf("percentile sorted its argument: %v", ten)
	}
}

func TestFloorHours(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 0, 59 * time.Minute: 0, time.Hour: 1, 5*time.Hour + 30*time.Minute: 5, -time.Minute: -1} {
		if got := floorHours(d); got != want {
			t.Errorf("floorHours(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestCompareRows(t *testing.T) {
	// 25 figures of a row, and one the recomputation does not know.
	want := mustRow(Figures{Key: Key{Month: "1404-06", City: "YZD-01"}, Submitted: 3, ByLevel: [6]int{0, 1}, Funnel: false}, false)
	got, err := flatten([]byte(`{"month":"1404-06","city":"YZD-01","submitted":3.0,"by_level":[0,2,0,0,0,0],"funnel":true,"extra":1}`), false)
	if err != nil {
		t.Fatal(err)
	}
	n, ds := compareRows("x", want, got, false)
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	wantLines := []string{
		"x 1404-06/city:YZD-01 by_level[1]: expected 1, got 2",
		"x 1404-06/city:YZD-01 complaints: expected 0, got absent",
	}
	if n != 26 || len(lines) < 3 || lines[0] != wantLines[0] || lines[1] != wantLines[1] {
		t.Fatalf("%d compared:\n%v", n, lines)
	}
	found := map[string]bool{}
	for _, l := range lines {
		found[l] = true
	}
	for _, l := range []string{"x 1404-06/city:YZD-01 extra: expected absent, got 1", "x 1404-06/city:YZD-01 funnel: expected false, got true"} {
		if !found[l] {
			t.Errorf("missing %q in %v", l, lines)
		}
	}
	if found["x 1404-06/city:YZD-01 submitted: expected 3, got 3"] {
		t.Error("3.0 read differently from 3")
	}
	// Compared only where the other side has a figure (a truth file).
	if n, ds := compareRows("truth", want, got, true); n != 9 || len(ds) != 3 {
		t.Fatalf("only got's fields: %d compared, %v", n, ds)
	}
}
