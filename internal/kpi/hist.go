package kpi

import (
	"encoding/binary"
	"slices"
)

// hist is an exact histogram: how many times each integer value occurred.
// It is stored as a blob of (value, count) varint pairs in ascending order
// of value, so that a group's percentiles are read from one row.
type hist map[int64]int64

func (h hist) encode() []byte {
	vals := make([]int64, 0, len(h))
	for v, n := range h {
		if n != 0 {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	b := make([]byte, 0, len(vals)*4)
	for _, v := range vals {
		b = binary.AppendVarint(b, v)
		b = binary.AppendUvarint(b, uint64(h[v]))
	}
	return b
}

// decodeInto adds the histogram encoded in b to h. It stops at the first
// malformed pair: blobs are only written by encode.
func decodeInto(h hist, b []byte) {
	for len(b) > 0 {
		v, n1 := binary.Varint(b)
		if n1 <= 0 {
			return
		}
		c, n2 := binary.Uvarint(b[n1:])
		if n2 <= 0 {
			return
		}
		h[v] += int64(c)
		b = b[n1+n2:]
	}
}

// sorted is a histogram as stored: (value, count) pairs in ascending
// order of value. Queries read it straight from the blobs, without a map.
type sorted []struct{ v, n int64 }

// decodeSorted reads the pairs encode wrote, appending to s.
func decodeSorted(s sorted, b []byte) sorted {
	for len(b) > 0 {
		v, n1 := binary.Varint(b)
		if n1 <= 0 {
			break
		}
		c, n2 := binary.Uvarint(b[n1:])
		if n2 <= 0 {
			break
		}
		s = append(s, struct{ v, n int64 }{v, int64(c)})
		b = b[n1+n2:]
	}
	return s
}

// mergeBlobs returns the histogram that is the sum of the encoded ones.
func mergeBlobs(blobs [][]byte) sorted {
	switch len(blobs) {
	case 0:
		return nil
	case 1:
		return decodeSorted(nil, blobs[0])
	}
	var all sorted
	for _, b := range blobs {
		all = decodeSorted(all, b)
	}
	slices.SortFunc(all, func(a, b struct{ v, n int64 }) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	out := all[:0]
	for _, p := range all {
		if len(out) > 0 && out[len(out)-1].v == p.v {
			out[len(out)-1].n += p.n
			continue
		}
		out = append(out, p)
	}
	return out
}

// percentile returns the nearest-rank p-th percentile: with the values
// sorted ascending v[0..n-1], v[ceil(p/100·n)−1]; 0 when there is none.
func (s sorted) percentile(p int) int {
	var n int64
	for _, x := range s {
		n += max(x.n, 0)
	}
	if n == 0 {
		return 0
	}
	rank := max((int64(p)*n+99)/100, 1)
	var seen int64
	for _, x := range s {
		seen += max(x.n, 0)
		if seen >= rank {
			return int(x.v)
		}
	}
	return int(s[len(s)-1].v)
}
