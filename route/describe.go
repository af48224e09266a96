package route

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"

	"github.com/moegate/moegate/asm"
)

// CPUName names the CPU as github.com/klauspost/cpuid/v2 reports it: the
// brand string, or the vendor when the CPU reports none (for example
// under qemu).
func CPUName() string {
	if b := strings.TrimSpace(cpuid.CPU.BrandName); b != "" {
		return b
	}
	if v := cpuid.CPU.VendorString; v != "" {
		return v + " " + runtime.GOARCH
	}
	return "unknown " + runtime.GOARCH + " CPU"
}

// ImplFeatures names, as cpuid reports them, the CPU features an
// implementation's kernels require ("portable Go" for go), marking any
// this CPU lacks with "(absent)". The dispatch itself is decided by
// golang.org/x/sys/cpu in package asm; this is the description a person
// reads.
func ImplFeatures(impl string) string {
	var ids []cpuid.FeatureID
	switch impl {
	case "avx2":
		ids = []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2, cpuid.POPCNT}
	case "avx512":
		ids = []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2, cpuid.AVX512F, cpuid.AVX512DQ, cpuid.POPCNT, cpuid.BMI2}
	case "neon":
		ids = []cpuid.FeatureID{cpuid.ASIMD}
	default:
		return "portable Go"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
		if !cpuid.CPU.Supports(id) {
			parts[i] += "(absent)"
		}
	}
	return strings.Join(parts, " ")
}

// String describes the router: its gate, the kernels it runs and the CPU
// they run on, e.g.
//
//	moegate router: E=256 K=8 sigmoid ...; kernels avx512 [AVX AVX2 AVX512F AVX512DQ POPCNT BMI2] on AMD EPYC 9B45 (family 26, model 2)
//
// Where the implementation hands this gate's shape to the Go reference
// (on amd64: grouped gates with fewer than 9 experts, where the reference
// is as fast or faster), or one-token calls without a bias
// (asm.EffectiveCall), it says so.
func (r *router) String() string {
	c := cpuid.CPU
	impl := r.impl.String()
	s := fmt.Sprintf("moegate router: %v; kernels %s [%s] on %s (family %d, model %d)",
		r.cfg, impl, ImplFeatures(impl), CPUName(), c.Family, c.Model)
	if r.impl == asm.Go {
		return s
	}
	// Whether a path is the reference depends on the shape alone
	// (asm.Choose), which a plan and its canonical form share.
	if eff := r.path.Impl(); eff != r.impl {
		s += fmt.Sprintf("; this shape runs the %s reference", eff)
	}
	// One-token calls without a bias that the implementation hands to
	// the reference, faster there (asm.EffectiveCall; on amd64 the lanes
	// shapes, Mixtral and Llama 4 Scout).
	if r.pathNoBias.Impl() == r.impl && r.oneGo {
		s += "; one-token calls without a bias run on the go reference (faster there)"
	}
	return s
}
