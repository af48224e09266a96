package testutil

import (
	"math"
	"math/rand/v2"

	"github.com/moegate/moegate/route"
)

// Specials are the awkward float32 inputs of DESIGN.md section 5 and a few
// more around the exponential's clamps: signed zeros, infinities, NaN,
// subnormals, +-87.34 (e^x near the smallest normal), +-88.72 (near the
// largest float), +-103.97/+-104 (the clamp), huge values.
var Specials = []float32{
	0, float32(math.Copysign(0, -1)),
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.Float32frombits(1), math.Float32frombits(0x80000001), // +-smallest subnormal
	math.Float32frombits(0x007FFFFF), math.Float32frombits(0x807FFFFF), // +-largest subnormal
	1e-40, -1e-40, math.SmallestNonzeroFloat32 * 3,
	87.34, -87.34, 88.72, -88.72, 87.336, -87.336, 88.7228, -88.7228,
	103.97, -103.97, 104, -104, 104.5, -104.5,
	1, -1, 0.5, -0.5, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
}

// FiniteSpecials are the finite entries of Specials.
var FiniteSpecials = func() []float32 {
	var out []float32
	for _, v := range Specials {
		if f := float64(v); !math.IsNaN(f) && !math.IsInf(f, 0) {
			out = append(out, v)
		}
	}
	return out
}()

// Row kinds for FillRow.
const (
	RowNormal  = iota // N(0, 2^2): realistic router logits
	RowTies           // multiples of 0.5 in [-1.5, 1.5]: many exact ties
	RowWide           // N(0, 40^2): sigmoid saturates, scores tie after rounding
	RowTiny           // N(0, 0.01^2)
	RowEqual          // one value repeated: every expert ties
	RowSpecial        // finite specials mixed with normal values
	RowZeros          // +0 and -0 only: ties across signed zeros
	RowBad            // a NaN or infinity somewhere among normal values
	NumRowKinds
)

// FillRow fills row with values of the given kind.
func FillRow(r *rand.Rand, row []float32, kind int) {
	switch kind {
	case RowEqual:
		v := float32(r.NormFloat64() * 2)
		if r.IntN(3) == 0 {
			v = FiniteSpecials[r.IntN(len(FiniteSpecials))]
		}
		for i := range row {
			row[i] = v
		}
		return
	case RowZeros:
		for i := range row {
			row[i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
		}
		return
	}
	for i := range row {
		switch kind {
		case RowTies:
			row[i] = float32(r.IntN(7)-3) * 0.5
		case RowWide:
			row[i] = float32(r.NormFloat64() * 40)
		case RowTiny:
			row[i] = float32(r.NormFloat64() * 0.01)
		case RowSpecial:
			if r.IntN(3) == 0 {
				row[i] = FiniteSpecials[r.IntN(len(FiniteSpecials))]
			} else {
				row[i] = float32(r.NormFloat64() * 2)
			}
		default:
			row[i] = float32(r.NormFloat64() * 2)
		}
	}
	if kind == RowBad && len(row) > 0 {
		bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7F800001), math.Float32frombits(0xFFFFFFFF)}
		for n := 1 + r.IntN(2); n > 0; n-- {
			row[r.IntN(len(row))] = bad[r.IntN(len(bad))]
		}
	}
}

// RandKind draws a row kind; bad rows only with allowBad.
func RandKind(r *rand.Rand, allowBad bool) int {
	if allowBad && r.IntN(8) == 0 {
		return RowBad
	}
	if r.IntN(3) == 0 {
		return RowNormal
	}
	return r.IntN(RowBad)
}

// RandBias returns a finite selection bias for E experts (with ties and
// zeros), of a random magnitude.
func RandBias(r *rand.Rand, E int) []float32 {
	b := make([]float32, E)
	scale := []float64{0.001, 0.1, 1, 10}[r.IntN(4)]
	for i := range b {
		switch r.IntN(10) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = float32(r.IntN(3)-1) * 0.25
		default:
			b[i] = float32(r.NormFloat64() * scale)
		}
	}
	return b
}

// ShapeEs are the expert counts around every loop threshold (DESIGN.md
// section 5).
var ShapeEs = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	31, 32, 33, 60, 64, 128, 160, 256, 257, 384, 512, 1024}

// Scales used by random configs (0 means 1).
var Scales = []float32{0, 1, 2.5, 2.827, 16, 1e-30, 3e38}

