package route

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/moegate/moegate/asm"
)

// Input is one batch of tokens to route.
type Input struct {
	// Logits holds the router logits, row-major: token t's logits are
	// Logits[t*Stride : t*Stride+Experts]. Its length must be at least
	// (Tokens-1)*Stride + Experts.
	Logits []float32
	Tokens int
	// Stride is the distance between rows in elements, >= Experts;
	// 0 means Experts.
	Stride int
	// LogitsHalf holds the logits in HalfFormat instead (bfloat16 or
	// float16 bits; exactly one of Logits and LogitsHalf is set), laid out
	// as Logits. Routing them returns what routing their float32
	// conversion (exact) returns: ids, weights, load and errors.
	LogitsHalf []uint16
	HalfFormat HalfFormat
	// Bias is nil or the Experts selection biases: added to the scores for
	// choosing experts, never to the weights.
	Bias []float32
	// ExpertScale is nil or the Experts per-expert output scales (Gemma 4's
	// per_expert_scale, finite): each chosen expert's weight is multiplied
	// by ExpertScale[id], w = float32(w * ExpertScale[id]), after
	// normalisation and after Config.Scale (Gemma 4's router normalises,
	// then scales per expert, and has no routed Scale, so its order against
	// Scale is not observable there). nil means all ones, also when
	// Config.PerExpertScale is set (as a nil Bias means zeros). A zero
	// weight stays +0.
	ExpertScale []float32
	// Mask is nil or has Tokens entries; Mask[t] == false marks token t as
	// padding: its row gets ids -1 and weights 0, and it adds no load (the
	// convention of DeepSeek's kernels and vLLM). Its logits and forced ids
	// are not read, so a NaN there is no error. Runs of real tokens route
	// on the Router's kernels as without a mask.
	Mask []bool
	// ForcedIDs is nil or Tokens*TopK expert ids to route to instead of
	// choosing (routing replay; DeepSeek-V4's hash layers, see HashIDs):
	// out.IDs receives them in the given order, and weights and load are
	// computed from them exactly as for chosen experts: when they are the
	// ids the Router would choose, the weights are the same bits. An id
	// out of [0, Experts) or repeated within a row is an error
	// (*ForcedIDError naming the first bad token and slot); that row gets
	// ids 0..TopK-1, weights 0 and no load, and the other rows are routed.
	// The bias does not move forced ids; it only decides, as in normal
	// routing, whether softmax weights select on logits. Forced routing
	// runs on the Go reference (Router.String says so).
	ForcedIDs []int32
}

// Output receives the routing of a batch; the caller owns every slice.
type Output struct {
	// IDs receives Tokens*TopK expert ids, row-major, each row in
	// descending order of selection score (ties: lower id first), or in
	// the order of Input.ForcedIDs. A padding row (Input.Mask) holds -1.
	// With Config.ZeroExperts, ids >= Experts-ZeroExperts are the
	// zero-computation (identity) experts: a framework adds w * x for them
	// instead of running an expert.
	IDs []int32
	// Weights receives Tokens*TopK weights, aligned with IDs.
	Weights []float32
	// Load is nil or has Experts entries; it is overwritten with the
	// number of tokens of this batch routed to each expert (bad tokens and
	// padding are not counted; zero-computation experts are, like any
	// other column).
	Load []int64
}

// Router routes batches of tokens. A Router is immutable and safe for
// concurrent use (each call with its own Output); Route allocates nothing
// on success.
type Router interface {
	// Route routes in.Tokens tokens into out. On a bad input it returns an
	// error wrapping ErrShape, ErrNonFinite or ErrForcedID; the outputs are
	// then still safe to use: every row holds unique ids in [0, Experts)
	// and finite weights (a bad row gets ids 0..TopK-1 and weights 0), or
	// is a padding row (ids -1, weights 0). Errors about the shapes, the
	// bias or the expert scale refuse the whole batch; with bad logits, bad
	// forced ids or an overflowing weight, the other rows are routed and
	// the error names the first bad token (a bad forced id before bad
	// logits, bad logits before an overflow).
	Route(out Output, in Input) error
	// Config returns the gate's configuration (Scale 0 resolved to 1,
	// Groups 0 resolved to 1).
	Config() Config
	// Impl names the kernel implementation in use: "go", "avx2", "avx512"
	// or "neon". (A few shapes that an implementation's kernels would run
	// slower than the Go reference are handed to the reference; String
	// says so.)
	Impl() string
	// String describes the gate, the kernels and the CPU they run on (as
	// github.com/klauspost/cpuid/v2 names it and its features).
	String() string
}

