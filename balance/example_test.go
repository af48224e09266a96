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

// The auxiliary load-balancing loss of a batch and its gradient with
// respect to the router logits, to add to a training loop's gradient.
func ExampleBalanceLoss() {
	const T, E, K = 4, 4, 1
	logits := []float32{
		2, 0, 0, 0,
		2, 0, 0, 0,
		1, 0, 0, 0,
		0, 0, 0, 3,
	}
	// Expert 0 takes 3 of the 4 tokens: f = E/(K*T) * count = [3 0 0 1];
	// P_0 = 0.485, P_3 = 0.310 (mean softmax), so L = 0.01 * (3*0.485 +
	// 0.310). The gradient lowers expert 0's logit and raises the others'.
	ids := []int32{0, 0, 0, 3}
	grad := make([]float64, T*E)
	L, err := balance.BalanceLoss(logits, T, E, K, ids, 0.01, balance.Softmax, grad)
	if err != nil {
		panic(err)
	}
	fmt.Printf("L = %.5f (alpha = 0.01 when balanced)\n", L)
	fmt.Printf("dL/dx of token 0: %.5f\n", grad[:E])
	// Output:
	// L = 0.01765 (alpha = 0.01 when balanced)
	// dL/dx of token 0: [0.00137 -0.00054 -0.00054 -0.00030]
}

// Expert Choice: each expert takes its top C tokens of the batch, so a
// token may get several experts or none; and the choice for early tokens
// depends on later ones.
func ExampleExpertChoice() {
	const T, E, C = 4, 2, 2
	scores := []float32{
		0.9, 0.1,
		0.8, 0.2,
		0.7, 0.3,
		0.6, 0.4,
	}
	tokens := make([]int32, E*C)
	if err := balance.ExpertChoice(tokens, scores, T, E, C); err != nil {
		panic(err)
	}
	fmt.Println("expert 0 takes", tokens[:C], "expert 1 takes", tokens[C:])
	// Change only the last two tokens: expert 0 now prefers them.
	later := append([]float32(nil), scores...)
	later[4], later[6] = 0.95, 0.95
	other := make([]int32, E*C)
	balance.ExpertChoice(other, later, T, E, C)
	a, b := make([]bool, T*E), make([]bool, T*E)
	balance.ExpertMembership(a, tokens, T, E, C)
	balance.ExpertMembership(b, other, T, E, C)
	leak, _ := balance.Leak(a, b, T, E, 2)
	fmt.Println("then expert 0 takes", other[:C], "- leak over the first 2 tokens:", leak)
	// Output:
	// expert 0 takes [0 1] expert 1 takes [3 2]
	// then expert 0 takes [2 3] - leak over the first 2 tokens: 1
}
