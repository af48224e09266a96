package dispatch

import (
	"errors"
	"fmt"
)

// Errors. Every error this package returns wraps one of these sentinels
// (test with errors.Is) and names what was wrong and where.
var (
	// ErrShape: a length, stride, count or geometry that does not fit
	// (negative or zero sizes, buffers too short, mismatched lengths).
	ErrShape = errors.New("dispatch: bad shape")
	// ErrID: an expert id outside [-1, E), or a row index outside y.
	ErrID = errors.New("dispatch: expert id out of range")
	// ErrCapacity: a capacity (or capacity factor) that admits no slot:
	// zero, negative, NaN or infinite.
	ErrCapacity = errors.New("dispatch: bad capacity")
)

func shapeErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShape}, a...)...)
}

func idErr(slot, K int, id int32, E int) error {
	return fmt.Errorf("%w: ids[%d] (token %d, k %d) = %d, want -1 or 0..%d", ErrID, slot, slot/K, slot%K, id, E-1)
}
