package testutil

import (
	"fmt"
	"math"

	"github.com/moegate/moegate/route"
	"runtime/debug"
	"testing"
	"unsafe"
)

// TestGuardFaults checks that the element after Tail and the element before
// Head are unreadable.
func TestGuardFaults(t *testing.T) {
	g, err := NewGuarded(1000)
	if err != nil {
		t.Skipf("no guard pages here: %v", err)
	}
	defer g.Free()
	x, h := g.Tail(4), g.Head(4)
	x[3], h[0] = 1, 2 // both ends are writable
	for _, c := range []struct {
		name string
		p    unsafe.Pointer
	}{
		{"past Tail", unsafe.Add(unsafe.Pointer(&x[3]), 4)},
		{"before Head", unsafe.Add(unsafe.Pointer(&h[0]), -4)},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer func() {
				if recover() == nil {
					t.Fatal("read did not fault")
				}
			}()
			_ = *(*float32)(c.p)
		})
	}
}

func TestAlignedAndCanaries(t *testing.T) {
	for off := 0; off < 16; off++ {
		if got := Offset(Aligned(10, off)); got != off {
			t.Fatalf("Aligned offset %d, want %d", got, off)
		}
	}
	c := NewCanaried(5, 3)
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	full := c.ids[:len(c.ids)]
	full[CanaryLen+5] = 0 // one past the end
	if c.Check() == nil {
		t.Fatal("overwritten ids canary not detected")
	}
	c = NewCanaried(5, 3)
	c.load[CanaryLen-1] = 0 // one before the start
	if c.Check() == nil {
		t.Fatal("overwritten load canary not detected")
	}
}

func TestDiffCatches(t *testing.T) {
	base := func() Result {
		return Result{IDs: []int32{3, 1, 0, 2}, Weights: []float32{0.75, 0.25, 0, 1}, Load: []int64{1, 1, 1, 1}}
	}
	if err := Diff(base(), base(), 2); err != nil {
		t.Fatalf("equal results differ: %v", err)
	}
	for name, mut := range map[string]func(r *Result){
		"id":          func(r *Result) { r.IDs[2] = 1 },
		"weight bit":  func(r *Result) { r.Weights[1] = math.Nextafter32(0.25, 1) },
		"signed zero": func(r *Result) { r.Weights[2] = float32(math.Copysign(0, -1)) },
		"load":        func(r *Result) { r.Load[3] = 2 },
		"no load":     func(r *Result) { r.Load = nil },
		"error":       func(r *Result) { r.Err = route.ErrShape },
	} {
		r := base()
		mut(&r)
		if Diff(base(), r, 2) == nil {
			t.Errorf("%s: difference not caught", name)
		}
	}
	e1 := &route.NonFiniteError{Input: "logits", Token: 1, Expert: 2, Value: float32(math.NaN())}
	e2 := &route.NonFiniteError{Input: "logits", Token: 1, Expert: 2, Value: math.Float32frombits(0x7FC00001)}
	if DiffErr(e1, e2) == nil {
		t.Error("NaN payload difference in NonFiniteError not caught")
	}
	if DiffErr(fmt.Errorf("%w: x", route.ErrShape), fmt.Errorf("%w: x", route.ErrNonFinite)) == nil {
		t.Error("error identity difference not caught")
	}
}
