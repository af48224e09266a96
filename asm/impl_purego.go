//go:build purego || !gc || !(amd64 || arm64)

package asm

func appendAvailable(out []Impl) []Impl { return out }

func routeArch(Impl, *Plan, *Scratch, []int32, []float32, []int64, []float32, int, []float32) (int, bool) {
	return 0, false
}

func archTakes(impl Impl, p *Plan) bool { return false }
