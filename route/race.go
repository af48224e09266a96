//go:build race

package route

import (
	"runtime"
	"unsafe"

	"github.com/moegate/moegate/asm"
)

// The race detector does not see memory touched by assembly. raceKernel
// declares, before each kernel call, every range the kernel may read or
// write, so that -race reports a caller who shares an Output between
// goroutines or writes the Input while it is routed, whatever
// implementation runs.
const raceEnabled = true

func raceKernel(s *asm.Scratch, ids []int32, w []float32, load []int64, x []float32, bias []float32) {
	if len(x) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&x[0]), len(x)*4)
	}
	if len(bias) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&bias[0]), len(bias)*4)
	}
	if len(ids) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&ids[0]), len(ids)*4)
	}
	if len(w) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&w[0]), len(w)*4)
	}
	if len(load) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&load[0]), len(load)*8)
	}
	if len(s.Sel) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s.Sel[0]), len(s.Sel)*4)
	}
	if len(s.Sig) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s.Sig[0]), len(s.Sig)*4)
	}
	if len(s.Top) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s.Top[0]), len(s.Top)*8)
	}
	if len(s.GSc) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s.GSc[0]), len(s.GSc)*4)
	}
	if len(s.GSec) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s.GSec[0]), len(s.GSec)*4)
	}
	if len(s.GTop) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&s.GTop[0]), len(s.GTop)*8)
	}
}

// raceFinite declares the per-expert input (bias, expert scales) that
// asm.AllFinite's kernel reads.
func raceFinite(v []float32) {
	if len(v) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&v[0]), len(v)*4)
	}
}
