package balance_test

import (
	"fmt"

	"github.com/moegate/moegate/balance"
	"github.com/moegate/moegate/route"
)

// A training loop: route each batch with the current bias, count its load,
// and step the controller once per training step.
func Example_trainingLoop() {
	const E, K, T = 4, 1, 4
	r, err := route.NewReference(route.Config{Experts: E, TopK: K, Score: route.Sigmoid, Normalize: true, Scale: 1})
	if err != nil {
		panic(err)
	}
	ctrl, err := balance.New(E, balance.Options{Rate: 0.01}) // Sign rule
	if err != nil {
		panic(err)
	}
	// Every token prefers expert 0; their second choices differ.
	logits := []float32{
		0.9, 0.8, 0.1, 0.1,
		0.9, 0.1, 0.8, 0.1,
		0.9, 0.1, 0.1, 0.8,
		0.9, 0.5, 0.5, 0.5,
	}
	ids := make([]int32, T*K)
	weights := make([]float32, T*K)
	load := make([]int64, E)
	for range 4 {
		in := route.Input{Logits: logits, Tokens: T, Bias: ctrl.Bias()}
		if err := r.Route(route.Output{IDs: ids, Weights: weights, Load: load}, in); err != nil {
			panic(err)
		}
		if err := ctrl.Add(load); err != nil { // from any goroutine
			panic(err)
		}
		st := ctrl.Step()
		fmt.Printf("step %d: load %v MaxVio %.1f -> bias %v\n", st.Step, load, st.MaxVio, ctrl.Bias())
	}
	// Output:
	// step 1: load [4 0 0 0] MaxVio 3.0 -> bias [-0.01 0.01 0.01 0.01]
	// step 2: load [4 0 0 0] MaxVio 3.0 -> bias [-0.02 0.02 0.02 0.02]
	// step 3: load [1 1 1 1] MaxVio 0.0 -> bias [-0.02 0.02 0.02 0.02]
	// step 4: load [1 1 1 1] MaxVio 0.0 -> bias [-0.02 0.02 0.02 0.02]
}
