// Command searchquality measures how well the catalogue search answers what
// people really type: it loads the demo catalogue into a fresh SQLite
// database through the real verbs, runs every labelled query of
// testdata/queries.tsv through catalog.Search, and prints the share whose
// expected service is among the first three results.
//
//	go run ./bench/searchquality            # the share, and every miss
//	go run ./bench/searchquality -v         # every query with its top three
//	go run ./bench/searchquality -list      # the demo catalogue, to label queries
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/store"
)

// topN is how deep a query's expected service may appear to count as found.
const topN = 3

func main() {
	labels := flag.String("queries", filepath.Join("bench", "searchquality", "testdata", "queries.tsv"), "the labelled queries")
	verbose := flag.Bool("v", false, "print every query with its first three results")
	list := flag.Bool("list", false, "print the demo catalogue (identifier, titles, keywords) and exit")
	flag.Parse()
	if err := run(*labels, *verbose, *list, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "searchquality:", err)
		os.Exit(1)
	}
}

func run(labels string, verbose, list bool, out io.Writer) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "panjare-searchquality-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cat, closeFn, err := demoCatalog(ctx, "sqlite:"+filepath.Join(dir, "panjare.db"))
	if err != nil {
		return err
	}
	defer closeFn()
	if list {
		all, err := cat.Published(ctx)
		if err != nil {
			return err
		}
		for _, s := range all {
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Record.Agency, s.Record.TitleFa, s.Record.TitleEn, strings.Join(s.Record.Keywords, "، "))
		}
		return nil
	}
	f, err := os.Open(labels)
	if err != nil {
		return err
	}
	defer f.Close()
	qs, err := parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w", labels, err)
	}
	rep, err := measure(ctx, cat, qs)
	if err != nil {
		return err
	}
	rep.print(out, verbose)
	return nil
}

// labelled is one query of the labelled set.
type labelled struct {
	line int
	text string
	want []string // any of these in the first topN counts
	kind string
}

// parse reads the labelled set: a query, a tab, comma-separated service
// identifiers, a tab, a kind; blank lines and lines starting with # are
// comments.
func parse(r io.Reader) ([]labelled, error) {
	var out []labelled
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("line %d: want query, identifiers and kind separated by tabs", n)
		}
		out = append(out, labelled{line: n, text: f[0], want: strings.Split(f[1], ","), kind: f[2]})
	}
	return out, sc.Err()
}

// result is how one labelled query fared.
type result struct {
	q     labelled
	top   []catalog.Service // the first topN results
	found bool
}

// report is the outcome of the whole set.
type report struct {
	results []result
	unknown []string // expected identifiers that are not in the catalogue
}

// measure runs every query through cat.Search, as the portal does.
func measure(ctx context.Context, cat *catalog.Catalog, qs []labelled) (report, error) {
	all, err := cat.Published(ctx)
	if err != nil {
		return report{}, err
	}
	known := map[string]bool{}
	for _, s := range all {
		known[s.ID] = true
	}
	var rep report
	for _, q := range qs {
		for _, id := range q.want {
			if !known[id] {
				rep.unknown = append(rep.unknown, fmt.Sprintf("line %d: %s", q.line, id))
			}
		}
		res, err := cat.Search(ctx, catalog.Query{Text: q.text, PerPage: topN})
		if err != nil {
			return report{}, fmt.Errorf("line %d %q: %w", q.line, q.text, err)
		}
		r := result{q: q, top: res.Items}
		for _, s := range res.Items {
			if slices.Contains(q.want, s.ID) {
				r.found = true
			}
		}
		rep.results = append(rep.results, r)
	}
	return rep, nil
}

// share returns the share of queries found in the first topN, overall and
// by kind.
func (rep report) share() (all float64, byKind map[string][2]int) {
	byKind = map[string][2]int{}
	found := 0
	for _, r := range rep.results {
		k := byKind[r.q.kind]
		k[1]++
		if r.found {
			found++
			k[0]++
		}
		byKind[r.q.kind] = k
	}
	if len(rep.results) == 0 {
		return 0, byKind
	}
	return float64(found) / float64(len(rep.results)), byKind
}

func (rep report) print(out io.Writer, verbose bool) {
	for _, u := range rep.unknown {
		fmt.Fprintf(out, "unknown identifier, %s\n", u)
	}
	for _, r := range rep.results {
		if r.found && !verbose {
			continue
		}
		mark := "MISS"
		if r.found {
			mark = "ok  "
		}
		var top []string
		for _, s := range r.top {
			top = append(top, s.ID+" "+s.Record.TitleFa)
		}
		fmt.Fprintf(out, "%s %-10s %q want %s; got %s\n", mark, r.q.kind, r.q.text, strings.Join(r.q.want, ","), strings.Join(top, " | "))
	}
	all, byKind := rep.share()
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(out, "%-10s %3d of %3d in the first %d\n", k, byKind[k][0], byKind[k][1], topN)
	}
	found := 0
	for _, r := range rep.results {
		if r.found {
			found++
		}
	}
	fmt.Fprintf(out, "found in the first %d: %d of %d queries, %.1f%%\n", topN, found, len(rep.results), 100*all)
}

// demoCatalog opens db, migrates it, and publishes the demo catalogue into it
// with a search index, through the same verbs the application uses.
func demoCatalog(ctx context.Context, db string) (*catalog.Catalog, func(), error) {
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler), catalog.Migrations()); err != nil {
		st.Close()
		return nil, nil, err
	}
	idx, err := search.New()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	cat, err := catalog.New(ctx, st, idx)
	if err != nil {
		idx.Close()
		st.Close()
		return nil, nil, err
	}
	if _, err := demo.Load(ctx, cat); err != nil {
		idx.Close()
		st.Close()
		return nil, nil, err
	}
	return cat, func() { idx.Close(); st.Close() }, nil
}
