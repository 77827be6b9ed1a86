package search

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// vocabulary holds the terms of the fields where typos are forgiven (titles
// and keywords), to find the terms one edit away from a query word. bleve's
// own fuzzy query is not used: its in-memory index measures edits in bytes,
// and a Persian letter is two bytes, so one wrong letter would count as two.
//
// near maps each term, and each form of it with one letter deleted, to the
// terms: two words are one edit apart only if they share such a key.
//
// Glued pairs of words (the shingles of titles and keywords) are counted
// apart: they are not words to complete or correct, only to look up.
type vocabulary struct {
	count  map[string]int      // word → how many services have it
	near   map[string][]string // key → words
	sorted []string            // the words in byte order, for prefixes
	glued  map[string]int      // glued pair → how many services have it

	readings readings // Persian words by skeleton, for Finglish (finglish.go)
}

func newVocabulary() vocabulary {
	return vocabulary{count: map[string]int{}, near: map[string][]string{}, glued: map[string]int{}, readings: readings{}}
}

// has reports whether some service has the word t.
func (v *vocabulary) has(t string) bool { return v.count[t] > 0 }

// hasGlued reports whether some service has t as a word or a glued pair.
func (v *vocabulary) hasGlued(t string) bool { return v.count[t] > 0 || v.glued[t] > 0 }

// add counts one service's distinct words and glued pairs.
func (v *vocabulary) add(words, glued []string) {
	for _, t := range glued {
		if v.glued[t]++; v.glued[t] == 1 {
			v.readings.add(t)
		}
	}
	for _, t := range words {
		if v.count[t] == 0 {
			for _, k := range deletions(t) {
				v.near[k] = append(v.near[k], t)
			}
			i, _ := slices.BinarySearch(v.sorted, t)
			v.sorted = slices.Insert(v.sorted, i, t)
			v.readings.add(t)
		}
		v.count[t]++
	}
}

// remove uncounts one service's distinct words and glued pairs.
func (v *vocabulary) remove(words, glued []string) {
	for _, t := range glued {
		if v.glued[t]--; v.glued[t] <= 0 {
			delete(v.glued, t)
			if v.count[t] == 0 {
				v.readings.remove(t)
			}
		}
	}
	for _, t := range words {
		v.count[t]--
		if v.count[t] > 0 {
			continue
		}
		delete(v.count, t)
		if v.glued[t] == 0 {
			v.readings.remove(t)
		}
		if i, ok := slices.BinarySearch(v.sorted, t); ok {
			v.sorted = slices.Delete(v.sorted, i, i+1)
		}
		for _, k := range deletions(t) {
			v.near[k] = slices.DeleteFunc(v.near[k], func(s string) bool { return s == t })
			if len(v.near[k]) == 0 {
				delete(v.near, k)
			}
		}
	}
}

// similar returns up to max terms one edit (a letter inserted, deleted or
// replaced) away from w, the most common first; w itself is left out.
func (v *vocabulary) similar(w string, max int) []string {
	var out []string
	for _, k := range deletions(w) {
		for _, t := range v.near[k] {
			if t != w && !slices.Contains(out, t) && oneEdit(w, t) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return v.count[b] - v.count[a] })
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// withPrefix returns up to max terms that start with p and are longer than
// it, the most common first.
func (v *vocabulary) withPrefix(p string, max int) []string {
	i, _ := slices.BinarySearch(v.sorted, p)
	var out []string
	for ; i < len(v.sorted) && strings.HasPrefix(v.sorted[i], p); i++ {
		if v.sorted[i] != p {
			out = append(out, v.sorted[i])
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return v.count[b] - v.count[a] })
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// deletions returns w and every form of w with one letter deleted.
func deletions(w string) []string {
	out := make([]string, 0, utf8.RuneCountInString(w)+1)
	out = append(out, w)
	for i, r := range w {
		d := w[:i] + w[i+utf8.RuneLen(r):]
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// oneEdit reports whether a and b are at most one letter insertion,
// deletion or substitution apart.
func oneEdit(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	if len(ra)-len(rb) > 1 {
		return false
	}
	i := 0
	for i < len(rb) && ra[i] == rb[i] {
		i++
	}
	if len(ra) == len(rb) {
		return i == len(ra) || slices.Equal(ra[i+1:], rb[i+1:])
	}
	return slices.Equal(ra[i+1:], rb[i:])
}
