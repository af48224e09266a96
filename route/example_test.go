package route_test

import (
	"fmt"
	"slices"

	"github.com/moegate/moegate/route"
)

// Padding and per-expert scales: token 1 is padding (its NaN logits are
// not read); the others route, and each weight is multiplied by its
// expert's scale after normalisation.
func ExampleRouter_mask() {
	cfg := route.Config{Experts: 4, TopK: 2, Score: route.Softmax, Normalize: true,
		NormRule: route.NormSum, PerExpertScale: true}
	r, err := route.New(cfg)
	if err != nil {
		panic(err)
	}
	nan := float32(0) / func() float32 { return 0 }()
	logits := []float32{
		1, 1, -9, -9, // token 0: experts 0 and 1, 0.5 each
		nan, nan, nan, nan, // token 1: padding
		-9, -9, 2, 2, // token 2: experts 2 and 3
	}
	out := route.Output{IDs: make([]int32, 6), Weights: make([]float32, 6), Load: make([]int64, 4)}
	err = r.Route(out, route.Input{Logits: logits, Tokens: 3,
		Mask:        []bool{true, false, true},
		ExpertScale: []float32{2, 1, 1, 4}})
	fmt.Println(out.IDs, out.Weights, out.Load, err)
	// Output: [0 1 -1 -1 2 3] [1 0.5 0 0 0.5 2] [1 1 1 1] <nil>
}

// Routing replay and hash routing: the ids are given; weights and load
// are computed as for chosen ids (here sigmoid scores, normalised).
func ExampleHashIDs() {
	cfg := route.Config{Experts: 4, TopK: 2, Score: route.Sigmoid, Normalize: true}
	r, err := route.New(cfg)
	if err != nil {
		panic(err)
	}
	table := []int32{0, 1, 3, 2} // tid2eid: vocabulary 2, K 2
	forced := make([]int32, 4)
	if err := route.HashIDs(forced, []int32{1, 0}, table, 2, 4); err != nil {
		panic(err)
	}
	out := route.Output{IDs: make([]int32, 4), Weights: make([]float32, 4)}
	err = r.Route(out, route.Input{Logits: make([]float32, 8), Tokens: 2, ForcedIDs: forced})
	fmt.Println(out.IDs, out.Weights, err)

	forced[1] = 3 // a repeated id: an error naming token and slot, the row made safe
	err = r.Route(out, route.Input{Logits: make([]float32, 8), Tokens: 2, ForcedIDs: forced})
	fmt.Println(out.IDs, out.Weights, err)
	// Output:
	// [3 2 0 1] [0.5 0.5 0.5 0.5] <nil>
	// [0 1 0 1] [0 0 0.5 0.5] moegate: bad forced expert id: token 0, slot 1: id 3 repeats slot 0
}

// The basic call: a gate of 8 experts choosing 2 per token with softmax
// weights renormalised over the chosen two (Mixtral's gate), two tokens.
func Example() {
	r, err := route.New(route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true})
	if err != nil {
		panic(err)
	}
	logits := []float32{
		0, 0, 3, 0, 0, 1, 0, 0, // token 0
		2, 0, 0, 0, 2, 0, 0, 0, // token 1: a tie, the lower id first
	}
	out := route.Output{IDs: make([]int32, 2*2), Weights: make([]float32, 2*2), Load: make([]int64, 8)}
	if err := r.Route(out, route.Input{Logits: logits, Tokens: 2}); err != nil {
		panic(err)
	}
	fmt.Println(out.IDs)
	fmt.Printf("%.4f\n", out.Weights)
	fmt.Println(out.Load)
	// Output:
	// [2 5 0 4]
	// [0.8808 0.1192 0.5000 0.5000]
	// [1 0 1 0 1 1 0 0]
}

// A released model's gate by name: DeepSeek-V3 (256 experts in 8 groups,
// 4 groups kept, top-8, sigmoid scores with a selection bias, normalised,
// scaled by 2.5). Every implementation returns the reference's bits.
func ExampleLookupPreset() {
	p, err := route.LookupPreset("deepseek-v3")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Config)
	r, err := route.New(p.Config)
	if err != nil {
		panic(err)
	}
	ref, _ := route.NewReference(p.Config)
	E, K, T := p.Config.Experts, p.Config.TopK, 4
	logits := make([]float32, T*E)
	for i := range logits {
		logits[i] = float32((i*7919)%1000)/500 - 1 // any values
	}
	bias := make([]float32, E) // the balance controller's biases
	outs := [2]route.Output{}
	for i, rt := range []route.Router{r, ref} {
		outs[i] = route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K)}
		if err := rt.Route(outs[i], route.Input{Logits: logits, Tokens: T, Bias: bias}); err != nil {
			panic(err)
		}
	}
	fmt.Println(slices.Equal(outs[0].IDs, outs[1].IDs) && slices.Equal(outs[0].Weights, outs[1].Weights))
	// Output:
	// E=256 K=8 sigmoid groups=8 keep=4 (top2sum) +bias normalized scale=2.5
	// true
}
