package balance

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Rule is the bias update rule.
type Rule uint8

const (
	// Sign is the rule of Wang et al. and DeepSeek-V3:
	// b_i += u * sign(mean(c) - c_i), with sign(0) = 0.
	Sign Rule = iota
	// Linear is the paper's linear variant: b_i += u * (mean(c) - c_i).
	Linear
	// CenteredSign is torchtitan's variant of the sign rule
	// (torchtitan/components/optimizer/optimizer.py, _update_expert_bias):
	// d_i = u * sign(mean(c) - c_i), then d_i -= mean(d), so the biases'
	// sum does not drift. Selection depends on s_i + b_i only through the
	// differences between experts, which the centring leaves unchanged up to
	// float32 rounding: it routes as Sign does.
	CenteredSign
)

func (r Rule) String() string {
	switch r {
	case Sign:
		return "sign"
	case Linear:
		return "linear"
	case CenteredSign:
		return "centered-sign"
	}
	return fmt.Sprintf("Rule(%d)", uint8(r))
}

// DefaultRate is the update rate u used when Options.Rate is 0 (the value
// of both papers).
const DefaultRate float32 = 0.001

// MaxExperts bounds the number of experts; it matches route.MaxExperts.
const MaxExperts = 1 << 24

// Options configure a Controller.
type Options struct {
	// Rate is the update rate u: finite and >= 0; 0 means DefaultRate.
	Rate float32
	// Rule is Sign (the default), Linear or CenteredSign.
	Rule Rule
}

var (
	// ErrConfig is wrapped by errors about a bad expert count or Options.
	ErrConfig = errors.New("balance: bad configuration")
	// ErrShape is wrapped by errors about slice lengths and dimensions.
	ErrShape = errors.New("balance: bad shape")
	// ErrValue is wrapped by errors about bad values: negative counts,
	// expert ids out of range or repeated in a row, NaN, infinite or
	// negative scores.
	ErrValue = errors.New("balance: bad value")
	// ErrCorrupt is wrapped by every error about a saved state that cannot
	// be restored: truncated, wrong magic, unknown version, bad checksum,
	// inconsistent lengths, non-finite bias.
	ErrCorrupt = errors.New("balance: corrupt state")
)

// accum counts the load of one step. inflight counts the Add calls that may
// still write into it; see Add and swapAccum.
type accum struct {
	c        []atomic.Int64
	inflight atomic.Int64
}

// Controller holds the selection bias of one MoE layer and updates it from
// the per-expert load of each training step (auxiliary-loss-free balancing,
// DeepSeek-V3 section 2.1.2; Wang et al. 2024, arXiv 2408.15664).
//
// Concurrency: Bias is lock-free and returns an immutable snapshot. Add is
// lock-free (atomic adds) and safe from many goroutines; an Add concurrent
// with Step is counted whole in exactly one of the two steps, never split,
// lost or counted twice. Step, Update, TakeLoad, ResetGlobal, MarshalBinary
// and UnmarshalBinary serialise among themselves with a mutex.
//
// Use New or Load to make one. The zero Controller has no experts: it is a
// valid target for UnmarshalBinary, and its other methods do nothing (Add
// returns an ErrConfig error).
type Controller struct {
	bias atomic.Pointer[[]float32] // published snapshot, never modified
	acc  atomic.Pointer[accum]     // the step being counted

	mu      sync.Mutex // guards everything below
	opt     Options    // Rate resolved
	spare   *accum     // the other counting buffer, all zero
	steps   int
	global  []int64
	scratch []int64
}

// New returns a Controller for experts experts with all biases 0.
func New(experts int, opt Options) (*Controller, error) {
	if experts < 1 || experts > MaxExperts {
		return nil, fmt.Errorf("%w: experts = %d, must be in [1, %d]", ErrConfig, experts, MaxExperts)
	}
	opt, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	c := &Controller{}
	c.install(opt, 0, make([]float32, experts), make([]int64, experts))
	return c, nil
}

func (o Options) resolve() (Options, error) {
	r := float64(o.Rate)
	if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
		return o, fmt.Errorf("%w: Rate = %v, must be finite and >= 0 (0 means %v)", ErrConfig, o.Rate, DefaultRate)
	}
	if o.Rule > CenteredSign {
		return o, fmt.Errorf("%w: Rule = %d, must be Sign (0), Linear (1) or CenteredSign (2)", ErrConfig, uint8(o.Rule))
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	return o, nil
}

// install replaces the whole state; the caller holds c.mu (or owns c).
// Counts Added to the old accumulator are discarded.
func (c *Controller) install(opt Options, steps int, bias []float32, global []int64) {
	e := len(bias)
	c.opt = opt
	c.steps = steps
	c.global = global
	c.scratch = make([]int64, e)
	c.spare = &accum{c: make([]atomic.Int64, e)}
	c.bias.Store(&bias)
	old := c.acc.Swap(&accum{c: make([]atomic.Int64, e)})
	if old != nil {
		waitIdle(old)
	}
}