// RandConfig draws a valid Config: E from ShapeEs, around them or uniform
// in [1, maxE]; any K (biased to small); groups with either rule.
func RandConfig(r *rand.Rand, maxE int) route.Config {
	for {
		var E int
		switch r.IntN(3) {
		case 0:
			E = ShapeEs[r.IntN(len(ShapeEs))]
		case 1:
			E = 1 + r.IntN(min(maxE, 300))
		default:
			E = 1 + r.IntN(maxE)
		}
		E = min(E, maxE)
		K := 1 + r.IntN(min(E, 16))
		if r.IntN(24) == 0 { // large K: the heap path, slow in the reference
			K = 1 + r.IntN(E)
		}
		c := route.Config{Experts: E, TopK: K, Score: route.ScoreFunc(r.IntN(2)),
			Normalize: r.IntN(2) == 0, Scale: Scales[r.IntN(len(Scales))]}
		if r.IntN(2) == 0 {
			var divs []int
			for g := 2; g <= E; g++ {
				if E%g == 0 {
					divs = append(divs, g)
				}
			}
			if len(divs) > 0 {
				c.Groups = divs[r.IntN(len(divs))]
				c.TopGroups = 1 + r.IntN(c.Groups)
				c.GroupRule = route.GroupRule(r.IntN(2))
				per := E / c.Groups
				if c.GroupRule == route.GroupTop2Sum && per < 2 {
					continue
				}
				if c.TopK > c.TopGroups*per {
					c.TopK = 1 + r.IntN(c.TopGroups*per)
				}
			}
		}
		// The 2026 rules (issue 9), drawn rarely enough that most
		// configurations stay on the SIMD kernels: softmax NormSum (SIMD
		// through its canonical plan without a bias), sqrtsoftplus and
		// NormClamp (the reference), zero experts (no arithmetic).
		switch r.IntN(16) {
		case 0, 1:
			c.NormRule = route.NormSum
		case 2:
			c.Score = route.SqrtSoftplus
		case 3:
			c.NormRule = route.NormClamp
			c.NormMin = []float32{1e-12, 0.5, 2}[r.IntN(3)]
		case 4:
			c.ZeroExperts = r.IntN(E)
		}
		if !c.Normalize {
			c.NormRule, c.NormMin = route.NormEps, 0
		}
		if c.Validate() != nil {
			continue
		}
		return c
	}
}

// RandPerInput adds issue 9's per-call inputs to in, each with probability
// about 1/8: positive expert scales, a mask (runs of real tokens and
// padding), and forced ids (K distinct ids per row).
func RandPerInput(r *rand.Rand, cfg route.Config, in *route.Input) {
	E, K, T := cfg.Experts, cfg.TopK, in.Tokens
	if r.IntN(8) == 0 {
		in.ExpertScale = make([]float32, E)
		for i := range in.ExpertScale {
			in.ExpertScale[i] = float32(0.125 + r.Float64()*4)
		}
	}
	if r.IntN(8) == 0 && T >= 0 {
		in.Mask = make([]bool, T)
		p := r.IntN(4)
		for t := range in.Mask {
			in.Mask[t] = r.IntN(4) >= p || (t > 0 && in.Mask[t-1] && r.IntN(2) == 0)
		}
	}
	if r.IntN(12) == 0 && T > 0 {
		in.ForcedIDs = make([]int32, T*K)
		perm := make([]int32, E)
		for i := range perm {
			perm[i] = int32(i)
		}
		for t := 0; t < T; t++ { // partial Fisher-Yates: K distinct ids
			for j := 0; j < K; j++ {
				k := j + r.IntN(E-j)
				perm[j], perm[k] = perm[k], perm[j]
			}
			copy(in.ForcedIDs[t*K:t*K+K], perm[:K])
		}
		if r.IntN(4) == 0 {
			in.ForcedIDs[r.IntN(T*K)] = int32(E) // one out of range
		}
	}
}

// RandInput draws T tokens of logits for cfg with a random stride (E or a
// little more, odd strides included) at a random offset from a 64-byte
// boundary, row kinds drawn per token, and a bias with probability 1/2.
func RandInput(r *rand.Rand, cfg route.Config, T int, allowBad bool) route.Input {
	E := cfg.Experts
	stride := E
	switch r.IntN(4) {
	case 1:
		stride = E + 1 + r.IntN(3)
	case 2:
		stride = E + 1 + r.IntN(17)
	}
	n := 0
	if T > 0 {
		n = (T-1)*stride + E
	}
	x := Aligned(n, r.IntN(16))
	for i := range x {
		x[i] = float32(r.NormFloat64()) // gaps between rows: anything finite
	}
	for t := 0; t < T; t++ {
		FillRow(r, x[t*stride:t*stride+E], RandKind(r, allowBad))
	}
	in := route.Input{Logits: x, Tokens: T, Stride: stride}
	if stride == E && r.IntN(2) == 0 {
		in.Stride = 0
	}
	if r.IntN(2) == 0 {
		in.Bias = RandBias(r, E)
	}
	return in
}
