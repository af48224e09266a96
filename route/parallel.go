package route

import (
	"errors"
	"runtime"
	"sync"
)

// minParallelTokens is the smallest shard RouteParallel hands a goroutine:
// below it a goroutine's start and the load reduction cost more than the
// routing they would share.
const minParallelTokens = 2 * chunk

// RouteParallel routes one batch across up to workers goroutines
// (workers <= 0: GOMAXPROCS), each routing a contiguous range of tokens,
// and returns exactly what r.Route(out, in) returns: the same ids, weight
// bits and load counts, and the same error (token indices in errors count
// from the start of the whole batch). It is meant for big batches (tens of
// thousands of tokens); small ones run as one call. Unlike Route it
// allocates: a load buffer of Experts counts per extra goroutine.
//
// r must come from this package (New, NewImpl, NewReference); any other
// Router is called once, on the calling goroutine.
func RouteParallel(r Router, out Output, in Input, workers int) error {
	rt, ok := r.(*router)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	T := in.Tokens
	workers = min(workers, T/minParallelTokens)
	if !ok || workers <= 1 {
		return r.Route(out, in)
	}
	E, K := rt.cfg.Experts, rt.cfg.TopK
	stride := in.Stride
	if stride == 0 {
		stride = E
	}
	// Whole-batch checks first, so that a bad shape is reported as one call
	// reports it (with the whole batch's lengths) and nothing is routed.
	if err := rt.checkShape(out, in, stride); err != nil {
		safeFill(out, K)
		return err
	}
	loads := make([][]int64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	// Shards are whole chunks, as even as possible.
	chunks := (T + chunk - 1) / chunk
	first := 0
	for w := range workers {
		nc := chunks / workers
		if w < chunks%workers {
			nc++
		}
		t0, t1 := min(first*chunk, T), min((first+nc)*chunk, T)
		first += nc
		sub := shard(in, t0, t1, stride, K)
		so := Output{IDs: out.IDs[t0*K : t1*K], Weights: out.Weights[t0*K : t1*K]}
		if out.Load != nil {
			if w == 0 {
				so.Load = out.Load
			} else {
				loads[w] = make([]int64, E)
				so.Load = loads[w]
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = offsetTokens(rt.Route(so, sub), t0)
		}()
	}
	wg.Wait()
	if out.Load != nil {
		for _, l := range loads[1:] {
			for i, v := range l {
				out.Load[i] += v
			}
		}
	}
	return firstError(errs)
}

// shard returns the tokens [t0, t1) of in.
func shard(in Input, t0, t1, stride, K int) Input {
	sub := in
	sub.Tokens = t1 - t0
	sub.Stride = stride
	if in.LogitsHalf != nil {
		sub.LogitsHalf = in.LogitsHalf[t0*stride:]
	} else {
		sub.Logits = in.Logits[t0*stride:]
	}
	if in.Mask != nil {
		sub.Mask = in.Mask[t0:t1]
	}
	if in.ForcedIDs != nil {
		sub.ForcedIDs = in.ForcedIDs[t0*K : t1*K]
	}
	return sub
}

// offsetTokens shifts the token index of a shard's per-token error to the
// whole batch.
func offsetTokens(err error, t0 int) error {
	var nf *NonFiniteError
	if errors.As(err, &nf) && nf.Token >= 0 {
		e := *nf
		e.Token += t0
		return &e
	}
	var fe *ForcedIDError
	if errors.As(err, &fe) && fe.Token >= 0 {
		e := *fe
		e.Token += t0
		return &e
	}
	return err
}

// firstError returns the error one call over the whole batch returns,
// from the errors of its shards in token order: an error about the whole
// batch (bias, expert scale) is the same in every shard; among per-token
// errors the one of the highest kind wins, and within a kind the earliest.
func firstError(errs []error) error {
	var first error
	for _, err := range errs {
		first = mergeErr(first, err)
	}
	return first
}

// errRank orders the errors one Route call can return after routing: it
// reports an error about the whole batch (nothing routed) first, then a bad
// forced id, then a non-finite logit, then an overflowing weight, each for
// the first token that has it (Route's order, router.go).
func errRank(err error) int {
	var fe *ForcedIDError
	if errors.As(err, &fe) {
		return 3
	}
	var nf *NonFiniteError
	if errors.As(err, &nf) && nf.Token >= 0 {
		if nf.Input == "logits" {
			return 2
		}
		return 1 // "weights"
	}
	return 4
}

// rankBatch is errRank's rank of an error about the whole batch.
const rankBatch = 4

// mergeErr returns the error one call returns over two consecutive
// sub-batches whose calls returned cur (the earlier) and next (token
// indices already counted from the start of the batch).
func mergeErr(cur, next error) error {
	if next == nil {
		return cur
	}
	if cur == nil || errRank(next) > errRank(cur) {
		return next
	}
	return cur
}