// Experts returns the number of experts.
func (c *Controller) Experts() int { return len(c.Bias()) }

// Options returns the options in force, with Rate resolved (never 0).
func (c *Controller) Options() Options {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opt
}

// Bias returns the current bias, one entry per expert, ready to pass as
// route.Input.Bias. It is an immutable snapshot published atomically by the
// last Step or Update: lock-free, never torn, and never modified afterwards,
// so it may be held while later steps run. Callers must not modify it.
func (c *Controller) Bias() []float32 {
	p := c.bias.Load()
	if p == nil {
		return nil
	}
	return *p
}

// Add adds one batch's per-expert counts (e.g. route.Output.Load) to the
// current step. It is lock-free and safe from many goroutines at once. It
// returns an error wrapping ErrShape if len(load) != Experts, or ErrValue if
// a count is negative; nothing is added then.
func (c *Controller) Add(load []int64) error {
	for {
		a := c.acc.Load()
		if a == nil {
			return fmt.Errorf("%w: zero Controller (use New or Load)", ErrConfig)
		}
		if len(load) != len(a.c) {
			return fmt.Errorf("%w: len(load) = %d, want Experts = %d", ErrShape, len(load), len(a.c))
		}
		for i, v := range load {
			if v < 0 {
				return fmt.Errorf("%w: load[%d] = %d, counts must be >= 0", ErrValue, i, v)
			}
		}
		if testHook != nil {
			testHook(hookLoaded)
		}
		// Announce the write, then check that a is still current. A Step
		// that swapped a out before our check makes us retry on the new
		// accumulator; one that swaps it out after our check sees inflight
		// > 0 and waits for us (sequentially consistent atomics).
		a.inflight.Add(1)
		if c.acc.Load() != a {
			a.inflight.Add(-1)
			continue
		}
		if testHook != nil {
			testHook(hookAnnounced)
		}
		for i, v := range load {
			if v != 0 {
				a.c[i].Add(v)
			}
		}
		a.inflight.Add(-1)
		return nil
	}
}

// testHook, set only by tests, is called inside Add at the points named by
// the hook constants, to force interleavings with Step.
var testHook func(point int)

const (
	hookLoaded    = iota // the accumulator is loaded, not yet announced
	hookAnnounced        // announced and checked current, before adding
)

func waitIdle(a *accum) {
	for a.inflight.Load() != 0 {
		runtime.Gosched()
	}
}

// swapAccum makes the spare accumulator current and moves the finished
// step's counts into c.scratch, leaving the old accumulator zeroed as the
// new spare. The caller holds c.mu.
func (c *Controller) swapAccum() []int64 {
	old := c.acc.Swap(c.spare)
	waitIdle(old)
	for i := range old.c {
		v := old.c[i].Swap(0)
		if v < 0 { // the step's int64 counter wrapped: saturate
			v = math.MaxInt64
		}
		c.scratch[i] = v
	}
	c.spare = old
	return c.scratch
}

// StepStats describes one applied step.
type StepStats struct {
	Step    int     // the number of steps applied so far, this one included
	Tokens  int64   // the sum of the step's counts (token-expert pairs: tokens * K)
	MaxVio  float64 // MaxVio of the step's counts
	BiasMin float32 // the smallest bias after the update
	BiasMax float32 // the largest bias after the update
}

// Step applies the update from the counts Added since the last Step (or
// TakeLoad), publishes the new bias, resets the step counts and adds them
// to the run's global counts. An Add concurrent with Step is counted whole
// in this step or the next. On the zero Controller it returns StepStats{}.
//
// The update, in exact arithmetic so that the same sequence of counts gives
// the same bias bits on every machine (Go evaluates float32 and float64
// operations in IEEE single and double precision, and the explicit
// conversions below keep a compiler from fusing a multiply-add):
//
//	sum = Σ_j c_j in int64 (saturating at MaxInt64)
//	Sign:   the sign of e_i = mean - c_i is decided exactly, comparing the
//	        128-bit product c_i*E with sum; then in float32
//	        b_i = b_i - u  if c_i is above the mean,
//	        b_i = b_i + u  if below,
//	        b_i unchanged  if equal (a balanced step moves nothing).
//	CenteredSign: the same exact sign decisions; with n+ experts below the
//	        mean and n- above, m = float32(float64(u) * float64(n+ - n-) /
//	        float64(E)) (rounded once), d_i = float32(±u or 0) - m in
//	        float32, b_i = b_i + d_i in float32, skipped when d_i == 0
//	        (every d_i is 0 on a balanced step).
//	Linear: mean = float64(sum) / float64(E); e_i = mean - float64(c_i) in
//	        float64; d = float32(float64(u) * e_i) (one float64 multiply,
//	        rounded once to float32); b_i = b_i + d in float32, skipped
//	        when d == 0.
//
// A bias that would overflow float32 saturates at ±math.MaxFloat32, so the
// bias is always finite (route rejects infinite biases).
func (c *Controller) Step() StepStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.acc.Load() == nil {
		return StepStats{}
	}
	return c.apply(c.swapAccum())
}

