package dispatch

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAlignVLLMDocstring is the example of vLLM's moe_align_block_size
// docstring (vllm/model_executor/layers/fused_moe/moe_align_block_size.py):
// topk_ids [[2,3,4],[1,2,4],[1,3,4],[1,2,3]], block_size 4 ->
// sorted_token_ids [3,6,9,12, 0,4,10,12, 1,7,11,12, 2,5,8,12]. The
// docstring says num_experts = 4 but uses id 4; ids must be < E, so
// E = 5 here: expert 0 has no slot and, as in vLLM, takes no block.
func TestAlignVLLMDocstring(t *testing.T) {
	ids := []int32{2, 3, 4, 1, 2, 4, 1, 3, 4, 1, 2, 3}
	const K, E, block = 3, 5, 4
	p := NewPlan(len(ids), E)
	if err := Build(p, ids, K, E); err != nil {
		t.Fatal(err)
	}
	sl, nb := AlignedLen(len(ids), E, block)
	if sl != 12+5*3 || nb != 7 {
		t.Fatalf("AlignedLen = %d, %d", sl, nb)
	}
	sorted := make([]int32, sl)
	be := make([]int32, nb)
	total, err := Align(sorted, be, p, block, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{3, 6, 9, 12, 0, 4, 10, 12, 1, 7, 11, 12, 2, 5, 8, 12}
	if total != 16 || !slices.Equal(sorted[:16], want) {
		t.Fatalf("total %d sorted %v, want 16 %v", total, sorted, want)
	}
	for _, v := range sorted[16:] {
		if v != 12 {
			t.Fatalf("padding past the total: %v", sorted)
		}
	}
	if !slices.Equal(be, []int32{1, 2, 3, 4, -1, -1, -1}) {
		t.Fatalf("block experts %v", be)
	}
	// Expert parallelism: this rank holds experts 1 and 3 (local 0, 1).
	em := []int32{-1, 0, -1, 1, -1}
	total, err = Align(sorted, be, p, block, em, false)
	if err != nil || total != 16 || !slices.Equal(sorted[:16], want) || !slices.Equal(be, []int32{0, -1, 1, -1, -1, -1, -1}) {
		t.Fatalf("expert map: %v total %d sorted %v blocks %v", err, total, sorted, be)
	}
	total, err = Align(sorted, be, p, block, em, true)
	if err != nil || total != 8 || !slices.Equal(sorted[:8], []int32{3, 6, 9, 12, 1, 7, 11, 12}) || !slices.Equal(be, []int32{0, 1, -1, -1, -1, -1, -1}) {
		t.Fatalf("skip non-local: %v total %d sorted %v blocks %v", err, total, sorted, be)
	}
}

// refAlign follows vLLM's golden torch_moe_align_block_size
// (tests/kernels/moe/test_moe_align_block_size.py): a stable sort by
// expert, each expert with slots padded to a multiple of block with the
// sentinel, expert ids per block; with an expert map and skip, experts
// mapped to -1 are left out; without skip they are aligned and marked -1.
func refAlign(ids []int32, E, block int, em []int32, skip bool) (sorted, be []int32, total int) {
	n := len(ids)
	sl, nb := AlignedLen(n, E, block)
	sorted = make([]int32, sl)
	for i := range sorted {
		sorted[i] = int32(n)
	}
	be = make([]int32, nb)
	for i := range be {
		be[i] = -1
	}
	pos, b := 0, 0
	for e := 0; e < E; e++ {
		local := int32(e)
		if em != nil {
			local = em[e]
			if local < 0 && skip {
				continue
			}
		}
		var slots []int32
		for s, id := range ids {
			if int(id) == e {
				slots = append(slots, int32(s))
			}
		}
		if len(slots) == 0 {
			continue
		}
		copy(sorted[pos:], slots)
		nblk := (len(slots) + block - 1) / block
		for i := 0; i < nblk; i++ {
			be[b+i] = local
		}
		pos += nblk * block
		b += nblk
	}
	return sorted, be, pos
}

func TestAlignReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, E := range []int{1, 2, 5, 16, 64, 256} {
		for _, K := range []int{1, 2, 8} {
			for _, T := range []int{0, 1, 3, 50, 257} {
				for _, block := range []int{1, 2, 4, 16, 64} {
					ids := randIDs(r, T, K, E, 0.1)
					p := NewPlan(len(ids), E)
					if err := Build(p, ids, K, E); err != nil {
						t.Fatal(err)
					}
					em := make([]int32, E)
					loc := int32(0)
					for e := range em {
						em[e] = -1
						if r.IntN(2) == 0 {
							em[e] = loc
							loc++
						}
					}
					for _, mode := range []struct {
						em   []int32
						skip bool
					}{{nil, false}, {em, false}, {em, true}} {
						sl, nb := AlignedLen(len(ids), E, block)
						sorted, be := make([]int32, sl), make([]int32, nb)
						for i := range sorted {
							sorted[i] = 99
						}
						total, err := Align(sorted, be, p, block, mode.em, mode.skip)
						if err != nil {
							t.Fatal(err)
						}
						ws, wb, wt := refAlign(ids, E, block, mode.em, mode.skip)
						if total != wt || !slices.Equal(sorted, ws) || !slices.Equal(be, wb) {
							t.Fatalf("E=%d K=%d T=%d block=%d map=%v skip=%v:\ngot  %d %v %v\nwant %d %v %v", E, K, T, block, mode.em != nil, mode.skip, total, sorted, be, wt, ws, wb)
						}
						if total%block != 0 {
							t.Fatal("total not a multiple of block")
						}
					}
				}
			}
		}
	}
}

func TestAlignErrors(t *testing.T) {
	ids := []int32{0, 1, 2, 3}
	p := NewPlan(4, 4)
	if err := Build(p, ids, 2, 4); err != nil {
		t.Fatal(err)
	}
	sl, nb := AlignedLen(4, 4, 2)
	check := func(name string, sorted, be []int32, q Plan, block int, em []int32, want error) {
		t.Helper()
		total, err := Align(sorted, be, q, block, em, false)
		if !errors.Is(err, want) || total != 0 {
			t.Errorf("%s: %v %d, want %v", name, err, total, want)
			return
		}
		t.Logf("%s: %v", name, err)
		for _, v := range sorted {
			if v != int32(len(q.Order)) {
				t.Errorf("%s: sorted not all sentinel: %v", name, sorted)
				break
			}
		}
		for _, v := range be {
			if v != -1 {
				t.Errorf("%s: block experts not -1: %v", name, be)
				break
			}
		}
	}
	check("block 0", make([]int32, sl), make([]int32, nb), p, 0, nil, ErrShape)
	check("short sorted", make([]int32, sl-1), make([]int32, nb), p, 2, nil, ErrShape)
	check("short blocks", make([]int32, sl), make([]int32, nb-1), p, 2, nil, ErrShape)
	check("short map", make([]int32, sl), make([]int32, nb), p, 2, []int32{0, 1, 2}, ErrShape)
	check("map out of range", make([]int32, sl), make([]int32, nb), p, 2, []int32{0, 1, 2, 4}, ErrID)
	check("map -2", make([]int32, sl), make([]int32, nb), p, 2, []int32{0, 1, -2, 3}, ErrID)
	bad := NewPlan(4, 4)
	copy(bad.Offsets, []int32{0, 3, 2, 4, 4})
	check("corrupt plan", make([]int32, sl), make([]int32, nb), bad, 2, nil, ErrShape)
}
