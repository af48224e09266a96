package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/moegate/moegate/route"
)

const benchHelp = `moegate bench: routing throughput (tokens/s, one goroutine) of the presets on
every implementation this machine and build can run, with the speedup over
the pure-Go reference. Logits are standard normal; presets that route with a
selection bias get a random bias (std 0.01). Each cell routes batches of
--tokens tokens for at least --time; by default all presets take a few
seconds.

With --grid it measures instead the grid of shapes experts {8, ..., 4096} x
K {1, ..., 32} x score (sigmoid + bias, softmax normalised, softmax + bias) at
--tokens tokens per call (default 4096 there), prints ns per token and the
speed-up over go for every cell, and writes a heat map of the speed-ups to
--png. The full grid takes several minutes; --quick measures a few cells.

Examples (run as written):
  moegate bench --config deepseek-v3,mixtral-8x7b --time 50ms
  moegate bench --grid --quick --tokens 256 --time 20ms --png /tmp/grid.png
`

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", benchHelp, stdout, stderr)
	presetList := configFlag(fs, "all", "comma-separated presets or config.json paths, or all")
	tokens := fs.Int("tokens", 1024, "tokens per batch")
	dur := fs.Duration("time", 120*time.Millisecond, "minimum time per measurement")
	grid := fs.Bool("grid", false, "measure the grid of experts x K x score instead of the presets")
	quick := fs.Bool("quick", false, "with --grid: a few cells only")
	png := fs.String("png", "grid.png", "with --grid: the heat map to write (empty: none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return inputErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *tokens < 1 || *dur <= 0 {
		return inputErrorf("--tokens and --time must be positive")
	}
	if (*quick || *png != "grid.png") && !*grid {
		return inputErrorf("--quick and --png need --grid")
	}
	var presets []route.Preset
	if *presetList == "all" {
		presets = route.Presets()
	} else {
		for _, n := range strings.Split(*presetList, ",") {
			cfg, name, err := loadConfig(n)
			if err != nil {
				return err
			}
			presets = append(presets, route.Preset{Name: name, Config: cfg})
		}
	}
	for _, p := range presets {
		// logits, ids and weights of a batch
		if err := checkBatch("--tokens", *tokens, p.Config.TopK, 4*int64(p.Config.Experts)+8*int64(p.Config.TopK)); err != nil {
			return err
		}
	}
	// Implementations lists the fastest first and Go last; print Go first,
	// as the reference, then the others from the slowest.
	impls := route.Implementations()
	order := []string{"go"}
	for i := len(impls) - 2; i >= 0; i-- {
		order = append(order, impls[i])
	}

	fmt.Fprintf(stdout, "cpu: %s\n", route.CPUName())
	for _, i := range order {
		fmt.Fprintf(stdout, "  %-7s %s\n", i, route.ImplFeatures(i))
	}
	if *grid {
		T := 4096
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "tokens" {
				T = *tokens
			}
		})
		return runGrid(stdout, order, *quick, T, *dur, *png)
	}
	fmt.Fprintf(stdout, "tokens/s, one goroutine, batches of %d tokens, >= %v per cell\n\n", *tokens, *dur)
	fmt.Fprintf(stdout, "%-18s %5s %3s", "preset", "E", "K")
	for _, i := range order {
		if i == "go" {
			fmt.Fprintf(stdout, " %12s", "go")
		} else {
			fmt.Fprintf(stdout, " %12s %7s", i, "speedup")
		}
	}
	fmt.Fprintln(stdout)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range presets {
		E, K, T := p.Config.Experts, p.Config.TopK, *tokens
		x := make([]float32, T*E)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		var bias []float32
		if p.Config.SelectionBias {
			bias = make([]float32, E)
			for i := range bias {
				bias[i] = float32(rng.NormFloat64() * 0.01)
			}
		}
		out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
		fmt.Fprintf(stdout, "%-18s %5d %3d", p.Name, E, K)
		var goRate float64
		for _, impl := range order {
			r, err := route.NewImpl(p.Config, impl)
			if err != nil {
				return err
			}
			in := route.Input{Logits: x, Tokens: T, Bias: bias}
			if err := r.Route(out, in); err != nil { // warm up
				return err
			}
			n := 0
			start := time.Now()
			for time.Since(start) < *dur {
				r.Route(out, in)
				n++
			}
			rate := float64(n*T) / time.Since(start).Seconds()
			if impl == "go" {
				goRate = rate
				fmt.Fprintf(stdout, " %12s", siCount(rate))
			} else {
				fmt.Fprintf(stdout, " %12s %6.2fx", siCount(rate), rate/goRate)
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