// TakeLoad returns the counts Added since the last Step or TakeLoad and
// resets them, without updating the bias. In multi-rank training each rank
// takes its local counts, the host framework sums them over ranks (an
// all-reduce), and every rank calls Update with the sum.
func (c *Controller) TakeLoad() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.acc.Load() == nil {
		return nil
	}
	return append([]int64(nil), c.swapAccum()...)
}

// Update applies the update from counts summed outside the controller
// (e.g. over ranks), with the same bookkeeping as Step: the new bias is
// published, Steps advances and counts are added to the global counts.
// Counts Added to the controller are left alone. It returns an error
// wrapping ErrShape if len(counts) != Experts, ErrValue if a count is
// negative; the state is unchanged then.
func (c *Controller) Update(counts []int64) (StepStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(counts) != len(c.global) || c.acc.Load() == nil {
		return StepStats{}, fmt.Errorf("%w: len(counts) = %d, want Experts = %d", ErrShape, len(counts), len(c.global))
	}
	for i, v := range counts {
		if v < 0 {
			return StepStats{}, fmt.Errorf("%w: counts[%d] = %d, counts must be >= 0", ErrValue, i, v)
		}
	}
	return c.apply(counts), nil
}

// satAdd adds non-negative int64s, saturating at math.MaxInt64.
func satAdd(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}

// apply is the update documented on Step. The caller holds c.mu; counts
// are >= 0.
func (c *Controller) apply(counts []int64) StepStats {
	old := c.Bias()
	e := len(old)
	nb := make([]float32, e)
	var sum int64
	for _, v := range counts {
		sum = satAdd(sum, v)
	}
	u := c.opt.Rate
	switch c.opt.Rule {
	case Sign:
		for i, b := range old {
			hi, lo := bits.Mul64(uint64(counts[i]), uint64(e))
			switch {
			case hi > 0 || lo > uint64(sum): // c_i > mean
				b = b - u
			case lo < uint64(sum): // c_i < mean
				b = b + u
			}
			nb[i] = saturate(b)
		}
	case CenteredSign:
		sg := make([]int8, e)
		var np, nm int
		for i := range old {
			hi, lo := bits.Mul64(uint64(counts[i]), uint64(e))
			switch {
			case hi > 0 || lo > uint64(sum):
				sg[i] = -1
				nm++
			case lo < uint64(sum):
				sg[i] = 1
				np++
			}
		}
		m := float32(float64(u) * float64(np-nm) / float64(e))
		for i, b := range old {
			d := float32(float32(sg[i])*u) - m
			if d != 0 {
				b = b + d
			}
			nb[i] = saturate(b)
		}
	case Linear:
		mean := float64(sum) / float64(e)
		for i, b := range old {
			d := float32(float64(u) * (mean - float64(counts[i])))
			if d != 0 {
				b = b + d
			}
			nb[i] = saturate(b)
		}
	}
	c.bias.Store(&nb)
	for i, v := range counts {
		c.global[i] = satAdd(c.global[i], v)
	}
	c.steps++
	st := StepStats{Step: c.steps, Tokens: sum, MaxVio: MaxVio(counts), BiasMin: nb[0], BiasMax: nb[0]}
	for _, b := range nb[1:] {
		if b < st.BiasMin {
			st.BiasMin = b
		}
		if b > st.BiasMax {
			st.BiasMax = b
		}
	}
	return st
}

func saturate(b float32) float32 {
	if b > math.MaxFloat32 {
		return math.MaxFloat32
	}
	if b < -math.MaxFloat32 {
		return -math.MaxFloat32
	}
	return b
}

// Steps returns the number of steps applied (Step and Update calls) since
// New, including those of a loaded state.
func (c *Controller) Steps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.steps
}

// GlobalLoad returns a copy of the per-expert counts summed over the steps
// applied since New (or the loaded state's start) or the last ResetGlobal.
// Sums saturate at math.MaxInt64.
func (c *Controller) GlobalLoad() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.global...)
}

// MaxVioGlobal returns MaxVio of GlobalLoad: the paper's MaxVio_global.
func (c *Controller) MaxVioGlobal() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return MaxVio(c.global)
}

// ResetGlobal zeroes the global counts, e.g. to measure MaxVio_global over
// the second half of a run. The bias and Steps are kept.
func (c *Controller) ResetGlobal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.global)
}

// MaxVio returns the maximal violation of a load, (max_i c_i - mean c) /
// mean c, computed in float64 with mean = float64(Σ c) / float64(len).
// It is 0 for an empty or all-zero load. Counts are expected >= 0.
func MaxVio(load []int64) float64 {
	if len(load) == 0 {
		return 0
	}
	var sum float64
	m := load[0]
	for _, v := range load {
		sum += float64(v)
		if v > m {
			m = v
		}
	}
	if sum == 0 {
		return 0
	}
	mean := sum / float64(len(load))
	return (float64(m) - mean) / mean
}
