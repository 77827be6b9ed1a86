package search

import (
	"slices"
	"strings"
)

// Finglish is Persian typed in Latin letters, as people do on a keyboard
// without Persian: «sabt sherkat» for «ثبت شرکت». There is no one
// spelling: short vowels are written or not («sabt», «sabet»), one Persian
// letter has several Latin spellings («gh» and «q» for ق and غ, «kh» and
// «x» for خ), and several Persian letters share one (س, ص and ث are all
// «s»).
//
// So a Latin word is not spelt into Persian letter by letter. Both sides are
// reduced to a skeleton of consonant sounds, in which the letters Finglish
// confuses are one (س ص ث → s; ز ذ ض ظ → z; ت ط → t; ح ه → h; ق غ → q) and
// the letters it writes in many ways or not at all are dropped (vowels, و,
// ی, ا, ع, a final silent ه). The index keeps the skeleton of every Persian
// word of its titles and keywords (and of the synonym table); a Latin word's
// skeleton looks them up, and the few words found are ranked by how close
// the Latin spelling is to each word's letters, vowels included.

// finglishMaxReadings is how many Persian words one Latin word may stand for.
const finglishMaxReadings = 3

// finglishSlack is how much further from the Latin spelling than the best
// reading another reading may be and still be searched.
const finglishSlack = 0.6

// finglishSynonymOnly is added to the distance of a reading that only the
// synonym table has.
const finglishSynonymOnly = 0.5

// finglishConfused are the sounds a one-letter spelling is tried as when
// the word as spelt has no reading: the digraph's first letter alone.
var finglishConfused = map[rune]rune{'s': 'š', 'z': 'ž', 'k': 'x', 'g': 'q', 'c': 'č'}

// latinDigraphs are the two-letter spellings of one Persian sound, replaced
// before anything else, in this order.
var latinDigraphs = strings.NewReplacer(
	"kh", "x", "gh", "q", "sh", "š", "ch", "č", "zh", "ž", "ph", "f",
	"ou", "u", "oo", "u", "ee", "i", "aa", "a", "w", "v", "c", "k", "'", "",
)

// persianSounds maps a Persian letter to its sound in latinDigraphs' terms.
// Letters not listed (و ی ا آ ع ء) are vowels or glides: see romanise.
var persianSounds = map[rune]rune{
	'ب': 'b', 'پ': 'p', 'ت': 't', 'ط': 't', 'ث': 's', 'س': 's', 'ص': 's',
	'ج': 'j', 'چ': 'č', 'ح': 'h', 'خ': 'x', 'د': 'd', 'ذ': 'z', 'ز': 'z',
	'ض': 'z', 'ظ': 'z', 'ر': 'r', 'ژ': 'ž', 'ش': 'š', 'غ': 'q', 'ق': 'q',
	'ف': 'f', 'ک': 'k', 'ك': 'k', 'گ': 'g', 'ل': 'l', 'م': 'm', 'ن': 'n', 'ه': 'h',
}

// vowelish are the sounds Finglish writes in many ways or leaves out.
const vowelish = "aeiouvy"

// latinSounds returns the Latin word w (lower case) as sounds: digraphs
// replaced, doubled letters once, a final h after a vowel dropped.
func latinSounds(w string) string {
	return tidy(latinDigraphs.Replace(w))
}

// romanise returns the Persian word w as sounds comparable with
// latinSounds: consonants by persianSounds, ا and آ as a, و as v, ی as y,
// ع and hamza left out, and a final ه as the e it is read as.
func romanise(w string) string {
	rs := []rune(w)
	var b strings.Builder
	for i, r := range rs {
		switch r {
		case 'ا', 'آ', 'أ', 'إ':
			b.WriteByte('a')
		case 'و', 'ؤ':
			b.WriteByte('v')
		case 'ی', 'ئ', 'ي':
			b.WriteByte('y')
		case 'ه', 'ة':
			if i == len(rs)-1 && i > 0 {
				b.WriteByte('e')
			} else {
				b.WriteByte('h')
			}
		default:
			if s, ok := persianSounds[r]; ok {
				b.WriteRune(s)
			} else if r >= 'a' && r <= 'z' {
				return "" // a Latin word is not read as Persian
			}
		}
	}
	return tidy(b.String())
}

// tidy writes doubled sounds once and drops a final h after a vowel («shah»
// and «شاه» alike), which Finglish and Persian spell differently.
func tidy(s string) string {
	rs := []rune(s)
	out := rs[:0]
	for i, r := range rs {
		if i > 0 && r == rs[i-1] {
			continue
		}
		out = append(out, r)
	}
	if n := len(out); n > 1 && out[n-1] == 'h' && strings.ContainsRune(vowelish, out[n-2]) {
		out = out[:n-1]
	}
	return string(out)
}