var (
	// ErrShape is wrapped by errors about slice lengths and strides.
	ErrShape = errors.New("moegate: bad shape")
	// ErrNonFinite is wrapped by errors about NaN or infinite logits,
	// bias or expert scales, and about weights that overflow float32 (a
	// Scale or expert scale so large that a score times it exceeds
	// math.MaxFloat32).
	ErrNonFinite = errors.New("moegate: non-finite input")
	// ErrForcedID is wrapped by errors about Input.ForcedIDs or a hash
	// table (*ForcedIDError names the token and slot).
	ErrForcedID = errors.New("moegate: bad forced expert id")
	// ErrUnsupported is returned for an implementation this machine or
	// build cannot run.
	ErrUnsupported = errors.New("moegate: implementation not supported here")
)

// NonFiniteError names the first NaN or infinity found.
type NonFiniteError struct {
	Input  string // "logits", "bias", "expert scale" or "weights"
	Token  int    // the first bad token (-1 for the bias and the expert scale)
	Expert int    // the first bad expert in that row
	Value  float32
}

func (e *NonFiniteError) Error() string {
	if e.Token < 0 {
		return fmt.Sprintf("moegate: non-finite input: %s[%d] = %v", e.Input, e.Expert, e.Value)
	}
	return fmt.Sprintf("moegate: non-finite input: %s of token %d, expert %d = %v", e.Input, e.Token, e.Expert, e.Value)
}

func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }

// ForcedIDError names the first bad forced id. HashIDs reports a token id
// outside its table with Slot -1 and ID the token id.
type ForcedIDError struct {
	Token, Slot int
	ID          int32
	Reason      string // "is out of range [0, E)", "repeats slot N", or HashIDs' token id reason
}

func (e *ForcedIDError) Error() string {
	if e.Slot < 0 {
		return fmt.Sprintf("moegate: bad forced expert id: token %d: %d %s", e.Token, e.ID, e.Reason)
	}
	return fmt.Sprintf("moegate: bad forced expert id: token %d, slot %d: id %d %s", e.Token, e.Slot, e.ID, e.Reason)
}

func (e *ForcedIDError) Unwrap() error { return ErrForcedID }

// chunk bounds the tokens of one kernel call: assembly is not preemptible.
const chunk = 256

type router struct {
	cfg    Config
	impl   asm.Impl
	plan   asm.Plan
	noBias asm.Plan // plan for calls without a bias: plan or its canonical form
	// path, pathNoBias: how plan and noBias route on impl, decided here
	// once (asm.Choose).
	path, pathNoBias asm.Path
	// oneGo: the implementation hands one-token calls without a bias to
	// the Go reference (asm.EffectiveCall: the amd64 lanes shapes); Route
	// then calls it directly, without the dispatch (a few ns of a 90 ns
	// call).
	oneGo bool
	// mayOverflow: a weight can exceed math.MaxFloat32 (sqrtsoftplus
	// scores reach 1.8e19; unnormalised and scaled by more than 1.8e19).
	mayOverflow bool
	// pool: sync.Pool's fast path (the per-P private slot) takes no
	// locked instruction; an atomic.Pointer cache with a swap and a
	// compare-and-swap cost about twice as much here (2026-12-04: 20-28 ns
	// against 11-15 ns per Get and Put).
	pool sync.Pool // of *asm.Scratch
	half sync.Pool // of *halfScratch (half.go)
}

