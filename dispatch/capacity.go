package dispatch

import (
	"fmt"
	"math"
)

// Capacity returns the per-expert capacity of GShard/Switch token dropping
// for slots = T*K slots over E experts: ceil(factor * slots / E), computed
// in float64 as math.Ceil(factor*float64(slots)/float64(E)) (what Python's
// math.ceil(factor * T * K / E) gives). A factor that is not finite and
// > 0, or a result of 0 (no slot could be kept: slots == 0), wraps
// ErrCapacity; E < 1 or slots < 0 wraps ErrShape.
func Capacity(factor float64, slots, E int) (int, error) {
	if E < 1 || slots < 0 || slots > MaxSlots {
		return 0, shapeErr("capacity of %d slots over %d experts", slots, E)
	}
	if !(factor > 0) || math.IsInf(factor, 0) {
		return 0, fmt.Errorf("%w: capacity factor %v, want finite and > 0", ErrCapacity, factor)
	}
	c := math.Ceil(factor * float64(slots) / float64(E))
	if c < 1 {
		return 0, fmt.Errorf("%w: factor %v x %d slots / %d experts gives capacity 0", ErrCapacity, factor, slots, E)
	}
	if c > MaxSlots {
		c = MaxSlots
	}
	return int(c), nil
}

// BuildCapacity is Build with at most capacity slots per expert
// (GShard/Switch token dropping). Priority is k-major, as GShard's top-2
// gating and Switch: every token's first choice (k = 0, tokens in order)
// is placed before any second choice, and so on; within one k, earlier
// tokens win. A slot that finds its expert full is dropped: its Inverse is
// -1 and it is not in Order, exactly like an excluded slot, so Combine
// skips it (the token keeps its residual; Switch Transformer's
// convention). Kept slots are ordered within each expert by slot id, as
// Build orders them.
//
// dropped, when not nil, must have len(ids) entries: it receives the
// dropped slot ids in ascending order, then -1. BuildCapacity returns the
// number of dropped slots. capacity < 1 wraps ErrCapacity; other errors
// are Build's. On error p is an empty plan, dropped all -1, and the
// count 0.
func BuildCapacity(p Plan, dropped []int32, ids []int32, K, E, capacity int) (int, error) {
	err := p.check(len(ids), K, E)
	if err == nil && dropped != nil && len(dropped) != len(ids) {
		err = shapeErr("len(dropped) = %d, want len(ids) = %d (or nil)", len(dropped), len(ids))
	}
	if err == nil && capacity < 1 {
		err = fmt.Errorf("%w: capacity %d, want >= 1", ErrCapacity, capacity)
	}
	if err == nil {
		for s, id := range ids {
			if uint32(id) >= uint32(E) && id != -1 {
				err = idErr(s, K, id, E)
				break
			}
		}
	}
	if err != nil {
		p.clear()
		for i := range dropped {
			dropped[i] = -1
		}
		return 0, err
	}
	if capacity > MaxSlots {
		capacity = MaxSlots
	}
	T := len(ids) / K
	counts, inv := p.Counts, p.Inverse
	clear(counts)
	cap32 := int32(capacity)
	// Priority pass: mark kept slots 0, excluded -1, dropped -2.
	inv = inv[:len(ids)]
	for k := 0; k < K; k++ {
		for s := k; s < T*K; s += K {
			i := int(ids[s])
			switch {
			case uint(i) >= uint(len(counts)):
				inv[s] = -1
			case counts[i] < cap32:
				counts[i]++
				inv[s] = 0
			default:
				inv[s] = -2
			}
		}
	}
	off := p.Offsets
	off[0] = 0
	sum := int32(0)
	for e, c := range counts {
		off[e+1] = sum
		sum += c
	}
	order, cur := p.Order, off[1:]
	nd := 0
	for s, id := range ids {
		switch inv[s] {
		case 0:
			pos := cur[id]
			cur[id] = pos + 1
			order[pos] = int32(s)
			inv[s] = pos
		case -2:
			inv[s] = -1
			if dropped != nil {
				dropped[nd] = int32(s)
			}
			nd++
		}
	}
	for i := int(sum); i < len(order); i++ {
		order[i] = -1
	}
	for i := nd; i < len(dropped); i++ {
		dropped[i] = -1
	}
	return nd, nil
}
