// Package testutil holds memory helpers for moegate's differential tests:
// buffers whose ends touch an inaccessible guard page (so that a kernel
// reading one element too many faults instead of silently reading
// neighbouring memory), slices at a chosen offset from a 64-byte boundary,
// and canary-guarded output slices.
package testutil

import (
	"fmt"
	"math"
	"unsafe"
)

// Aligned returns a slice of n float32 whose first element sits off elements
// (0..15) past a 64-byte boundary, so that tests control the alignment a
// kernel sees.
func Aligned(n, off int) []float32 {
	buf := make([]float32, n+off+16)
	a := int(uintptr(unsafe.Pointer(&buf[0]))%64) / 4 // elements past a boundary
	start := (16-a)%16 + off
	return buf[start : start+n : start+n]
}

// Offset reports the element offset of &s[0] from a 64-byte boundary.
func Offset(s []float32) int {
	if len(s) == 0 {
		return 0
	}
	return int(uintptr(unsafe.Pointer(&s[0]))%64) / 4
}

// Canary guard sizes and sentinel values for output slices.
const (
	CanaryLen = 16
	canaryID  = int32(-0x2152_4111) // 0xDEADBEEF as int32
	canaryW   = 0x7FC0_BEEF         // a NaN payload no kernel produces
	canaryL   = int64(-0x0123_4567_89AB_CDEF)
)

// Canaried is a set of output slices with CanaryLen sentinel elements
// before and after each. IDs, Weights and Load are the middle parts, with
// capacity equal to their length.
type Canaried struct {
	ids  []int32
	w    []float32
	load []int64

	IDs     []int32
	Weights []float32
	Load    []int64 // nil when made without load
}

// NewCanaried allocates outputs for n ids/weights and e load counters
// (e < 0: Load stays nil), each surrounded by sentinels. The middle parts
// are filled with junk that a correct kernel overwrites.
func NewCanaried(n, e int) *Canaried {
	c := &Canaried{
		ids: make([]int32, n+2*CanaryLen),
		w:   make([]float32, n+2*CanaryLen),
	}
	for i := range c.ids {
		c.ids[i] = canaryID
		c.w[i] = math.Float32frombits(canaryW)
	}
	c.IDs = c.ids[CanaryLen : CanaryLen+n : CanaryLen+n]
	c.Weights = c.w[CanaryLen : CanaryLen+n : CanaryLen+n]
	for i := range c.IDs {
		c.IDs[i] = int32(0x5A5A5A5A)
		c.Weights[i] = math.Float32frombits(0xFFC0_0001)
	}
	if e >= 0 {
		c.load = make([]int64, e+2*CanaryLen)
		for i := range c.load {
			c.load[i] = canaryL
		}
		c.Load = c.load[CanaryLen : CanaryLen+e : CanaryLen+e]
		for i := range c.Load {
			c.Load[i] = 0x5A5A5A5A // Route overwrites load
		}
	}
	return c
}

// Check returns an error naming the first sentinel a kernel overwrote.
func (c *Canaried) Check() error {
	n := len(c.IDs)
	for i := 0; i < CanaryLen; i++ {
		for _, j := range []int{i, CanaryLen + n + i} {
			if c.ids[j] != canaryID {
				return fmt.Errorf("ids canary %d (of the %d-element output) overwritten: %#x", j-CanaryLen, n, c.ids[j])
			}
			if b := math.Float32bits(c.w[j]); b != canaryW {
				return fmt.Errorf("weights canary %d (of the %d-element output) overwritten: %#x", j-CanaryLen, n, b)
			}
		}
	}
	if c.load != nil {
		e := len(c.Load)
		for i := 0; i < CanaryLen; i++ {
			for _, j := range []int{i, CanaryLen + e + i} {
				if c.load[j] != canaryL {
					return fmt.Errorf("load canary %d (of the %d-element load) overwritten: %#x", j-CanaryLen, e, c.load[j])
				}
			}
		}
	}
	return nil
}
