//go:build race

package dispatch

import (
	"runtime"
	"unsafe"
)

// The race detector does not see memory touched by assembly. raceToken
// declares, before each kernel call, exactly the rows the combine kernel
// reads (the token's y rows, its x row when a zero-computation expert
// adds it) and writes (its out row), so that -race reports a caller who
// writes an expert's output while it is combined, whatever
// implementation runs.
const raceEnabled = true

func raceToken[F float32 | uint16](out, y []F, ystride int, x []F, rows []int32) {
	var z F
	sz := int(unsafe.Sizeof(z))
	H := len(out)
	runtime.RaceWriteRange(unsafe.Pointer(&out[0]), H*sz)
	for _, r := range rows {
		if r < 0 {
			runtime.RaceReadRange(unsafe.Pointer(&x[0]), H*sz)
			continue
		}
		runtime.RaceReadRange(unsafe.Pointer(&y[int(r)*ystride]), H*sz)
	}
}