// New returns a Router for cfg on the fastest implementation this machine
// runs.
func New(cfg Config) (Router, error) { return newRouter(cfg, asm.Best()) }

// NewReference returns a Router on the pure-Go specification, which every
// other implementation matches bit for bit. Frameworks can test their
// integration against it.
func NewReference(cfg Config) (Router, error) { return newRouter(cfg, asm.Go) }

// NewImpl returns a Router on the named implementation ("go", "avx2",
// "avx512", "neon"); ErrUnsupported if this machine or build cannot run it.
func NewImpl(cfg Config, impl string) (Router, error) {
	i, ok := asm.ParseImpl(impl)
	if !ok || !asm.Supported(i) {
		return nil, fmt.Errorf("%w: %q (available: %v)", ErrUnsupported, impl, Implementations())
	}
	return newRouter(cfg, i)
}

// Implementations lists the implementations available here, fastest first.
func Implementations() []string {
	var out []string
	for _, i := range asm.Available() {
		out = append(out, i.String())
	}
	return out
}

func newRouter(cfg Config, impl asm.Impl) (*router, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Scale = cfg.scale()
	cfg.Groups = cfg.groups()
	cfg.TopGroups = cfg.topGroups()
	r := &router{cfg: cfg, impl: impl}
	r.plan = asm.Plan{
		E: cfg.Experts, K: cfg.TopK,
		Softmax:      cfg.Score == Softmax,
		SqrtSoftplus: cfg.Score == SqrtSoftplus,
		Groups:       cfg.Groups,
		TopGroups:    cfg.TopGroups,
		GroupMax:     cfg.GroupRule == GroupMax,
		Normalize:    cfg.Normalize,
		NormRule:     asm.NormRule(cfg.NormRule),
		Scale:        cfg.Scale,
	}
	if cfg.NormRule == NormClamp {
		r.plan.NormMin = cfg.NormMin
	}
	if !cfg.Normalize {
		// The rule is not used: the plan is the one the kernels run.
		r.plan.NormRule, r.plan.NormMin = asm.NormEps, 0
	}
	r.noBias, _ = r.plan.Canonical()
	r.path = asm.Choose(impl, &r.plan)
	r.pathNoBias = asm.Choose(impl, &r.noBias)
	r.oneGo = impl != asm.Go && asm.EffectiveCall(impl, &r.noBias, 1, false) == asm.Go
	r.mayOverflow = cfg.Score == SqrtSoftplus && !cfg.Normalize && cfg.Scale > 1e19
	return r, nil
}

func (r *router) Config() Config { return r.cfg }
func (r *router) Impl() string   { return r.impl.String() }