// skeleton returns the consonant sounds of sounds, the key Latin and Persian
// words are matched on: every vowelish sound dropped, doubles once.
func skeleton(sounds string) string {
	var b strings.Builder
	var last rune
	for _, r := range sounds {
		if strings.ContainsRune(vowelish, r) || r == last {
			continue
		}
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

// sameSound reports whether two different vowelish sounds are one sound
// spelt two ways: «i» and ی, «u» or «o» and و.
func sameSound(a, b rune) bool {
	if a > b {
		a, b = b, a
	}
	return a == 'i' && b == 'y' || a == 'u' && b == 'v' || a == 'o' && b == 'v'
}

// distance is a weighted edit distance between two sound strings: vowelish
// sounds cost little to add or drop (0.3), since Finglish writes short
// vowels as it pleases and Persian does not write them at all; one sound
// spelt two ways costs 0.1, another vowel 0.5, and another consonant one.
func distance(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	cost := func(r rune) float64 {
		if strings.ContainsRune(vowelish, r) {
			return 0.3
		}
		return 1
	}
	prev := make([]float64, len(rb)+1)
	cur := make([]float64, len(rb)+1)
	for j := 1; j <= len(rb); j++ {
		prev[j] = prev[j-1] + cost(rb[j-1])
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = prev[0] + cost(ra[i-1])
		for j := 1; j <= len(rb); j++ {
			sub := 0.0
			switch a, b := ra[i-1], rb[j-1]; {
			case a == b:
			case sameSound(a, b):
				sub = 0.1
			case cost(a) < 1 && cost(b) < 1:
				sub = 0.5
			default:
				sub = 1
			}
			cur[j] = min(prev[j-1]+sub, prev[j]+cost(ra[i-1]), cur[j-1]+cost(rb[j-1]))
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// readings maps skeletons to the Persian words that have them, with each
// word's sounds.
type readings map[string][]reading

type reading struct {
	word, sounds string
}

// add records the Persian word w; it does nothing for a word with no
// consonant or with Latin letters.
func (rd readings) add(w string) {
	s := romanise(w)
	k := skeleton(s)
	if k == "" || slices.ContainsFunc(rd[k], func(r reading) bool { return r.word == w }) {
		return
	}
	rd[k] = append(rd[k], reading{w, s})
}

// remove forgets the Persian word w.
func (rd readings) remove(w string) {
	k := skeleton(romanise(w))
	rd[k] = slices.DeleteFunc(rd[k], func(r reading) bool { return r.word == w })
	if len(rd[k]) == 0 {
		delete(rd, k)
	}
}

// finglish returns the Persian words the Latin word w may stand for, the
// likeliest first: words of the index's titles and keywords and of the
// synonym table with the same skeleton, ranked by distance and, when equally
// near, by how many services have them. It returns nil for a word that is not
// in Latin letters, or that is English the index knows (a word of an English
// title or of the synonym table), or that has no consonant («o», «e», «va»:
// Finglish «and» and the ezafe). The caller holds mu for reading.
func (x *Index) finglish(w string) []string {
	if !isLatin(w) || x.syn.latin[w] {
		return nil
	}
	if e := x.enTerm(w); e != "" && x.vocab.has(e) {
		return nil
	}
	sounds := latinSounds(w)
	if skeleton(sounds) == "" {
		return nil
	}
	type scored struct {
		word string
		d    float64
		n    int
	}
	var found []scored
	lookup := func(sounds string) {
		k := skeleton(sounds)
		for _, rd := range []readings{x.vocab.readings, x.syn.readings} {
			for _, r := range rd[k] {
				if slices.ContainsFunc(found, func(s scored) bool { return s.word == r.word }) {
					continue
				}
				d := distance(sounds, r.sounds)
				if !x.vocab.hasGlued(r.word) {
					// Only in the synonym table: a word of the catalogue
					// as near is the likelier reading.
					d += finglishSynonymOnly
				}
				found = append(found, scored{r.word, d, x.vocab.count[r.word] + x.vocab.glued[r.word]})
			}
		}
	}
	lookup(sounds)
	if len(found) == 0 {
		// One letter written as its neighbour: «s» for «sh», «k» for «kh»...
		rs := []rune(sounds)
		for i, r := range rs {
			if alt, ok := finglishConfused[r]; ok {
				rs[i] = alt
				lookup(string(rs))
				rs[i] = r
			}
		}
		for i := range found {
			found[i].d++
		}
	}
	if len(found) == 0 {
		return nil
	}
	slices.SortFunc(found, func(a, b scored) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return b.n - a.n
	})
	out := make([]string, 0, finglishMaxReadings)
	for _, s := range found {
		if len(out) == finglishMaxReadings || s.d > found[0].d+finglishSlack {
			break
		}
		out = append(out, s.word)
	}
	return out
}
