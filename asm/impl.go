package asm

// Impl names one implementation of the routing kernels.
type Impl uint8

const (
	Go     Impl = iota // RouteGeneric, the pure-Go specification
	AVX2               // amd64: AVX and AVX2 (no FMA)
	AVX512             // amd64: AVX-512 subsets named in its kernel file
	NEON               // arm64: Advanced SIMD
	numImpls
)

func (i Impl) String() string {
	switch i {
	case Go:
		return "go"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	case NEON:
		return "neon"
	}
	return "unknown"
}

// ParseImpl returns the Impl named s (as String prints it).
func ParseImpl(s string) (Impl, bool) {
	for i := Go; i < numImpls; i++ {
		if i.String() == s {
			return i, true
		}
	}
	return 0, false
}

// Available lists the implementations this CPU and build can run, fastest
// first; Go is always last.
func Available() []Impl {
	out := make([]Impl, 0, 3)
	out = appendAvailable(out)
	return append(out, Go)
}

// Best returns the fastest available implementation.
func Best() Impl { return Available()[0] }

// Supported reports whether impl can run here.
func Supported(impl Impl) bool {
	for _, a := range Available() {
		if a == impl {
			return true
		}
	}
	return false
}

// Route runs the kernels of impl on one bounded chunk of tokens, with the
// contract of RouteGeneric. An impl this machine cannot run falls back to Go;
// callers check Supported first. A plan the SIMD kernels do not implement
// (SIMDPlan false) runs RouteGeneric.
func Route(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	if impl != Go && p.SIMDPlan() {
		if r, ok := routeArch(impl, p, s, ids, w, load, x, stride, bias); ok {
			return r
		}
	}
	return RouteGeneric(p, s, ids, w, load, x, stride, bias)
}

// Effective returns the implementation that routes for p when impl is
// asked for: impl itself, or Go where impl cannot run here, the plan has a
// rule the SIMD kernels do not implement (SIMDPlan), or impl declines the
// shape (on amd64, grouped routers with fewer than 9 experts: there the Go
// reference is as fast or faster). A call of one token may run elsewhere:
// EffectiveCall names what routes each call.
func Effective(impl Impl, p *Plan) Impl {
	if impl == Go || !Supported(impl) || !p.SIMDPlan() || !archTakes(impl, p) {
		return Go
	}
	return impl
}

// EffectiveCall is Effective for one call of T tokens, with or without a
// selection bias: Effective(impl, p), or Go where impl hands such a call
// to the reference because the reference is faster there (on amd64: one
// token without a bias on the shapes of the lanes kernels; see
// lanesAVX2MaxT).
func EffectiveCall(impl Impl, p *Plan, T int, hasBias bool) Impl {
	e := Effective(impl, p)
	if e != Go && T > 0 && archCallGo(e, p, T, hasBias) {
		return Go
	}
	return e
}
