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
func Supported(impl Impl) bool { return impl == Go || archSupported(impl) }

// A Path is how one plan routes on one implementation, decided once
// (Choose) when a Router is built: the reference, the per-token pipeline
// (routeKernels, pipeline.go) on impl's kernels, or (amd64, few experts)
// the lanes kernels. Only what depends on the call (one token, a stride
// the lanes kernels do not take) is decided per call.
type Path struct {
	impl  Impl // Go: RouteGeneric
	lanes bool // the lanes kernels (amd64)
}

// Choose returns the path of p on impl: Go where impl cannot run here or
// declines the shape (on amd64, grouped routers with fewer than 9 experts:
// there the Go reference is as fast or faster).
func Choose(impl Impl, p *Plan) Path {
	if impl == Go || !Supported(impl) {
		return Path{impl: Go}
	}
	return choose(impl, p)
}

// Impl names the implementation whose kernels route: Effective.
func (c Path) Impl() Impl { return c.impl }

// Route routes one bounded chunk of tokens with the contract of
// RouteGeneric.
func (c Path) Route(p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	switch {
	case c.impl == Go:
		return RouteGeneric(p, s, ids, w, load, x, stride, bias)
	case c.lanes:
		return routeLanesCall(c.impl, p, s, ids, w, load, x, stride, bias)
	}
	return routeKernels(c.impl, p, s, ids, w, load, x, stride, bias)
}

// RouteForced is the package function RouteForced on the path's kernels.
func (c Path) RouteForced(p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32, forced []int32) (badLogits, badIDs int) {
	if c.impl == Go {
		return RouteForced(p, s, ids, w, load, x, stride, bias, forced)
	}
	return routeForcedKernels(c.impl, p, s, ids, w, load, x, stride, bias, forced)
}

// Route runs the kernels of impl on one bounded chunk of tokens, with the
// contract of RouteGeneric: Choose(impl, p).Route. An impl this machine
// cannot run falls back to Go; callers check Supported first.
func Route(impl Impl, p *Plan, s *Scratch, ids []int32, w []float32, load []int64, x []float32, stride int, bias []float32) int {
	return Choose(impl, p).Route(p, s, ids, w, load, x, stride, bias)
}

// Effective returns the implementation that routes for p when impl is
// asked for: Choose(impl, p).Impl(). A call of one token may run
// elsewhere: EffectiveCall names what routes each call.
func Effective(impl Impl, p *Plan) Impl { return Choose(impl, p).Impl() }

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
