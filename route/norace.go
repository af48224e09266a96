//go:build !race

package route

import "github.com/moegate/moegate/asm"

const raceEnabled = false

// raceKernel is a no-op without -race (see race.go).
func raceKernel(s *asm.Scratch, ids []int32, w []float32, load []int64, x []float32, bias []float32) {
}

// raceFinite is a no-op without -race (see race.go).
func raceFinite(v []float32) {}
