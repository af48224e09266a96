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
	// by ExpertScale[id], after normalisation and after Config.Scale.
	ExpertScale []float32
	// Mask is nil or has Tokens entries; Mask[t] == false marks token t as
	// padding: its row gets ids -1 and weights 0, and it adds no load (the
	// convention of DeepSeek's kernels and vLLM). Its logits are not read.
	Mask []bool
	// ForcedIDs is nil or Tokens*TopK expert ids to route to instead of
	// choosing (routing replay; DeepSeek-V4's hash layers, see HashIDs):
	// out.IDs receives them in the given order, and weights and load are
	// computed from them exactly as for chosen experts. An id out of
	// [0, Experts) or repeated within a row is an error (*ForcedIDError).
	ForcedIDs []int32
}

// Output receives the routing of a batch; the caller owns every slice.
type Output struct {
	// IDs receives Tokens*TopK expert ids, row-major, each row in
	// descending order of selection score (ties: lower id first).
	IDs []int32
	// Weights receives Tokens*TopK weights, aligned with IDs.
	Weights []float32
	// Load is nil or has Experts entries; it is overwritten with the
	// number of tokens of this batch routed to each expert (bad tokens are
	// not counted).
	Load []int64
}

// Router routes batches of tokens. A Router is immutable and safe for
// concurrent use (each call with its own Output); Route allocates nothing
// on success.
type Router interface {
	// Route routes in.Tokens tokens into out. On a bad input it returns an
	// error wrapping ErrShape or ErrNonFinite; the outputs are then still
	// safe to use: every row holds unique ids in [0, Experts) and finite
	// weights (a bad row gets ids 0..TopK-1 and weights 0).
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
	// ErrNonFinite is wrapped by errors about NaN or infinite logits or bias.
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
	Input  string // "logits" or "bias"
	Token  int    // the first bad token (-1 for the bias)
	Expert int    // the first bad expert in that row
	Value  float32
}

func (e *NonFiniteError) Error() string {
	if e.Token < 0 {
		return fmt.Sprintf("moegate: non-finite input: bias[%d] = %v", e.Expert, e.Value)
	}
	return fmt.Sprintf("moegate: non-finite input: logits of token %d, expert %d = %v", e.Token, e.Expert, e.Value)
}

func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }

// ForcedIDError names the first bad forced id.
type ForcedIDError struct {
	Token, Slot int
	ID          int32
	Reason      string // "out of range [0, E)" or "repeats slot N"
}

func (e *ForcedIDError) Error() string {
	return fmt.Sprintf("moegate: bad forced expert id: token %d, slot %d: id %d %s", e.Token, e.Slot, e.ID, e.Reason)
}

func (e *ForcedIDError) Unwrap() error { return ErrForcedID }

// chunk bounds the tokens of one kernel call: assembly is not preemptible.
const chunk = 256

type router struct {
	cfg  Config
	impl asm.Impl
	plan asm.Plan
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
	// TODO(issue 9): the reference implements these; until then refuse
	// them rather than route them wrongly.
	if cfg.Score == SqrtSoftplus || cfg.NormRule != NormEps {
		return nil, fmt.Errorf("%w: %s is not implemented yet", ErrUnsupported, cfg)
	}
	cfg.Scale = cfg.scale()
	cfg.Groups = cfg.groups()
	cfg.TopGroups = cfg.topGroups()
	r := &router{cfg: cfg, impl: impl}
	r.plan = asm.Plan{
		E: cfg.Experts, K: cfg.TopK,
		Softmax:   cfg.Score == Softmax,
		Groups:    cfg.Groups,
		TopGroups: cfg.TopGroups,
		GroupMax:  cfg.GroupRule == GroupMax,
		Normalize: cfg.Normalize,
		Scale:     cfg.Scale,
	}
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
	if in.ExpertScale != nil || in.Mask != nil || in.ForcedIDs != nil {
		// TODO(issue 9): implemented by the reference; refused until then.
		safeFill(out, K)
		return fmt.Errorf("%w: ExpertScale, Mask and ForcedIDs are not implemented yet", ErrUnsupported)
	}
	if in.Bias != nil {
		// float32 compares: with a float64 conversion this loop cost about
		// 3 ns per expert (DeepSeek-V3, T=1, avx512: 1.29 us per call, now
		// 0.43; BenchmarkRouteHalf/deepseek-v3/T=1 f32-ns/token).
		for i, v := range in.Bias[:E] {
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 { // NaN or ±Inf
				safeFill(out, K)
				return &NonFiniteError{Input: "bias", Token: -1, Expert: i, Value: v}
			}
		}
	}
	s, _ := r.pool.Get().(*asm.Scratch)
	if s == nil {
		s = r.plan.NewScratch()
	}
	load := out.Load
	if load == nil {
		load = s.Load(E)
	}
	clear(load)
	firstBad := -1
	for t0 := 0; t0 < T; t0 += chunk {
		n := min(chunk, T-t0)
		x := in.Logits[t0*stride:]
		ids, w := out.IDs[t0*K:(t0+n)*K], out.Weights[t0*K:(t0+n)*K]
		if raceEnabled {
			// Exactly the memory the kernel touches (see race.go).
			raceKernel(s, ids, w, load, x[:(n-1)*stride+E], in.Bias)
		}
		b := asm.Route(r.impl, &r.plan, s, ids, w, load, x, stride, in.Bias)
		if b >= 0 && firstBad < 0 {
			firstBad = t0 + b
		}
	}
	r.pool.Put(s)
	if firstBad >= 0 {
		row := in.Logits[firstBad*stride : firstBad*stride+E]
		for i, v := range row {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return &NonFiniteError{Input: "logits", Token: firstBad, Expert: i, Value: v}
			}
		}
	}
	return nil
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
