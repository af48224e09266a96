package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/moegate/moegate/balance"
	"github.com/moegate/moegate/route"
)

const balanceHelp = `moegate balance: replay router logits through the loss-free bias controller.

Each logits file (.npy [T, E], as for "moegate route") is one step: its tokens
are routed with the controller's current bias, then the bias is updated from
that batch's expert loads (sign rule: b_i += u*sign(mean - c_i); linear rule:
b_i += u*(mean - c_i), c_i in tokens; centered-sign: the sign rule's update
minus its mean, as torchtitan does). Instead of files, --synthetic N replays
N steps of the demonstration's synthetic stream. One line per step: the step,
the batch's MaxVio (routed with the bias before the update), the bias range.

--state FILE resumes the controller from FILE if it exists (a corrupt or
mismatched file is refused, nothing is changed) and saves it there at the end
(written whole, by temporary name and rename). The state is saved only if
every step succeeded. --bias-out writes the final bias as .npy float32 [E],
ready for "moegate route --bias". Flags and files may come in any order.

Example (runs as written; the second command resumes where the first stopped):
  moegate balance --config deepseek-v3 --synthetic 20 --batch 1024 --state /tmp/moegate-state.bin
  moegate balance --config deepseek-v3 --synthetic 20 --batch 1024 --state /tmp/moegate-state.bin --bias-out /tmp/bias.npy
`

