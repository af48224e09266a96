package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/moegate/moegate/balance"
)

const studyHelp = `moegate study: auxiliary loss, Expert Choice and loss-free balancing on a
learned gate (the comparison of Wang et al. 2024, arXiv 2408.15664, Table 2,
on a toy model).

Trains a small mixture of experts with SGD in pure Go, once per arm and seed,
on a synthetic task where experts must specialise and an overloaded or
starved expert costs quality (8 clusters of unequal frequency, each with its
own linear map; 8 linear experts; a linear router with DeepSeek-V3's gate:
sigmoid scores, top-2, normalised weights, routed by moegate). The arms:
  none            no balancing
  aux alpha       the auxiliary loss alpha * sum_i f_i P_i (Switch/GShard,
                  P from the normalised sigmoid scores), alpha in 1e-4..1e-1
  loss-free u     the bias controller, sign rule, u in 1e-4..1e-2
  linear          the linear rule, u_lin = 4e-3 / (batch*K/E)
  expert choice   each expert takes its top C = batch*K/E tokens of a batch
                  (softmax scores, Zhou et al. 2022)
Reported per arm, mean and sd over the seeds: the held-out task loss (mean
squared error per output; the noise floor is 0.01), MaxVio_global (on the
held-out set, loads summed), the mean MaxVio_batch over the second half of
training, and the leak (the share of tokens whose experts change when only
the later half of their batch changes: 0 for token choice).

The controllers run as R data-parallel ranks (--ranks): each rank routes its
shard of every batch, the counts are summed (an all-reduce) and every rank
updates with the sum; a single controller routing the whole batch is run
alongside, and the study reports whether every rank's bias equals its bias,
bit for bit, at every step.

Every number is the same on every kernel (-impl): the kernels are
bit-identical and training is deterministic (runs are spread over
goroutines; each has its own generators). The task's design and why it has
the properties above: cmd/moegate/studytask.go.

Example (runs as written):
  moegate study --quick --out /tmp/moegate-study.png
`

func studyArms() []studyArm {
	arms := []studyArm{{Name: "no balancing", Kind: armNone}}
	for _, a := range []float64{1e-4, 1e-3, 1e-2, 1e-1} {
		arms = append(arms, studyArm{Name: fmt.Sprintf("aux loss, alpha=%g", a), Kind: armAux, Alpha: a})
	}
	for _, u := range []float32{1e-4, 1e-3, 1e-2} {
		arms = append(arms, studyArm{Name: fmt.Sprintf("loss-free sign, u=%g", u), Kind: armSign, U: u})
	}
	arms = append(arms, studyArm{Name: "loss-free linear", Kind: armLinear})
	arms = append(arms, studyArm{Name: "expert choice", Kind: armExpertChoice})
	return arms
}

type studyStat struct{ mean, sd float64 }

func statOf(v []float64) studyStat {
	var s studyStat
	for _, x := range v {
		s.mean += x
	}
	s.mean /= float64(len(v))
	if len(v) > 1 {
		for _, x := range v {
			s.sd += float64((x - s.mean) * (x - s.mean))
		}
		s.sd = math.Sqrt(s.sd / float64(len(v)-1))
	}
	return s
}

func runStudyCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("study", studyHelp, stdout, stderr)
	seeds := fs.Int("seeds", 6, "seeds per arm (task, initialisation and data all change with the seed)")
	steps := fs.Int("steps", 1500, "training steps per run")
	batch := fs.Int("batch", 256, "tokens per batch")
	heldOut := fs.Int("heldout", 4096, "held-out tokens (rounded down to whole batches)")
	ranks := fs.Int("ranks", 4, "simulated data-parallel ranks for the controllers")
	lr := fs.Float64("lr", 0.5, "SGD learning rate")
	quick := fs.Bool("quick", false, "about a second: 2 seeds, 60 steps of 64 tokens, 512 held out, 2 ranks, unless given (for tests)")
	out := fs.String("out", "moegate-study.png", "chart path (PNG); empty: no chart")
	impl := fs.String("impl", "", "implementation: go, avx2, avx512, neon (default: the fastest here)")
	bar := fs.Bool("progress", false, "draw the progress bar even when stderr is not a terminal")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return inputErrorf("unexpected argument %q (see moegate study --help)", fs.Arg(0))
	}
	if *quick { // the quick sizes, for the flags not given
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]*int{"seeds": seeds, "steps": steps, "batch": batch, "heldout": heldOut, "ranks": ranks} {
			if !set[name] {
				*v = map[string]int{"seeds": 2, "steps": 60, "batch": 64, "heldout": 512, "ranks": 2}[name]
			}
		}
	}
	sz := studySize{Steps: *steps, Batch: *batch, HeldOut: *heldOut, Ranks: *ranks, LR: *lr}
	switch {
	case *seeds < 1 || *steps < 2:
		return inputErrorf("-seeds must be >= 1 and -steps >= 2")
	case *batch < 2*studyExperts || *batch%2 != 0 || *batch > 1<<20:
		return inputErrorf("-batch must be even and in [%d, %d]", 2*studyExperts, 1<<20)
	case *heldOut < 2**batch || *heldOut > 1<<24:
		return inputErrorf("-heldout must be at least two batches (%d) and at most %d", 2**batch, 1<<24)
	case *ranks < 1 || *ranks > *batch:
		return inputErrorf("-ranks must be in [1, batch]")
	case !(*lr > 0) || math.IsInf(*lr, 0):
		return inputErrorf("-lr must be a positive number")
	}
	sz.HeldOut = *heldOut / *batch * *batch
	r, err := newRouter(studyRouterConfig, *impl)
	if err != nil {
		return err
	}
	arms := studyArms()
	mean := float64(sz.Batch) * studyTopK / studyExperts
	for i := range arms {
		if arms[i].Kind == armLinear {
			arms[i].U = float32(linGain * 1e-3 / mean)
			arms[i].Name = fmt.Sprintf("loss-free linear, u=%.2g", arms[i].U)
		}
	}
	C := balance.Capacity(sz.Batch, studyExperts, studyTopK, 1)
	fmt.Fprintf(stdout, "moegate study: %d arms x %d seeds; %d experts, top-%d, sigmoid gate routed by moegate (kernel %s)\n",
		len(arms), *seeds, studyExperts, studyTopK, r.Impl())
	fmt.Fprintf(stdout, "training: %d steps x %d tokens, SGD lr %g; held-out %d tokens; controllers on %d ranks; expert choice C = %d\n\n",
		sz.Steps, sz.Batch, sz.LR, sz.HeldOut, sz.Ranks, C)

	tasks := make([]*studyTask, *seeds)
	for s := range tasks {
		tasks[s] = newStudyTask(uint64(s + 1))
	}
	n := len(arms) * *seeds
	results := make([]studyResult, n)
	pb := newProgress(stderr, n, *bar)
	var mu sync.Mutex
	done := 0
	start := time.Now()
	parallelFor(n, func(j int) {
		a, s := j / *seeds, j%*seeds
		results[j] = runStudy(tasks[s], uint64(s+1), arms[a], sz, *impl)
		mu.Lock()
		done++
		pb.update(done, arms[a].Name)
		mu.Unlock()
	})
	pb.clear()
	wall := time.Since(start)
	for j, res := range results {
		if res.Err != nil {
			return fmt.Errorf("%s, seed %d: %v", arms[j / *seeds].Name, j%*seeds+1, res.Err)
		}
	}

	rows := make([]studyRow, len(arms))
	for a := range arms {
		var loss, dloss, vg, vb, leak, unr []float64
		for s := range *seeds {
			res := results[a**seeds+s]
			loss = append(loss, res.Loss)
			dloss = append(dloss, res.Loss-results[s].Loss) // arm 0 is no balancing
			vg = append(vg, res.MaxVioGlobal)
			vb = append(vb, res.MaxVioBatch)
			leak = append(leak, res.Leak)
			unr = append(unr, res.Unrouted)
		}
		rows[a] = studyRow{arm: arms[a], loss: statOf(loss), dloss: statOf(dloss), vioGlobal: statOf(vg), vioBatch: statOf(vb), leak: statOf(leak), unrouted: statOf(unr)}
	}
	header := fmt.Sprintf("%-28s %19s %19s %17s %17s %15s", "arm", "held-out task loss", "vs none (paired)", "MaxVio_global", "MaxVio_batch", "leak")
	fmt.Fprintln(stdout, header)
	fmt.Fprintln(stdout, strings.Repeat("-", len(header)))
	for _, row := range rows {
		fmt.Fprintf(stdout, "%-28s %19s %19s %17s %17s %15s\n", row.arm.Name,
			pm(row.loss, 4), spm(row.dloss, 4), pm(row.vioGlobal, 3), pm(row.vioBatch, 3), pm(row.leak, 3))
	}
	fmt.Fprintf(stdout, "mean ± sd over %d seeds. Task loss: mean squared error per output on held-out tokens (noise floor 0.01).\n", *seeds)
	fmt.Fprintf(stdout, "vs none: the arm's loss minus no balancing's on the same seed (same task, initialisation and data).\n")
	fmt.Fprintf(stdout, "MaxVio = (max load - mean load) / mean load; global: held-out loads summed; batch: mean over the 2nd half of training.\n")
	fmt.Fprintf(stdout, "leak: share of a batch's first-half tokens whose experts change when only its second half changes.\n")
	for _, row := range rows {
		if row.arm.Kind == armExpertChoice {
			fmt.Fprintf(stdout, "expert choice: %.1f%% ± %.1f%% of held-out tokens get no expert (output 0).\n", 100*row.unrouted.mean, 100*row.unrouted.sd)
		}
	}
	fmt.Fprintf(stdout, "Paper (Wang et al. 2024, 1B model): MaxVio_global 0.72 with an aux loss, 0.04 loss-free, at a lower perplexity.\n")

	// The multi-rank check.
	checks, agree := 0, true
	for j, res := range results {
		if k := arms[j / *seeds].Kind; sz.Ranks > 1 && (k == armSign || k == armLinear) {
			checks += res.RankChecks
			agree = agree && res.RankAgree
		}
	}
	if sz.Ranks > 1 {
		verdict := "equal to the single controller's, bit for bit, at every step"
		if !agree {
			verdict = "DIFFERENT from the single controller's"
		}
		fmt.Fprintf(stdout, "multi-rank: %d ranks, counts summed over ranks each step; %d steps checked: every rank's bias %s\n", sz.Ranks, checks, verdict)
	}
	fmt.Fprintf(stdout, "ran %d runs in %.1fs on %d goroutines\n", n, wall.Seconds(), runtime.GOMAXPROCS(0))
	if *out != "" {
		if err := writeStudyChart(*out, rows, *seeds, sz); err != nil {
			return err
		}
		where := *out
		if abs, err := filepath.Abs(where); err == nil {
			where = abs
		}
		fmt.Fprintf(stdout, "chart: %s\n", where)
	}
	if !agree {
		return fmt.Errorf("the ranks' biases differ from the single controller's")
	}
	return nil
}

type studyRow struct {
	arm                                              studyArm
	loss, dloss, vioGlobal, vioBatch, leak, unrouted studyStat
}

func spm(s studyStat, prec int) string {
	return fmt.Sprintf("%+.*f ± %.*f", prec, s.mean, prec, s.sd)
}

func pm(s studyStat, prec int) string {
	return fmt.Sprintf("%.*f ± %.*f", prec, s.mean, prec, s.sd)
}
