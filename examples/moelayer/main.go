// Command moelayer runs a DeepSeek-style Mixture-of-Experts layer forward
// pass in Go on small random weights — gate projection (gonum BLAS),
// routing (moegate's route), dispatch plan and gather (dispatch), each
// expert's SwiGLU on its contiguous rows (gonum GEMM), combine
// (dispatch), plus a shared expert — and prints each stage's share of
// the layer's time, so routing is seen in context.
//
//	go run ./examples/moelayer [-tokens 256] [-reps 3]
//
// The layer: hidden 1024, 64 routed experts of width 256, top-6, sigmoid
// scores with a selection bias, normalised weights scaled by 2.5, one
// shared expert. Its weights come from splitmix64 seeds, so that
// testdata/gen.py builds the same layer in PyTorch; `go test
// ./examples/moelayer` checks this program against that forward pass.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/moegate/moegate/asm"
)

const (
	hidden  = 1024
	experts = 64
	width   = 256
	topK    = 6
	scale   = 2.5
	seed    = 20261204
)

func main() {
	tokens := flag.Int("tokens", 256, "tokens per forward pass")
	reps := flag.Int("reps", 3, "forward passes timed (after one warm-up)")
	flag.Parse()
	if *tokens < 1 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "moelayer: -tokens and -reps must be >= 1")
		os.Exit(2)
	}
	start := time.Now()
	l, err := NewLayer(seed, hidden, experts, width, topK, scale)
	if err != nil {
		fmt.Fprintln(os.Stderr, "moelayer:", err)
		os.Exit(1)
	}
	x := Input(seed, *tokens, hidden)
	fmt.Printf("layer: hidden %d, %d routed experts of width %d, top-%d, sigmoid + bias, scale %g, 1 shared expert (weights built in %v)\n",
		hidden, experts, width, topK, scale, time.Since(start).Round(time.Millisecond))
	if _, _, _, err := l.Forward(x, *tokens, nil); err != nil { // warm-up
		fmt.Fprintln(os.Stderr, "moelayer:", err)
		os.Exit(1)
	}
	var st Stages
	for i := 0; i < *reps; i++ {
		if _, _, _, err := l.Forward(x, *tokens, &st); err != nil {
			fmt.Fprintln(os.Stderr, "moelayer:", err)
			os.Exit(1)
		}
	}
	total := st.Total()
	fmt.Printf("%d tokens x %d passes; routing and dispatch on one goroutine (kernels: %v), gonum's GEMMs on up to GOMAXPROCS = %d\n",
		*tokens, *reps, asm.Best(), runtime.GOMAXPROCS(0))
	fmt.Printf("  %-34s %12s %8s %12s\n", "stage", "time/pass", "share", "ns/token")
	for _, s := range []struct {
		name string
		d    time.Duration
	}{
		{"gate projection (gonum sgemm)", st.Gate},
		{"routing (moegate route)", st.Route},
		{"dispatch plan (dispatch.Build)", st.Plan},
		{"gather (dispatch.Gather)", st.Gather},
		{"routed experts (gonum sgemm)", st.Experts},
		{"combine (dispatch.Combine)", st.Combine},
		{"shared expert (gonum sgemm)", st.Shared},
		{"layer", total},
	} {
		per := s.d / time.Duration(*reps)
		fmt.Printf("  %-34s %12v %7.2f%% %12.0f\n", s.name, per.Round(time.Microsecond), 100*float64(s.d)/float64(total), float64(per.Nanoseconds())/float64(*tokens))
	}
}