func runBalance(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("balance", balanceHelp, stdout, stderr)
	cfgSpec := configFlag(fs, "deepseek-v3", "the gate: a preset name or the path of a Hugging Face config.json")
	statePath := fs.String("state", "", "controller state file: resumed if present, saved at the end")
	ruleName := fs.String("rule", "sign", "update rule for a new controller: sign, linear or centered-sign")
	u := fs.Float64("u", 0.001, "update speed u for a new controller")
	synth := fs.Int("synthetic", 0, "replay N steps of the synthetic stream instead of files")
	batch := fs.Int("batch", 4096, "tokens per synthetic step")
	seed := fs.Uint64("seed", 1, "synthetic stream seed")
	dtype := fs.String("dtype", "", "how to read 16-bit integer data: bfloat16 or float16")
	biasOut := fs.String("bias-out", "", "write the final bias here (.npy float32 [E])")
	impl := fs.String("impl", "", "implementation: go, avx2, avx512, neon (default: the fastest here)")
	if err := parse(fs, args); err != nil {
		return err
	}
	files := fs.Args()
	if (*synth > 0) == (len(files) > 0) {
		return inputErrorf("give either logits files or --synthetic N (see --help)")
	}
	if *synth < 0 || *batch < 1 {
		return inputErrorf("--synthetic must be >= 0 and --batch >= 1")
	}
	if err := checkFloat32("--u", *u); err != nil {
		return err
	}
	cfg, cfgName, err := loadConfig(*cfgSpec)
	if err != nil {
		return err
	}
	if *synth > 0 {
		// a step's logits, ids and weights
		if err := checkBatch("--batch", *batch, cfg.TopK, 4*int64(cfg.Experts)+8*int64(cfg.TopK)); err != nil {
			return err
		}
	}
	half, err := parseHalf(*dtype)
	if err != nil {
		return err
	}
	r, err := newRouter(cfg, *impl)
	if err != nil {
		return err
	}
	E, K := cfg.Experts, cfg.TopK

	var ctrl *balance.Controller
	resumed := false
	if *statePath != "" {
		data, err := os.ReadFile(*statePath)
		switch {
		case err == nil:
			// The whole file must be one state: balance.Load would accept a
			// state followed by trailing bytes.
			ctrl = new(balance.Controller)
			if err := ctrl.UnmarshalBinary(data); err != nil {
				return inputErrorf("--state %s: refusing a corrupt or unreadable controller state (%v); nothing was changed. Remove the file to start afresh", *statePath, err)
			}
			if ctrl.Experts() != E {
				return inputErrorf("--state %s: the state is for %d experts, %s has %d; nothing was changed", *statePath, ctrl.Experts(), cfgName, E)
			}
			resumed = true
		case errors.Is(err, os.ErrNotExist):
		default:
			return inputErrorf("--state %s: %v", *statePath, err)
		}
	}
	if ctrl == nil {
		var rule balance.Rule
		switch strings.ToLower(*ruleName) {
		case "sign":
			rule = balance.Sign
		case "linear":
			rule = balance.Linear
		case "centered-sign":
			rule = balance.CenteredSign
		default:
			return inputErrorf("--rule %q: want sign, linear or centered-sign", *ruleName)
		}
		if !(*u > 0) || math.IsInf(*u, 0) {
			return inputErrorf("--u must be a positive number")
		}
		ctrl, err = balance.New(E, balance.Options{Rate: float32(*u), Rule: rule})
		if err != nil {
			return inputErrorf("%v", err)
		}
	}
	opt := ctrl.Options()
	rn := opt.Rule.String()
	from := "new controller"
	if resumed {
		from = fmt.Sprintf("resumed from %s at step %d", *statePath, ctrl.Steps())
	}
	fmt.Fprintf(stdout, "balance: %s [%v] on %s; %s rule, u=%g; %s\n", cfgName, cfg, r.Impl(), rn, opt.Rate, from)
	fmt.Fprintf(stdout, "%6s  %-28s %8s %10s %10s %10s\n", "step", "batch", "tokens", "MaxVio", "bias min", "bias max")

	total := make([]int64, E)
	var st *stream
	nsteps := len(files)
	if *synth > 0 {
		st = newStream(E, *seed)
		nsteps = *synth
	}
	var x []float32
	for i := 0; i < nsteps; i++ {
		var T int
		var name string
		if st != nil {
			T = *batch
			step := ctrl.Steps()
			name = fmt.Sprintf("synthetic step %d", step)
			if len(x) < T*E {
				x = make([]float32, T*E)
			}
			st.fill(step, 0, T, x[:T*E])
		} else {
			a, err := readNPY(files[i], half)
			if err != nil {
				return err
			}
			if len(a.Shape) != 2 || a.Shape[1] != E {
				return inputErrorf("%s: shape %s: want [T, %d] (tokens x experts) for %s", a.Path, shapeStr(a.Shape), E, cfgName)
			}
			T, x, name = a.Shape[0], a.Data, a.Path
		}
		load := make([]int64, E)
		out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: load}
		if err := r.Route(out, route.Input{Logits: x[:T*E], Tokens: T, Bias: ctrl.Bias()}); err != nil {
			var nf *route.NonFiniteError
			if errors.As(err, &nf) && nf.Token >= 0 {
				return inputErrorf("%s: row %d (token %d), column %d (expert %d) = %v: logits must be finite; the state was not saved",
					name, nf.Token, nf.Token, nf.Expert, nf.Expert, nf.Value)
			}
			return inputErrorf("%s: %v", name, err)
		}
		if err := ctrl.Add(load); err != nil {
			return err
		}
		s := ctrl.Step()
		for e, v := range load {
			total[e] += v
		}
		fmt.Fprintf(stdout, "%6d  %-28s %8d %10.3f %10.4f %10.4f\n", s.Step, trimLeft(name, 28), T, s.MaxVio, s.BiasMin, s.BiasMax)
	}
	fmt.Fprintf(stdout, "MaxVio over these %d steps: %.3f; over every step the controller has counted: %.3f\n",
		nsteps, balance.MaxVio(total), ctrl.MaxVioGlobal())
	if *biasOut != "" {
		b := ctrl.Bias()
		if err := writeFileAtomic(*biasOut, encodeNPY("<f4", []int{len(b)}, float32Bytes(b))); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "bias written to %s (float32 [%d])\n", *biasOut, len(b))
	}
	if *statePath != "" {
		var buf bytes.Buffer
		if err := ctrl.Save(&buf); err != nil {
			return err
		}
		if err := writeFileAtomic(*statePath, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "state saved to %s (step %d)\n", *statePath, ctrl.Steps())
	}
	return nil
}

// trimLeft keeps the last n characters of s.
func trimLeft(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n+3:]
}
