package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/moegate/moegate/route"
)

const benchHelp = `moegate bench: routing speed of the presets on every implementation this
machine and build can run, with the speed-up over the pure-Go reference, one
goroutine. Logits are standard normal; presets that route with a selection
bias get a random bias (std 0.01).

Every cell is measured in one process with the implementations interleaved:
each of --rounds rounds times one block of calls of every implementation in
turn (the first one rotating), a block sized to take --time / --rounds; each
implementation's figure is the median of its rounds, the speed-up the ratio
of two medians. Time is the CPU time of the thread on Linux (wall time
elsewhere). A call routes --tokens tokens; small batches cycle through a pool
of 256 tokens (or --tokens, if more), so that calls do not route the same
token again and again.

With one --tokens value it prints tokens/s. With a list (--tokens
1,2,4,8,16,64,4096) it prints, for every preset and batch size, ns per token
(at T=1 that is ns per call) with the speed-up over go, marks with "!" every
SIMD figure slower than go, and lists those cells at the end.

With --grid it measures instead the grid of shapes experts {8, ..., 4096} x
K {1, ..., 32} (K <= E) x score (sigmoid + bias, softmax normalised, softmax +
bias, sqrtsoftplus + bias as DeepSeek-V4 routes) at one --tokens value (4096
unless given), prints ns per token and the speed-up over go for every cell,
the speed-up matrices, and the cells with E >= 64 where a SIMD path is below
3x go, and writes a heat map of the speed-ups to --png. The full grid takes
about 4 x 113 cells x (number of implementations) x 1.3 x --time; --quick
measures a few cells.

Examples (run as written):
  moegate bench --config deepseek-v3,mixtral-8x7b --time 50ms
  moegate bench --config deepseek-v3 --tokens 1,2,4,16,4096 --time 50ms
  moegate bench --grid --quick --tokens 256 --time 20ms --png /tmp/grid.png
`

// tokenList is --tokens: one batch size or a comma-separated list.
type tokenList []int

func (t *tokenList) String() string {
	if t == nil {
		return ""
	}
	s := make([]string, len(*t))
	for i, v := range *t {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// Set parses "N" or "N1,N2,...": positive integers, no repeats.
func (t *tokenList) Set(v string) error {
	var out tokenList
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", f)
		}
		if n < 1 {
			return fmt.Errorf("%d: want at least 1 token", n)
		}
		for _, m := range out {
			if m == n {
				return fmt.Errorf("%d given twice", n)
			}
		}
		out = append(out, n)
	}
	*t = out
	return nil
}

// tokenPool is the number of tokens of logits a cell at T tokens per call
// cycles through.
func tokenPool(T int) int { return max(T, 256) }

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", benchHelp, stdout, stderr)
	presetList := configFlag(fs, "all", "comma-separated presets or config.json paths, or all")
	tokens := tokenList{1024}
	fs.Var(&tokens, "tokens", "tokens per call: one number or a comma-separated `list` (one number with --grid, where the default is 4096)")
	dur := fs.Duration("time", 120*time.Millisecond, "measured time per implementation and cell, all rounds together")
	rounds := fs.Int("rounds", 5, "interleaved rounds per cell (each implementation's figure is its median)")
	grid := fs.Bool("grid", false, "measure the grid of experts x K x score instead of the presets")
	quick := fs.Bool("quick", false, "with --grid: a few cells only")
	png := fs.String("png", "grid.png", "with --grid: the heat map to write (empty: none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return inputErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *dur <= 0 || *rounds < 1 {
		return inputErrorf("--time must be positive and --rounds at least 1")
	}
	if (*quick || *png != "grid.png") && !*grid {
		return inputErrorf("--quick and --png need --grid")
	}
	if *grid && len(tokens) > 1 {
		return inputErrorf("--grid measures one batch size: give --tokens one number")
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
	if !*grid {
		for _, p := range presets {
			for _, T := range tokens {
				// logits (the pool), ids and weights of a batch
				if err := checkBatch("--tokens", T, p.Config.TopK, 4*int64(p.Config.Experts)*int64(tokenPool(T))/int64(T)+8*int64(p.Config.TopK)); err != nil {
					return err
				}
			}
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
	defer lockThread()()
	m := newMeter(*dur, *rounds)
	if *grid {
		T := 4096
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "tokens" {
				T = tokens[0]
			}
		})
		return runGrid(stdout, order, *quick, T, m, *png)
	}
	if len(tokens) == 1 {
		return benchRates(stdout, presets, order, tokens[0], m)
	}
	return benchTable(stdout, presets, order, tokens, m)
}

