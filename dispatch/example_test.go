package dispatch_test

import (
	"fmt"

	"github.com/moegate/moegate/dispatch"
)

// A batch of 4 tokens, top-2 of 3 experts, hidden size 2: plan, gather
// each expert's rows, run the experts (here: expert e multiplies by
// e+1), combine.
func Example() {
	const T, K, E, H = 4, 2, 3, 2
	ids := []int32{2, 0, 1, 2, 0, -1, 1, 0} // token 2 has one expert (-1: padding)
	w := []float32{0.75, 0.25, 0.5, 0.5, 1, 0, 0.5, 0.5}
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8}

	p := dispatch.NewPlan(T*K, E)
	if err := dispatch.Build(p, ids, K, E); err != nil {
		panic(err)
	}
	fmt.Println("counts", p.Counts, "offsets", p.Offsets)
	fmt.Println("order", p.Order)

	n := int(p.Offsets[E])
	g := make([]float32, n*H) // the tokens' rows in expert order
	if err := dispatch.Gather(g, 0, x, 0, H, T, K, p.Order[:n]); err != nil {
		panic(err)
	}
	y := make([]float32, n*H)
	for e := 0; e < E; e++ { // each expert on its contiguous rows
		for i := int(p.Offsets[e]) * H; i < int(p.Offsets[e+1])*H; i++ {
			y[i] = float32(e+1) * g[i]
		}
	}
	out := make([]float32, T*H)
	l := dispatch.Layout{Hidden: H, K: K, Experts: E}
	if err := dispatch.Combine(l, out, y, nil, w, ids, p.Inverse); err != nil {
		panic(err)
	}
	fmt.Println("out", out)

	// The block-padded layout of vLLM's moe_align_block_size, block 2.
	sl, nb := dispatch.AlignedLen(T*K, E, 2)
	sorted, blocks := make([]int32, sl), make([]int32, nb)
	total, _ := dispatch.Align(sorted, blocks, p, 2, nil, false)
	fmt.Println("sorted", sorted[:total], "blocks", blocks[:total/2])
	// Output:
	// counts [3 2 2] offsets [0 3 5 7]
	// order [1 4 7 2 6 0 3 -1]
	// out [2.5 5 7.5 10 5 6 10.5 12]
	// sorted [1 4 7 8 2 6 0 3] blocks [0 0 1 2]
}
