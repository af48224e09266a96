package main

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/moegate/moegate/dispatch"
	"github.com/moegate/moegate/route"
)

// Layer is a DeepSeek-style MoE layer: a sigmoid router with a selection
// bias over E routed SwiGLU experts of width I (top-K, normalised, scaled)
// plus one shared expert of the same width. Everything is float32, the
// dtype of moegate's logits and of dispatch's float32 rows; gonum's
// blas32 runs the matrix products.
type Layer struct {
	H, E, I, K int
	Scale      float32
	Gate       []float32 // router weight [E, H]
	Bias       []float32 // selection bias [E] (e_score_correction_bias)
	Experts    []Expert
	Shared     Expert
	router     route.Router
	ws         workspace
}

// workspace holds one forward pass's buffers, reused by the next pass
// with as many tokens or fewer (so that the stage timings measure the
// work, not the first touch of fresh memory).
type workspace struct {
	T                  int
	logits, g, y, a, b []float32
	out, sh, sa, sb    []float32
	ids                []int32
	w                  []float32
	load               []int64
	plan               dispatch.Plan
}

func (l *Layer) buffers(T int) *workspace {
	ws := &l.ws
	if ws.T == T {
		return ws
	}
	H, E, I, K := l.H, l.E, l.I, l.K
	*ws = workspace{T: T,
		logits: make([]float32, T*E), g: make([]float32, T*K*H), y: make([]float32, T*K*H),
		a: make([]float32, T*K*I), b: make([]float32, T*K*I),
		out: make([]float32, T*H), sh: make([]float32, T*H), sa: make([]float32, T*I), sb: make([]float32, T*I),
		ids: make([]int32, T*K), w: make([]float32, T*K), load: make([]int64, E),
		plan: dispatch.NewPlan(T*K, E),
	}
	return ws
}

// Expert is a SwiGLU MLP: down(silu(gate x) * up x), weights in PyTorch's
// nn.Linear layout ([out, in], row-major).
type Expert struct {
	Gate, Up []float32 // [I, H]
	Down     []float32 // [H, I]
}

// splitmix64 is the generator both this program and testdata/gen.py use:
// value i (from 1) of seed is mix(seed + i*0x9E3779B97F4A7C15).
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// tensor returns n values 2u-1 (u = top 24 bits / 2^24) times scale, a
// power of two: exact in float32, the same numbers as gen.py's tensor().
func tensor(seed uint64, n int, scale float32) []float32 {
	s := splitmix64(seed)
	v := make([]float32, n)
	for i := range v {
		u := float32(s.next()>>40) / (1 << 24)
		v[i] = (2*u - 1) * scale
	}
	return v
}

// NewLayer builds the layer of gen.py from its seed: hidden H, E experts
// of width I, top-K, routed scaling factor scale.
func NewLayer(seed uint64, H, E, I, K int, scale float32) (*Layer, error) {
	l := &Layer{H: H, E: E, I: I, K: K, Scale: scale,
		Gate: tensor(seed+2, E*H, 1.0/16),
		Bias: tensor(seed+3, E, 1.0/16),
	}
	for e := 0; e < E; e++ {
		s := seed + 100 + 3*uint64(e)
		l.Experts = append(l.Experts, Expert{tensor(s, I*H, 1.0/32), tensor(s+1, I*H, 1.0/32), tensor(s+2, H*I, 1.0/16)})
	}
	s := seed + 99
	l.Shared = Expert{tensor(s, I*H, 1.0/32), tensor(s+1000, I*H, 1.0/32), tensor(s+2000, H*I, 1.0/16)}
	r, err := route.New(route.Config{Experts: E, TopK: K, Score: route.Sigmoid, Normalize: true, SelectionBias: true, Scale: scale})
	if err != nil {
		return nil, err
	}
	l.router = r
	return l, nil
}

// Input returns the tokens of gen.py: T rows of H from seed+1.
func Input(seed uint64, T, H int) []float32 { return tensor(seed+1, T*H, 1) }