func (r *router) Route(out Output, in Input) error {
	E, K, T := r.cfg.Experts, r.cfg.TopK, in.Tokens
	stride := in.Stride
	if stride == 0 {
		stride = E
	}
	if err := r.checkShape(out, in, stride); err != nil {
		safeFill(out, K)
		return err
	}
	if in.LogitsHalf != nil {
		return r.routeHalf(out, in, stride)
	}
	if err := checkFinite(r.impl, "bias", in.Bias); err != nil {
		safeFill(out, K)
		return err
	}
	if err := checkFinite(r.impl, "expert scale", in.ExpertScale); err != nil {
		safeFill(out, K)
		return err
	}
	// Calls without a bias may run a canonical plan of the same bits
	// (asm.Plan.Canonical); every other call runs r.plan.
	plan, path := &r.plan, r.path
	if in.Bias == nil {
		plan, path = &r.noBias, r.pathNoBias
	}
	s := r.scratch()
	load := out.Load
	if load == nil {
		// A sink nobody reads: its counts need no clearing (the kernels
		// only add to them, overflowRows subtracts).
		load = s.Load(E)
	} else {
		clear(load)
	}
	firstBad, firstForced := -1, -1
	for t0 := 0; t0 < T; {
		if in.Mask != nil && !in.Mask[t0] {
			// Padding: its logits are not read.
			for j := t0 * K; j < t0*K+K; j++ {
				out.IDs[j] = -1
				out.Weights[j] = 0
			}
			t0++
			continue
		}
		// A run of real tokens, at most one chunk.
		n := min(chunk, T-t0)
		if in.Mask != nil {
			n = 1
			for n < chunk && t0+n < T && in.Mask[t0+n] {
				n++
			}
		}
		x := in.Logits[t0*stride:]
		ids, w := out.IDs[t0*K:(t0+n)*K], out.Weights[t0*K:(t0+n)*K]
		var b int
		if raceEnabled {
			// Exactly the memory the kernels touch (see race.go).
			raceKernel(s, ids, w, load, x[:(n-1)*stride+E], in.Bias)
		}
		if in.ForcedIDs != nil {
			var bf int
			// r.plan, never the canonical plan: forced ids need not hold
			// the row maximum, and then the rules differ.
			b, bf = r.path.RouteForced(&r.plan, s, ids, w, load, x, stride, in.Bias, in.ForcedIDs[t0*K:(t0+n)*K])
			if bf >= 0 && firstForced < 0 {
				firstForced = t0 + bf
			}
		} else if n == 1 && r.oneGo && in.Bias == nil {
			b = asm.RouteGeneric(plan, s, ids, w, load, x, stride, in.Bias)
		} else {
			b = path.Route(plan, s, ids, w, load, x, stride, in.Bias)
		}
		if b >= 0 && firstBad < 0 {
			firstBad = t0 + b
		}
		t0 += n
	}
	var overflow *NonFiniteError
	if r.mayOverflow {
		// Before the expert scales: an infinite weight times a zero scale
		// would be NaN.
		overflow = overflowRows(out, load, K)
	}
	if in.ExpertScale != nil {
		expertScale(out, in.ExpertScale)
		if o := overflowRows(out, load, K); o != nil && (overflow == nil || o.Token < overflow.Token) {
			overflow = o
		}
	}
	r.release(s) // after the last use of its load sink
	if firstForced >= 0 {
		return checkForcedRow(in.ForcedIDs[firstForced*K:firstForced*K+K], firstForced, E)
	}
	if firstBad >= 0 {
		row := in.Logits[firstBad*stride : firstBad*stride+E]
		for i, v := range row {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return &NonFiniteError{Input: "logits", Token: firstBad, Expert: i, Value: v}
			}
		}
	}
	if overflow != nil {
		return overflow
	}
	return nil
}

// scratch returns scratch memory for one call, from the pool or new.
func (r *router) scratch() *asm.Scratch {
	if s, _ := r.pool.Get().(*asm.Scratch); s != nil {
		return s
	}
	return r.plan.NewScratch()
}

// release hands s back to the pool.
func (r *router) release(s *asm.Scratch) { r.pool.Put(s) }

// checkFinite returns a *NonFiniteError naming the first NaN or infinity
// of a per-expert input, or nil. The check itself is asm.AllFinite, a
// vector kernel on amd64: with float32 compares and a branch per element
// DeepSeek-V3's 256-entry bias cost about 170 ns of a 480 ns call at T=1
// on avx512, the kernel about 17 ns (BenchmarkAllFinite in package asm;
// the Go reference runs the Go loop, about 135 ns).
func checkFinite(impl asm.Impl, name string, v []float32) error {
	if raceEnabled {
		raceFinite(v)
	}
	if asm.AllFinite(impl, v) {
		return nil
	}
	for i, x := range v {
		if x != x || x > math.MaxFloat32 || x < -math.MaxFloat32 { // NaN or ±Inf
			return &NonFiniteError{Input: name, Token: -1, Expert: i, Value: x}
		}
	}
	return nil
}

// expertScale multiplies every weight by the per-expert scale of its id:
// w = float32(w * scale[id]), one rounding after normalisation and
// Config.Scale, on every implementation. Zero weights (bad rows, padding
// rows, weights that underflowed) stay +0.
func expertScale(out Output, scale []float32) {
	for i, id := range out.IDs {
		if v := out.Weights[i]; v != 0 && id >= 0 {
			out.Weights[i] = float32(v * scale[id])
		}
	}
}

