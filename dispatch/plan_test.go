package dispatch

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// refPlan is the straightforward plan: a stable sort of the slots by
// expert.
func refPlan(ids []int32, E int) (counts, offsets, order, inverse []int32) {
	n := len(ids)
	counts = make([]int32, E)
	offsets = make([]int32, E+1)
	var slots []int32
	for s, id := range ids {
		if id >= 0 {
			counts[id]++
			slots = append(slots, int32(s))
		}
	}
	sort.SliceStable(slots, func(a, b int) bool { return ids[slots[a]] < ids[slots[b]] })
	for e := 0; e < E; e++ {
		offsets[e+1] = offsets[e] + counts[e]
	}
	order = make([]int32, n)
	inverse = make([]int32, n)
	for i := range order {
		order[i] = -1
		inverse[i] = -1
	}
	for p, s := range slots {
		order[p] = s
		inverse[s] = int32(p)
	}
	return
}

func randIDs(r *rand.Rand, T, K, E int, pad float64) []int32 {
	ids := make([]int32, T*K)
	for t := 0; t < T; t++ {
		if r.Float64() < pad {
			for k := 0; k < K; k++ {
				ids[t*K+k] = -1
			}
			continue
		}
		// distinct experts per token when possible, as routers give
		perm := r.Perm(E)
		for k := 0; k < K; k++ {
			if k < E {
				ids[t*K+k] = int32(perm[k])
			} else {
				ids[t*K+k] = int32(r.IntN(E))
			}
			if r.Float64() < pad/4 {
				ids[t*K+k] = -1
			}
		}
	}
	return ids
}

func eqPlan(t *testing.T, p Plan, ids []int32, E int, what string) {
	t.Helper()
	c, o, ord, inv := refPlan(ids, E)
	if !slices.Equal(p.Counts, c) || !slices.Equal(p.Offsets, o) || !slices.Equal(p.Order, ord) || !slices.Equal(p.Inverse, inv) {
		t.Fatalf("%s: plan differs from the reference\ngot  %v %v %v %v\nwant %v %v %v %v", what, p.Counts, p.Offsets, p.Order, p.Inverse, c, o, ord, inv)
	}
}

func TestBuildReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, E := range []int{1, 2, 3, 8, 16, 17, 64, 160, 256, 257, 384} {
		for _, K := range []int{1, 2, 3, 6, 8, 9, 16} {
			for _, T := range []int{0, 1, 2, 7, 33, 200} {
				for _, pad := range []float64{0, 0.2} {
					ids := randIDs(r, T, K, E, pad)
					p := NewPlan(T*K, E)
					// stale contents must not matter
					for i := range p.Order {
						p.Order[i], p.Inverse[i] = 77, 77
					}
					for i := range p.Counts {
						p.Counts[i] = 5
					}
					if err := Build(p, ids, K, E); err != nil {
						t.Fatal(err)
					}
					eqPlan(t, p, ids, E, "Build")
				}
			}
		}
	}
}

func TestBuildErrors(t *testing.T) {
	ids := []int32{0, 1, 2, 3, -1, 1}
	good := func() Plan { return NewPlan(6, 4) }
	cases := []struct {
		name string
		p    Plan
		ids  []int32
		K, E int
		want error
	}{
		{"id = E", good(), []int32{0, 1, 4, 3, -1, 1}, 2, 4, ErrID},
		{"id = -2", good(), []int32{0, 1, 2, 3, -2, 1}, 2, 4, ErrID},
		{"id = MinInt32", good(), []int32{0, 1, 2, 3, math.MinInt32, 1}, 2, 4, ErrID},
		{"K = 0", good(), ids, 0, 4, ErrShape},
		{"E = 0", NewPlan(6, 0), ids, 2, 0, ErrShape},
		{"ragged ids", good(), ids[:5], 2, 4, ErrShape},
		{"short Counts", Plan{make([]int32, 3), make([]int32, 5), make([]int32, 6), make([]int32, 6)}, ids, 2, 4, ErrShape},
		{"short Offsets", Plan{make([]int32, 4), make([]int32, 4), make([]int32, 6), make([]int32, 6)}, ids, 2, 4, ErrShape},
		{"short Order", Plan{make([]int32, 4), make([]int32, 5), make([]int32, 5), make([]int32, 6)}, ids, 2, 4, ErrShape},
		{"long Inverse", Plan{make([]int32, 4), make([]int32, 5), make([]int32, 6), make([]int32, 7)}, ids, 2, 4, ErrShape},
	}
	for _, c := range cases {
		for i := range c.p.Order {
			c.p.Order[i] = 9
		}
		for i := range c.p.Counts {
			c.p.Counts[i] = 9
		}
		err := Build(c.p, c.ids, c.K, c.E)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
			continue
		}
		t.Logf("%s: %v", c.name, err)
		for _, v := range c.p.Counts {
			if v != 0 {
				t.Errorf("%s: Counts not cleared: %v", c.name, c.p.Counts)
			}
		}
		for _, v := range c.p.Offsets {
			if v != 0 {
				t.Errorf("%s: Offsets not cleared: %v", c.name, c.p.Offsets)
			}
		}
		for _, v := range append(slices.Clone(c.p.Order), c.p.Inverse...) {
			if v != -1 {
				t.Errorf("%s: Order/Inverse not -1: %v %v", c.name, c.p.Order, c.p.Inverse)
				break
			}
		}
	}
}