// presetInput returns a pool of tokenPool(T) tokens of standard normal
// logits for p and, for presets that route with a selection bias, a bias
// (std 0.01), from rng.
func presetInput(rng *rand.Rand, p route.Preset, T int) route.Input {
	E, pool := p.Config.Experts, tokenPool(T)
	x := make([]float32, pool*E)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	in := route.Input{Logits: x, Tokens: pool}
	if p.Config.SelectionBias {
		in.Bias = make([]float32, E)
		for i := range in.Bias {
			in.Bias[i] = float32(rng.NormFloat64() * 0.01)
		}
	}
	return in
}

// benchRates prints tokens/s of every preset at T tokens per call.
func benchRates(stdout io.Writer, presets []route.Preset, order []string, T int, m meter) error {
	fmt.Fprintf(stdout, "tokens/s, one goroutine, batches of %d tokens, %s\n\n", T, m.describe())
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
		E, K := p.Config.Experts, p.Config.TopK
		in := presetInput(rng, p, T)
		calls, err := routeCallers(p.Config, order, in, T, in.Tokens)
		if err != nil {
			return err
		}
		ns, err := m.interleave(calls)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-18s %5d %3d", p.Name, E, K)
		for j, impl := range order {
			rate := float64(T) * 1e9 / ns[j]
			if impl == "go" {
				fmt.Fprintf(stdout, " %12s", siCount(rate))
			} else {
				fmt.Fprintf(stdout, " %12s %6.2fx", siCount(rate), ns[0]/ns[j])
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// benchTable prints ns per token of every preset at every T of Ts, with
// the speed-up over go; "!" marks a SIMD figure slower than go, and the
// end lists those cells.
func benchTable(stdout io.Writer, presets []route.Preset, order []string, Ts []int, m meter) error {
	fmt.Fprintf(stdout, "ns per token (at T=1: ns per call), one goroutine, %s\n", m.describe())
	fmt.Fprintf(stdout, "speed-up: go's median / the implementation's median; ! marks a SIMD path slower than go\n\n")
	fmt.Fprintf(stdout, "%-18s %5s %3s %6s", "preset", "E", "K", "T")
	for _, i := range order {
		if i == "go" {
			fmt.Fprintf(stdout, " %10s", "go")
		} else {
			fmt.Fprintf(stdout, " %10s %8s", i, "speedup")
		}
	}
	fmt.Fprintln(stdout)
	rng := rand.New(rand.NewPCG(1, 2))
	var slower []string
	res := make([][][]float64, len(presets)) // [preset][T] ns per token of each implementation
	for pi, p := range presets {
		E, K := p.Config.Experts, p.Config.TopK
		for _, T := range Ts {
			in := presetInput(rng, p, T)
			calls, err := routeCallers(p.Config, order, in, T, in.Tokens)
			if err != nil {
				return err
			}
			ns, err := m.interleave(calls)
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%-18s %5d %3d %6d", p.Name, E, K, T)
			for j := range ns {
				ns[j] /= float64(T)
			}
			res[pi] = append(res[pi], ns)
			for j, impl := range order {
				v := ns[j]
				if impl == "go" {
					line += fmt.Sprintf(" %10s", nsFig(v))
					continue
				}
				up, mark := ns[0]/ns[j], " "
				if up < 1 {
					mark = "!"
					slower = append(slower, fmt.Sprintf("%s T=%d %s: %s vs go %s ns/token (%.2fx)", p.Name, T, impl, nsFig(v), nsFig(ns[0]), up))
				}
				line += fmt.Sprintf(" %10s %7.2fx%s", nsFig(v), up, mark)
			}
			fmt.Fprintln(stdout, strings.TrimRight(line, " "))
		}
	}
	printPresetMatrices(stdout, presets, order, Ts, res)
	fmt.Fprintf(stdout, "\nSIMD slower than go: %d cells\n", len(slower))
	for _, s := range slower {
		fmt.Fprintf(stdout, "  %s\n", s)
	}
	if notes := referenceNotes(presets, order); len(notes) > 0 {
		fmt.Fprintf(stdout, "\nwhere the SIMD routers run the go reference (their String(), on %s):\n", order[len(order)-1])
		for _, n := range notes {
			fmt.Fprintf(stdout, "  %s\n", n)
		}
	}
	return nil
}

// referenceNotes returns, for each preset whose router on the last
// implementation of order says (in its String()) that some calls run the
// Go reference, the preset's name and those clauses; forced ids, which
// bench does not route, are left out.
func referenceNotes(presets []route.Preset, order []string) []string {
	impl := order[len(order)-1]
	if impl == "go" {
		return nil
	}
	var notes []string
	for _, p := range presets {
		r, err := route.NewImpl(p.Config, impl)
		if err != nil {
			continue
		}
		var keep []string
		for _, c := range strings.Split(fmt.Sprint(r), "; ") {
			switch {
			case !strings.Contains(c, "go reference"), strings.HasPrefix(c, "forced ids"):
			case strings.HasPrefix(c, "with a bias") && !p.Config.SelectionBias: // bench gives none
			default:
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			notes = append(notes, p.Name+": "+strings.Join(keep, "; "))
		}
	}
	return notes
}

// printPresetMatrices prints the table again as two markdown tables,
// presets x T: the speed-ups over go of the SIMD implementations ("!"
// where below 1), and ns per token of every implementation.
func printPresetMatrices(w io.Writer, presets []route.Preset, order []string, Ts []int, res [][][]float64) {
	head := func(title string) {
		fmt.Fprintf(w, "\n%s\n\n| preset |", title)
		for _, T := range Ts {
			fmt.Fprintf(w, " T=%d |", T)
		}
		fmt.Fprintf(w, "\n|---|")
		for range Ts {
			fmt.Fprintf(w, "---:|")
		}
		fmt.Fprintln(w)
	}
	row := func(pi int, cell func(ns []float64) string) {
		fmt.Fprintf(w, "| %s |", presets[pi].Name)
		for ti := range Ts {
			fmt.Fprintf(w, " %s |", cell(res[pi][ti]))
		}
		fmt.Fprintln(w)
	}
	if len(order) > 1 {
		head(fmt.Sprintf("speed-up over go, %s (! slower than go)", strings.Join(order[1:], " / ")))
		for pi := range presets {
			row(pi, func(ns []float64) string {
				f := make([]string, 0, len(ns)-1)
				for j := 1; j < len(ns); j++ {
					up := ns[0] / ns[j]
					if up < 1 {
						f = append(f, fmt.Sprintf("%.2f!", up))
					} else {
						f = append(f, fmt.Sprintf("%.2f", up))
					}
				}
				return strings.Join(f, " / ")
			})
		}
	}
	head(fmt.Sprintf("ns per token (at T=1: ns per call), %s", strings.Join(order, " / ")))
	for pi := range presets {
		row(pi, func(ns []float64) string {
			f := make([]string, len(ns))
			for j, v := range ns {
				f[j] = nsFig(v)
			}
			return strings.Join(f, " / ")
		})
	}
}

// nsFig prints ns with 3-4 significant digits.
func nsFig(ns float64) string {
	switch {
	case ns >= 1000:
		return fmt.Sprintf("%.0f", ns)
	case ns >= 100:
		return fmt.Sprintf("%.1f", ns)
	}
	return fmt.Sprintf("%.2f", ns)
}