// Stages is the time of each stage of one forward pass.
type Stages struct {
	Gate, Route, Plan, Gather, Experts, Combine, Shared time.Duration
}

func (s Stages) Total() time.Duration {
	return s.Gate + s.Route + s.Plan + s.Gather + s.Experts + s.Combine + s.Shared
}

// Forward is the layer on x [T, H]: out [T, H], and the routing (ids,
// weights [T, K]). The results live in the layer's buffers until the next
// call; a Layer is not safe for concurrent use.
func (l *Layer) Forward(x []float32, T int, st *Stages) (out []float32, ids []int32, w []float32, err error) {
	H, E, I, K := l.H, l.E, l.I, l.K
	ws := l.buffers(T)
	t0 := time.Now()
	// 1. Gate projection: logits [T, E] = x W_g^T.
	logits := ws.logits
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, mat(x, T, H), mat(l.Gate, E, H), 0, mat(logits, T, E))
	t1 := time.Now()
	// 2. Routing (moegate): ids and weights [T, K].
	ids, w, load := ws.ids, ws.w, ws.load
	if err = l.router.Route(route.Output{IDs: ids, Weights: w, Load: load}, route.Input{Logits: logits, Tokens: T, Stride: E, Bias: l.Bias}); err != nil {
		return nil, nil, nil, fmt.Errorf("route: %w", err)
	}
	t2 := time.Now()
	// 3. Dispatch plan, and the tokens' rows gathered in expert order.
	p := ws.plan
	if err = dispatch.Build(p, ids, K, E); err != nil {
		return nil, nil, nil, err
	}
	n := int(p.Offsets[E])
	t3 := time.Now()
	g := ws.g[:n*H]
	if err = dispatch.Gather(g, 0, x, 0, H, T, K, p.Order[:n]); err != nil {
		return nil, nil, nil, err
	}
	t4 := time.Now()
	// 4. Each expert's SwiGLU on its contiguous rows.
	y, a, b := ws.y[:n*H], ws.a, ws.b
	for e := 0; e < E; e++ {
		lo, c := int(p.Offsets[e]), int(p.Counts[e])
		if c == 0 {
			continue
		}
		l.Experts[e].apply(y[lo*H:(lo+c)*H], g[lo*H:(lo+c)*H], a[:c*I], b[:c*I], c, H, I)
	}
	t5 := time.Now()
	// 5. Combine: out[t] = sum_k w[t,k] y[row of (t,k)].
	out = ws.out
	if err = dispatch.Combine(dispatch.Layout{Hidden: H, K: K, Experts: E}, out, y, nil, w, ids, p.Inverse); err != nil {
		return nil, nil, nil, err
	}
	t6 := time.Now()
	// 6. The shared expert on every token, added.
	sh := ws.sh
	l.Shared.apply(sh, x, ws.sa, ws.sb, T, H, I)
	for i, v := range sh {
		out[i] += v
	}
	t7 := time.Now()
	if st != nil {
		st.Gate += t1.Sub(t0)
		st.Route += t2.Sub(t1)
		st.Plan += t3.Sub(t2)
		st.Gather += t4.Sub(t3)
		st.Experts += t5.Sub(t4)
		st.Combine += t6.Sub(t5)
		st.Shared += t7.Sub(t6)
	}
	return out, ids, w, nil
}

// apply writes the expert's output for n rows of x ([n, H]) to y, with
// a and b ([n, I]) as scratch.
func (m *Expert) apply(y, x, a, b []float32, n, H, I int) {
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, mat(x, n, H), mat(m.Gate, I, H), 0, mat(a, n, I))
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, mat(x, n, H), mat(m.Up, I, H), 0, mat(b, n, I))
	for i, v := range a {
		a[i] = silu(v) * b[i]
	}
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, mat(a, n, I), mat(m.Down, H, I), 0, mat(y, n, H))
}

func silu(v float32) float32 { return float32(float64(v) / (1 + math.Exp(-float64(v)))) }

func mat(d []float32, r, c int) blas32.General {
	return blas32.General{Rows: r, Cols: c, Stride: c, Data: d}
}