// refCapacity is the straightforward GShard dropping: walk the slots in
// priority order (k-major, then token), keep while the expert has room.
func refCapacity(ids []int32, K, E, capacity int) (kept []int32, dropped []int32) {
	T := len(ids) / K
	kept = slices.Clone(ids)
	load := make([]int, E)
	drop := make([]bool, len(ids))
	for k := 0; k < K; k++ {
		for t := 0; t < T; t++ {
			s := t*K + k
			if ids[s] < 0 {
				continue
			}
			if load[ids[s]] < capacity {
				load[ids[s]]++
			} else {
				drop[s] = true
				kept[s] = -1
			}
		}
	}
	for s, d := range drop {
		if d {
			dropped = append(dropped, int32(s))
		}
	}
	return kept, dropped
}

func TestBuildCapacity(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, E := range []int{1, 4, 16, 64, 256} {
		for _, K := range []int{1, 2, 8} {
			for _, T := range []int{1, 5, 100, 300} {
				ids := randIDs(r, T, K, E, 0.1)
				// skew: half the slots to expert 0 so that it overflows
				for s := range ids {
					if ids[s] >= 0 && r.IntN(2) == 0 {
						ids[s] = 0
					}
				}
				for _, f := range []float64{0.1, 0.5, 1, 1.25, 2} {
					capa, err := Capacity(f, T*K, E)
					if err != nil {
						t.Fatal(err)
					}
					if want := int(math.Ceil(f * float64(T*K) / float64(E))); capa != want {
						t.Fatalf("Capacity(%v, %d, %d) = %d, want %d", f, T*K, E, capa, want)
					}
					p := NewPlan(T*K, E)
					dropped := make([]int32, T*K)
					nd, err := BuildCapacity(p, dropped, ids, K, E, capa)
					if err != nil {
						t.Fatal(err)
					}
					kept, wantDrop := refCapacity(ids, K, E, capa)
					if nd != len(wantDrop) || !slices.Equal(dropped[:nd], wantDrop) {
						t.Fatalf("E=%d K=%d T=%d f=%v: dropped %v, want %v", E, K, T, f, dropped[:nd], wantDrop)
					}
					for _, v := range dropped[nd:] {
						if v != -1 {
							t.Fatal("dropped tail not -1")
						}
					}
					eqPlan(t, p, kept, E, "BuildCapacity")
					for _, c := range p.Counts {
						if int(c) > capa {
							t.Fatalf("count %d over capacity %d", c, capa)
						}
					}
					// nil dropped list: same plan, same count
					q := NewPlan(T*K, E)
					nd2, err := BuildCapacity(q, nil, ids, K, E, capa)
					if err != nil || nd2 != nd || !slices.Equal(q.Order, p.Order) || !slices.Equal(q.Inverse, p.Inverse) {
						t.Fatalf("nil dropped: %v %d != %d", err, nd2, nd)
					}
				}
			}
		}
	}
}

