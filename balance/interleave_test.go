package balance

import (
	"testing"
	"time"
)

// Force the two interleavings of Add with Step that matter, with testHook
// (a test of the Add/Step protocol that does not depend on scheduling luck):
//
//   - an Add announced on the current accumulator when Step swaps it out:
//     Step must wait for it and count it whole in this step;
//   - an Add that loaded the accumulator but had not announced when Step
//     swapped it out: it must retry and land whole in the next step.
func TestAddStepInterleavings(t *testing.T) {
	defer func() { testHook = nil }()
	for _, point := range []int{hookAnnounced, hookLoaded} {
		c, err := New(4, Options{})
		if err != nil {
			t.Fatal(err)
		}
		inside, release := make(chan struct{}), make(chan struct{})
		first := true
		testHook = func(p int) {
			if p == point && first {
				first = false
				close(inside)
				<-release
			}
		}
		addDone := make(chan error)
		go func() { addDone <- c.Add([]int64{1, 2, 3, 4}) }()
		<-inside
		stepDone := make(chan StepStats, 1)
		go func() { stepDone <- c.Step() }()
		var st StepStats
		switch point {
		case hookAnnounced:
			select {
			case st = <-stepDone:
				t.Fatalf("Step returned %+v while an announced Add was in flight", st)
			case <-time.After(50 * time.Millisecond):
			}
			close(release)
			st = <-stepDone
			if err := <-addDone; err != nil {
				t.Fatal(err)
			}
			if st.Tokens != 10 {
				t.Fatalf("in-flight Add: Step counted %d, want the whole batch 10", st.Tokens)
			}
			if st2 := c.Step(); st2.Tokens != 0 {
				t.Fatalf("in-flight Add counted again: next step %d", st2.Tokens)
			}
		case hookLoaded:
			st = <-stepDone // must not wait for an unannounced Add
			close(release)
			if err := <-addDone; err != nil {
				t.Fatal(err)
			}
			if st.Tokens != 0 {
				t.Fatalf("Step counted %d from an Add that had not announced", st.Tokens)
			}
			if st2 := c.Step(); st2.Tokens != 10 {
				t.Fatalf("retried Add: next step counted %d, want 10", st2.Tokens)
			}
		}
		if g := c.GlobalLoad(); g[0] != 1 || g[1] != 2 || g[2] != 3 || g[3] != 4 {
			t.Fatalf("global %v", g)
		}
	}
}
