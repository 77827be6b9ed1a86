package catalog

import "github.com/panjare/panjare/internal/persian"

// persianAlphabet is the order of the Persian alphabet. Unicode puts پ, چ, ژ
// and گ after the Arabic letters, so byte order is not dictionary order.
const persianAlphabet = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"

var persianRank = func() map[rune]int {
	m := map[rune]int{}
	for i, r := range []rune(persianAlphabet) {
		m[r] = i + 1
	}
	return m
}()

// persianLess orders two names as a Persian dictionary does: by the folded
// form, letter by letter in alphabet order, with Latin letters and digits
// after Persian letters.
func persianLess(a, b string) bool {
	ra, rb := []rune(persian.Fold(a)), []rune(persian.Fold(b))
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] == rb[i] {
			continue
		}
		return runeKey(ra[i]) < runeKey(rb[i])
	}
	return len(ra) < len(rb)
}

func runeKey(r rune) int {
	if r == ' ' {
		return 0
	}
	if k, ok := persianRank[r]; ok {
		return k
	}
	return 100 + int(r)
}