// overflowRows finds rows with a weight that overflowed float32 (a
// product of Scale, a score above 1 and an expert scale beyond
// math.MaxFloat32): each becomes a bad row (ids 0..K-1, weights 0, its load
// taken back). It returns the error naming the first, or nil.
func overflowRows(out Output, load []int64, K int) *NonFiniteError {
	var first *NonFiniteError
	for t := 0; t*K < len(out.Weights); t++ {
		w := out.Weights[t*K : t*K+K]
		for j, v := range w {
			if !math.IsInf(float64(v), 0) {
				continue
			}
			ids := out.IDs[t*K : t*K+K]
			if first == nil {
				first = &NonFiniteError{Input: "weights", Token: t, Expert: int(ids[j]), Value: v}
			}
			for _, id := range ids {
				load[id]--
			}
			asm.SafeRow(ids, w)
			break
		}
	}
	return first
}

func (r *router) checkShape(out Output, in Input, stride int) error {
	E, K, T := r.cfg.Experts, r.cfg.TopK, in.Tokens
	if err := checkLogits(in); err != nil {
		return err
	}
	switch {
	case T < 0:
		return fmt.Errorf("%w: Tokens = %d, must be >= 0", ErrShape, T)
	case stride < E:
		return fmt.Errorf("%w: Stride = %d, must be >= Experts = %d (or 0)", ErrShape, in.Stride, E)
	case T > math.MaxInt32/K:
		return fmt.Errorf("%w: Tokens = %d, Tokens*TopK must fit in int32", ErrShape, T)
	case len(out.IDs) != T*K:
		return fmt.Errorf("%w: len(IDs) = %d, want Tokens*TopK = %d", ErrShape, len(out.IDs), T*K)
	case len(out.Weights) != T*K:
		return fmt.Errorf("%w: len(Weights) = %d, want Tokens*TopK = %d", ErrShape, len(out.Weights), T*K)
	case out.Load != nil && len(out.Load) != E:
		return fmt.Errorf("%w: len(Load) = %d, want Experts = %d (or nil)", ErrShape, len(out.Load), E)
	case in.Bias != nil && len(in.Bias) != E:
		return fmt.Errorf("%w: len(Bias) = %d, want Experts = %d (or nil)", ErrShape, len(in.Bias), E)
	case in.ExpertScale != nil && len(in.ExpertScale) != E:
		return fmt.Errorf("%w: len(ExpertScale) = %d, want Experts = %d (or nil)", ErrShape, len(in.ExpertScale), E)
	case in.Mask != nil && len(in.Mask) != T:
		return fmt.Errorf("%w: len(Mask) = %d, want Tokens = %d (or nil)", ErrShape, len(in.Mask), T)
	case in.ForcedIDs != nil && len(in.ForcedIDs) != T*K:
		return fmt.Errorf("%w: len(ForcedIDs) = %d, want Tokens*TopK = %d (or nil)", ErrShape, len(in.ForcedIDs), T*K)
	}
	if T > 0 {
		// (T-1)*stride + E, without overflow.
		if stride > 0 && T-1 > (math.MaxInt-E)/stride {
			return fmt.Errorf("%w: Tokens*Stride overflows", ErrShape)
		}
		if n, name := logitsLen(in); n < (T-1)*stride+E {
			need := (T-1)*stride + E
			return fmt.Errorf("%w: len(%s) = %d, want at least (Tokens-1)*Stride + Experts = %d", ErrShape, name, n, need)
		}
	}
	return nil
}

// safeFill makes whatever outputs exist safe after a rejected call: each
// row of K ids is 0..K-1, weights are 0, load is 0.
func safeFill(out Output, K int) {
	for i := range out.IDs {
		out.IDs[i] = int32(i % K)
	}
	clear(out.Weights)
	clear(out.Load)
}
