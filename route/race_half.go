//go:build race

package route

import (
	"runtime"
	"unsafe"
)

// raceHalf declares the half-precision logits a conversion kernel reads
// (see race.go); the converted rows are private scratch, declared by
// raceKernel when routed.
func raceHalf(x []uint16) {
	if len(x) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&x[0]), len(x)*2)
	}
}
