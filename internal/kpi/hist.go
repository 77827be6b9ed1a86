package kpi

import (
	"encoding/binary"
	"slices"
)

// hist is an exact histogram: how many times each integer value occurred.
// It is stored as a blob of (value, count) varint pairs in ascending order
// of value, so that a group's percentiles are read from one row.
type hist map[int64]int64

func (h hist) add(o hist) {
	for v, n := range o {
		h[v] += n
	}
}

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

// percentile returns the nearest-rank p-th percentile of h: with the values
// sorted ascending v[0..n-1], v[ceil(p/100·n)−1]; 0 when h is empty.
func (h hist) percentile(p int) int {
	var n int64
	vals := make([]int64, 0, len(h))
	for v, c := range h {
		if c > 0 {
			n += c
			vals = append(vals, v)
		}
	}
	if n == 0 {
		return 0
	}
	slices.Sort(vals)
	rank := (int64(p)*n + 99) / 100 // ceil(p·n/100), 1-based
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for _, v := range vals {
		seen += h[v]
		if seen >= rank {
			return int(v)
		}
	}
	return int(vals[len(vals)-1])
}
