package balance_test

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/moegate/moegate/balance"
)

// Many goroutines Add while readers take Bias snapshots and one goroutine
// Steps. Run with -race. Checks:
//   - conservation: the global counts equal the sum of every Add, exactly;
//   - whole batches: every batch sums to batchSum, so a step that split a
//     batch would have Tokens not divisible by batchSum;
//   - snapshots: each snapshot a reader saw has E entries and still holds the
//     bits the stepper published under the same backing array (never
//     modified after publication, never torn).
func TestConcurrentAddStepBias(t *testing.T) {
	const (
		E        = 2048 // many experts: each Add is a long window for a racing Step
		adders   = 4
		batches  = 400
		batchSum = 6 * 32 // K=6 choices of 32 tokens
		readers  = 2
		// The stepper steps after every stepEvery completed Adds and
		// the adders stay at most two steps ahead, so about
		// adders*batches/stepEvery steps see counts whatever the
		// scheduling, while other Adds are in flight.
		stepEvery = 10
	)
	c := mustNew(t, E, balance.Options{})

	var (
		mu        sync.Mutex
		published = map[*float32][]float32{} // backing array -> copy at publication
	)
	record := func(b []float32) {
		mu.Lock()
		published[unsafe.SliceData(b)] = slices.Clone(b)
		mu.Unlock()
	}
	record(c.Bias())

	totals := make([][]int64, adders)
	var addersWG, othersWG sync.WaitGroup
	var done atomic.Bool
	var added, stepped atomic.Int64
	for g := range adders {
		addersWG.Add(1)
		go func() {
			defer addersWG.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			tot := make([]int64, E)
			load := make([]int64, E)
			for range batches {
				clear(load)
				for range batchSum {
					load[r.IntN(E)]++
				}
				// Stay at most two steps ahead of the stepper.
				for added.Load() >= (stepped.Load()+2)*stepEvery {
					runtime.Gosched()
				}
				if err := c.Add(load); err != nil {
					t.Error(err)
					return
				}
				for i, v := range load {
					tot[i] += v
				}
				added.Add(1)
			}
			totals[g] = tot
		}()
	}
	var steps []balance.StepStats
	othersWG.Add(1)
	go func() { // the stepper: one Step per stepEvery completed Adds
		defer othersWG.Done()
		for {
			for added.Load() < (stepped.Load()+1)*stepEvery && !done.Load() {
				runtime.Gosched()
			}
			if done.Load() {
				return
			}
			steps = append(steps, c.Step())
			record(c.Bias())
			stepped.Add(1)
		}
	}()
	seen := make([][][]float32, readers)
	for g := range readers {
		othersWG.Add(1)
		go func() {
			defer othersWG.Done()
			var last *float32
			for !done.Load() {
				b := c.Bias()
				if len(b) != E {
					t.Errorf("snapshot of %d experts", len(b))
					return
				}
				if p := unsafe.SliceData(b); p != last { // keep each new one
					seen[g] = append(seen[g], b)
					last = p
				}
			}
		}()
	}
	addersWG.Wait()
	done.Store(true)
	othersWG.Wait()
	steps = append(steps, c.Step()) // the counts after the stepper's last Step

	want := make([]int64, E)
	for _, tot := range totals {
		for i, v := range tot {
			want[i] += v
		}
	}
	nonEmpty := 0
	for _, st := range steps {
		if st.Tokens > 0 {
			nonEmpty++
		}
	}
	t.Logf("%d steps (%d with counts), %d snapshots published", len(steps), nonEmpty, len(published))
	if nonEmpty < adders*batches/stepEvery/4 {
		t.Fatalf("only %d steps saw counts: no interleaving was tested", nonEmpty)
	}
	if got := c.GlobalLoad(); !slices.Equal(got, want) {
		t.Fatalf("global load %v, want the sum of all Adds %v", got, want)
	}
	var tokens int64
	for _, st := range steps {
		if st.Tokens%batchSum != 0 {
			t.Fatalf("step %d counted %d, not a whole number of batches of %d", st.Step, st.Tokens, batchSum)
		}
		tokens += st.Tokens
	}
	if tokens != adders*batches*batchSum || c.Steps() != len(steps) {
		t.Fatalf("tokens %d steps %d/%d", tokens, c.Steps(), len(steps))
	}
	for _, ss := range seen {
		for _, b := range ss {
			p, ok := published[unsafe.SliceData(b)]
			if !ok {
				t.Fatal("a reader saw a snapshot that was never published")
			}
			if !slices.Equal(bitsOf(b), bitsOf(p)) {
				t.Fatal("a snapshot changed after publication")
			}
		}
	}
}

// Update and UnmarshalBinary racing with Add and Bias: nothing panics, the
// race detector stays quiet, and the final state is one of the states put in.
func TestConcurrentUnmarshal(t *testing.T) {
	c := mustNew(t, 16, balance.Options{})
	other := mustNew(t, 32, balance.Options{Rule: balance.Linear})
	other.Update(make([]int64, 32))
	state32, _ := other.MarshalBinary()
	state16, _ := c.MarshalBinary()
	var wg sync.WaitGroup
	var done atomic.Bool
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l16, l32 := make([]int64, 16), make([]int64, 32)
			for !done.Load() {
				// A length that does not match the state in force is
				// refused with ErrShape, never added.
				for _, l := range [][]int64{l16, l32} {
					if err := c.Add(l); err != nil && !errors.Is(err, balance.ErrShape) {
						t.Error(err)
					}
				}
				_ = c.Bias()
			}
		}()
	}
	for i := range 200 {
		state := state16
		if i%2 == 1 {
			state = state32
		}
		if err := c.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
		c.Step()
		c.TakeLoad()
	}
	done.Store(true)
	wg.Wait()
	if c.Experts() != 32 || c.Options().Rule != balance.Linear {
		t.Fatalf("final state %d experts %+v", c.Experts(), c.Options())
	}
}
