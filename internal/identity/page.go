package identity

// Lists that can grow without bound (an agency's representations, a
// person's sessions) come a page at a time, with an opaque cursor to the
// next page (store.Cursor).

// MaxPage is the most rows one page of an identity list holds;
// DefaultPage is a page's size when none is asked.
const (
	MaxPage     = 500
	DefaultPage = 50
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPage
	case n > MaxPage:
		return MaxPage
	}
	return n
}
