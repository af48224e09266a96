//go:build gc && !purego

package asm

import "golang.org/x/sys/cpu"

// The arm64 implementation (NEON) runs the per-token pipeline
// (pipeline.go) with the kernels of scores_, groups_, topk_, weights_ and
// sqrtsoftplus_neon_arm64.s (kernels_arm64.go picks them; each .s header
// names its Go twin) for every shape.
//
// hasNEON is set once from golang.org/x/sys/cpu: the NEON kernels execute
// Advanced SIMD only (ASIMD, which every arm64 Linux CPU has). The Go path is
// forced with the purego tag, with GODEBUG=cpu.asimd=off (x/sys/cpu's own
// option), or by asking for the Go impl.
var hasNEON = cpu.ARM64.HasASIMD

func appendAvailable(out []Impl) []Impl {
	if hasNEON {
		out = append(out, NEON)
	}
	return out
}

func archSupported(impl Impl) bool { return impl == NEON && hasNEON }

// choose: the NEON kernels take every shape.
func choose(impl Impl, p *Plan) Path { return Path{impl: impl} }