// TestCapacityPriority pins the documented priority on a small case:
// every first choice before any second choice, earlier tokens first.
func TestCapacityPriority(t *testing.T) {
	// 3 tokens, K = 2, E = 2, capacity 2.
	// token 0: [1, 0]; token 1: [1, 0]; token 2: [1, 0].
	// k = 0: slots 0, 2, 4 want expert 1: 0 and 2 kept, 4 dropped.
	// k = 1: slots 1, 3, 5 want expert 0: 1 and 3 kept, 5 dropped.
	ids := []int32{1, 0, 1, 0, 1, 0}
	p := NewPlan(6, 2)
	dropped := make([]int32, 6)
	nd, err := BuildCapacity(p, dropped, ids, 2, 2, 2)
	if err != nil || nd != 2 || !slices.Equal(dropped, []int32{4, 5, -1, -1, -1, -1}) {
		t.Fatalf("nd %d err %v dropped %v", nd, err, dropped)
	}
	if !slices.Equal(p.Order, []int32{1, 3, 0, 2, -1, -1}) || !slices.Equal(p.Inverse, []int32{2, 0, 3, 1, -1, -1}) {
		t.Fatalf("order %v inverse %v", p.Order, p.Inverse)
	}
	// Token order alone would keep token 0's both choices and token 1's
	// both (capacity 2): the same here; a case where k-major differs:
	// token 0: [0, 1], token 1: [1, 0], capacity 1, E = 2.
	// k-major keeps slot 0 (e0) and slot 2 (e1); drops 1 and 3.
	ids = []int32{0, 1, 1, 0}
	p = NewPlan(4, 2)
	dropped = make([]int32, 4)
	nd, err = BuildCapacity(p, dropped, ids, 2, 2, 1)
	if err != nil || nd != 2 || !slices.Equal(dropped[:2], []int32{1, 3}) {
		t.Fatalf("nd %d err %v dropped %v", nd, err, dropped)
	}
}

func TestCapacityErrors(t *testing.T) {
	for _, f := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := Capacity(f, 100, 4); !errors.Is(err, ErrCapacity) {
			t.Errorf("Capacity(%v): %v", f, err)
		}
	}
	if _, err := Capacity(1, 0, 4); !errors.Is(err, ErrCapacity) {
		t.Errorf("Capacity of 0 slots: %v", err)
	}
	if _, err := Capacity(1, 10, 0); !errors.Is(err, ErrShape) {
		t.Errorf("Capacity with E = 0: %v", err)
	}
	if c, err := Capacity(1e-9, 10, 4); err != nil || c != 1 {
		t.Errorf("tiny factor: %d %v", c, err)
	}
	ids := []int32{0, 1, 2, 3}
	for _, c := range []int{0, -1} {
		p := NewPlan(4, 4)
		d := make([]int32, 4)
		nd, err := BuildCapacity(p, d, ids, 2, 4, c)
		if !errors.Is(err, ErrCapacity) || nd != 0 || !slices.Equal(d, []int32{-1, -1, -1, -1}) || !slices.Equal(p.Inverse, []int32{-1, -1, -1, -1}) {
			t.Errorf("capacity %d: %v %d %v", c, err, nd, d)
		}
	}
	p := NewPlan(4, 4)
	if _, err := BuildCapacity(p, make([]int32, 3), ids, 2, 4, 1); !errors.Is(err, ErrShape) {
		t.Errorf("short dropped: %v", err)
	}
	if _, err := BuildCapacity(p, nil, []int32{0, 1, 9, 3}, 2, 4, 1); !errors.Is(err, ErrID) {
		t.Errorf("bad id: %v", err)
	}
}

func TestZeroAllocsPlan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ids := randIDs(r, 256, 8, 256, 0.05)
	p := NewPlan(len(ids), 256)
	d := make([]int32, len(ids))
	sorted := make([]int32, 0)
	sl, nb := AlignedLen(len(ids), 256, 16)
	sorted = make([]int32, sl)
	be := make([]int32, nb)
	a := testing.AllocsPerRun(20, func() {
		_ = Build(p, ids, 8, 256)
		_, _ = BuildCapacity(p, d, ids, 8, 256, 10)
		_, _ = Align(sorted, be, p, 16, nil, false)
	})
	if a != 0 {
		t.Fatalf("%v allocations per run", a)
	}
}
