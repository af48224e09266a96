package main

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/moegate/moegate/route"
)

// A benchmark cell routes the same gate on several implementations. On a
// machine shared with other jobs the load drifts over seconds, so
// measuring one implementation after the other would bias the ratio
// towards whichever ran in the quieter moment. interleave instead runs
// the implementations round-robin: each round times one block of calls
// of every implementation (the first one rotating from round to round),
// and each implementation's figure is the median of its rounds. The
// speed-up is the ratio of two such medians, taken in one process.

// meter times blocks of calls: with the CPU time of the OS thread where
// the system has it (the caller locks the thread), wall time elsewhere.
type meter struct {
	dur    time.Duration // measured time per implementation and cell, all rounds together
	rounds int
	thread bool
}

func newMeter(dur time.Duration, rounds int) meter {
	_, ok := threadClock()
	return meter{dur: dur, rounds: rounds, thread: ok}
}

// clockName says what the meter measures.
func (m meter) clockName() string {
	if m.thread {
		return "CPU time of the thread"
	}
	return "wall time"
}

// describe is the header line's account of the method.
func (m meter) describe() string {
	return fmt.Sprintf("median of %d interleaved rounds, >= %v per implementation and cell, %s", m.rounds, m.dur, m.clockName())
}

func (m meter) now() int64 {
	if m.thread {
		if ns, ok := threadClock(); ok {
			return ns
		}
	}
	return time.Now().UnixNano()
}

// caller routes one call of a cell on one implementation; i numbers the
// calls, so that a caller can route different tokens in turn.
type caller func(i int) error

// block times n calls of f starting at call number i0 and returns the
// elapsed ns.
func (m meter) block(f caller, i0, n int) (int64, error) {
	t0 := m.now()
	for i := i0; i < i0+n; i++ {
		if err := f(i); err != nil {
			return 0, err
		}
	}
	return max(m.now()-t0, 1), nil
}

// interleave measures the callers round-robin and returns each one's
// median ns per call over the rounds. Each caller first runs once (warm
// up, and any error stops here), then the number of calls per block is
// sized so that a block takes about dur/rounds (at least one call).
func (m meter) interleave(fs []caller) ([]float64, error) {
	runtime.GC() // collect what the cell's set-up allocated, outside the timing
	per := m.dur / time.Duration(m.rounds)
	n := make([]int, len(fs))
	next := make([]int, len(fs)) // call number
	for j, f := range fs {
		if err := f(0); err != nil {
			return nil, err
		}
		next[j] = 1
		// Double the calls until a block takes an eighth of the target, then
		// scale to the target.
		c := 1
		for {
			el, err := m.block(f, next[j], c)
			if err != nil {
				return nil, err
			}
			next[j] += c
			if el >= int64(per)/8 || c >= 1<<30 {
				n[j] = max(1, int(float64(c)*float64(per)/float64(el)+0.5))
				break
			}
			c *= 2
		}
	}
	ns := make([][]float64, len(fs))
	for r := 0; r < m.rounds; r++ {
		for k := range fs {
			j := (r + k) % len(fs)
			el, err := m.block(fs[j], next[j], n[j])
			if err != nil {
				return nil, err
			}
			next[j] += n[j]
			ns[j] = append(ns[j], float64(el)/float64(n[j]))
		}
	}
	med := make([]float64, len(fs))
	for j := range ns {
		med[j] = median(ns[j])
	}
	return med, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// routeCallers returns, for each implementation of impls, a caller that
// routes T tokens of in (whose Logits hold pool >= T tokens of E logits)
// into its own output: call i routes the i-th window of T tokens, cycling
// over the pool, so that small batches do not route the same token again
// and again.
func routeCallers(cfg route.Config, impls []string, in route.Input, T, pool int) ([]caller, error) {
	E, K := cfg.Experts, cfg.TopK
	windows := pool / T
	fs := make([]caller, len(impls))
	for j, impl := range impls {
		r, err := route.NewImpl(cfg, impl)
		if err != nil {
			return nil, err
		}
		out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
		fs[j] = func(i int) error {
			o := (i % windows) * T * E
			in := in
			in.Logits = in.Logits[o : o+T*E]
			in.Tokens = T
			if err := r.Route(out, in); err != nil {
				return fmt.Errorf("%s on %s: %v", cfg, impl, err)
			}
			return nil
		}
	}
	return fs, nil
}
