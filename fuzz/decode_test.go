package fuzz

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

// The byte format every Router and kernel target decodes: a fixed 19-byte
// header, then values. Missing bytes read as 0; values past the end of the
// data come from a generator seeded with a hash of the data.
//
//	h[0]     E: < 0x80: eTable[h0 % len]; else 1 + ((h0&0x7F)<<8 | h[1]) % 4096
//	h[2]     K: < 0xF0: 1 + h2 % min(E, 16); else 1 + u16(h[3:5]) % E
//	h[5]     flags: 1 softmax, 2 normalize, 4 groups, 8 GroupMax, 16 bias,
//	         32 load, 64 logits on a guard page, 128 Stride field 0 when stride == E
//	h[6]     groups: divisors(E)[h6 % n] (divisors > 1; none: no groups)
//	h[7]     TopGroups: 1 + h7 % G
//	h[8]     scale: h8%8 < 7: testutil.Scales[h8%8]; 7: float32 bits h[9:13]
//	h[13]    T: < 0xF0: h13 % 9; else u16(h[14:16]) % 600
//	h[16]    stride = E + h16 % 32
//	h[17]    start offset from a 64-byte boundary: h17 % 16
//	h[18]    values: 0 raw float32 (4 bytes, little endian); 1 palette (one
//	         byte: Specials[b] or (b-128)/8); 2 int8/8 (ties); 3 one palette
//	         byte per row (all-equal rows)
//	h[19]    flags of the 2026 routers (issue 9): bits 0-1 score (1:
//	         SqrtSoftplus, overriding flag 1; else as h[5]), bits 2-3
//	         NormRule (3: NormEps), 16 Input.ExpertScale, 32 Input.Mask,
//	         64 Input.ForcedIDs, 128 Config.PerExpertScale
//	h[20]    NormMin (NormClamp only): h20%4 < 3: normMins[h20%4]; 3: float32
//	         bits h[21:25]
//	h[25]    forced ids: h25%4: 0 the reference's own choice, 1 random valid
//	         rows, 2 one id out of range, 3 one id repeated; mask density:
//	         a token is padding with probability ((h25>>2)%4 + 1)/8
//	h[26]    Config.ZeroExperts: u16(h[26:28]) % E
//
// The logits buffer ((T-1)*stride + E values, gaps included) comes first,
// then the bias (E values; mode 3 reads one palette byte per value).
// Expert scales, mask and forced ids come from the generator.
// T*stride is capped at 1<<16 values to keep each run fast.
const headerLen = 28

// normMins are NormClamp's floors by index: ERNIE's, and two that bite.
var normMins = []float32{1e-12, 0.5, 2}

var eTable = testutil.ShapeEs

const (
	fSoftmax = 1 << iota
	fNormalize
	fGroups
	fGroupMax
	fBias
	fLoad
	fGuard
	fZeroStride
)

// h[19] flags.
const (
	gSqrtSoftplus = 1
	gScoreMask    = 3
	gNormShift    = 2
	gScale        = 16
	gMask         = 32
	gForced       = 64
	gPerExpert    = 128
)

// Forced-id kinds (h[25] % 4).
const (
	forcedChosen = iota
	forcedRandom
	forcedRange
	forcedRepeat
)

const (
	modeRaw = iota
	modePalette
	modeInt8
	modeRowConst
)

// spec is one decoded case.
type spec struct {
	cfg      route.Config
	T        int
	stride   int // actual row distance
	offset   int
	zeroStr  bool // Input.Stride = 0
	withBias bool
	withLoad bool
	guard    bool
	mode     int
	logits   []float32 // (T-1)*stride + E values
	bias     []float32 // E values or nil
	values   []byte    // for encode: value bytes of a non-raw seed

	// Issue 9's per-call inputs (generated, not encoded values).
	withScale  bool
	withMask   bool
	withForced bool
	forcedKind int
	maskLevel  int       // (h25>>2)%4
	scale      []float32 // E expert scales or nil
	mask       []bool    // T entries or nil
	forced     []int32   // T*K ids or nil (forcedChosen: filled by the target)
}

func divisors(E int) []int {
	var d []int
	for g := 2; g <= E; g++ {
		if E%g == 0 {
			d = append(d, g)
		}
	}
	return d
}

type byteReader struct {
	b   []byte
	i   int
	rng *rand.Rand
}

func (r *byteReader) left() bool { return r.i < len(r.b) }

func (r *byteReader) byte() byte {
	if r.i < len(r.b) {
		v := r.b[r.i]
		r.i++
		return v
	}
	return byte(r.rng.Uint32())
}

func palette(b byte) float32 {
	if int(b) < len(testutil.Specials) {
		return testutil.Specials[b]
	}
	return float32(int(b)-128) / 8
}

// value reads one value in the given mode.
func (r *byteReader) value(mode int) float32 {
	if !r.left() {
		return float32(r.rng.NormFloat64() * 2)
	}
	switch mode {
	case modeRaw:
		var v [4]byte
		for i := range v {
			v[i] = r.byte()
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(v[:]))
	case modeInt8:
		return float32(int8(r.byte())) / 8
	default:
		return palette(r.byte())
	}
}

func decode(data []byte) spec {
	h := make([]byte, headerLen)
	copy(h, data)
	u16 := func(i int) int { return int(h[i])<<8 | int(h[i+1]) }
	var s spec
	var E int
	if h[0] < 0x80 {
		E = eTable[int(h[0])%len(eTable)]
	} else {
		E = 1 + (int(h[0]&0x7F)<<8|int(h[1]))%4096
	}
	K := 1 + int(h[2])%min(E, 16)
	if h[2] >= 0xF0 {
		K = 1 + u16(3)%E
	}
	fl := h[5]
	c := route.Config{Experts: E, TopK: K, Normalize: fl&fNormalize != 0}
	if fl&fSoftmax != 0 {
		c.Score = route.Softmax
	}
	if fl&fGroups != 0 {
		if d := divisors(E); len(d) > 0 {
			G := d[int(h[6])%len(d)]
			rule := route.GroupTop2Sum
			if fl&fGroupMax != 0 {
				rule = route.GroupMax
			}
			if per := E / G; rule == route.GroupMax || per >= 2 {
				c.Groups, c.GroupRule = G, rule
				c.TopGroups = 1 + int(h[7])%G
				if m := c.TopGroups * per; K > m {
					c.TopK = 1 + (K-1)%m
				}
			}
		}
	}
	g := h[19]
	if g&gScoreMask == gSqrtSoftplus {
		c.Score = route.SqrtSoftplus
	}
	if nr := route.NormRule(g >> gNormShift & 3); nr <= route.NormClamp {
		c.NormRule = nr
	}
	if c.NormRule == route.NormClamp {
		if i := int(h[20]) % 4; i < len(normMins) {
			c.NormMin = normMins[i]
		} else {
			c.NormMin = math.Float32frombits(binary.LittleEndian.Uint32(h[21:25]))
		}
	}
	c.PerExpertScale = g&gPerExpert != 0
	c.ZeroExperts = u16(26) % E
	if i := int(h[8]) % 8; i < len(testutil.Scales) {
		c.Scale = testutil.Scales[i]
	} else {
		c.Scale = math.Float32frombits(binary.LittleEndian.Uint32(h[9:13]))
	}
	s.cfg = c
	s.T = int(h[13]) % 9
	if h[13] >= 0xF0 {
		s.T = u16(14) % 600
	}
	s.stride = E + int(h[16])%32
	if s.T*s.stride > 1<<16 {
		s.T = max(1, (1<<16)/s.stride)
	}
	s.offset = int(h[17]) % 16
	s.zeroStr = fl&fZeroStride != 0 && s.stride == E
	s.withBias = fl&fBias != 0
	s.withLoad = fl&fLoad != 0
	s.guard = fl&fGuard != 0
	s.mode = int(h[18]) % 4
	s.withScale = g&gScale != 0
	s.withMask = g&gMask != 0
	s.withForced = g&gForced != 0
	s.forcedKind = int(h[25]) % 4
	s.maskLevel = int(h[25]>>2) % 4

	hs := fnv.New64a()
	hs.Write(data)
	seed := hs.Sum64()
	r := &byteReader{rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	if len(data) > headerLen {
		r.b = data[headerLen:]
	}
	n := 0
	if s.T > 0 {
		n = (s.T-1)*s.stride + E
	}
	s.logits = make([]float32, n)
	if s.mode == modeRowConst {
		for i := range s.logits {
			s.logits[i] = float32(r.rng.NormFloat64())
		}
		for t := 0; t < s.T; t++ {
			v := r.value(modePalette)
			for i := range E {
				s.logits[t*s.stride+i] = v
			}
		}
	} else {
		for i := range s.logits {
			s.logits[i] = r.value(s.mode)
		}
	}
	if s.withBias {
		s.bias = make([]float32, E)
		bm := s.mode
		if bm == modeRowConst {
			bm = modePalette
		}
		for i := range s.bias {
			s.bias[i] = r.value(bm)
		}
	}
	// Per-call inputs from the generator (seeded by the data, so a
	// mutation anywhere changes them).
	if s.withScale {
		s.scale = make([]float32, E)
		for i := range s.scale {
			switch r.rng.IntN(8) {
			case 0:
				s.scale[i] = 0
			case 1:
				// Non-finite and huge too; non-negative, as the contract
				// checks (testutil.CheckContract) assume.
				s.scale[i] = float32(math.Abs(float64(testutil.Specials[r.rng.IntN(len(testutil.Specials))])))
			default:
				s.scale[i] = float32(0.25 + r.rng.Float64()*2)
			}
		}
	}
	if s.withMask {
		s.mask = make([]bool, s.T)
		for t := range s.mask {
			s.mask[t] = r.rng.IntN(8) > s.maskLevel
		}
	}
	if s.withForced && s.T > 0 {
		K := s.cfg.TopK
		s.forced = make([]int32, s.T*K)
		if s.forcedKind != forcedChosen {
			for t := 0; t < s.T; t++ { // K distinct ids per row (T*E <= 1<<16)
				for j, id := range r.rng.Perm(E)[:K] {
					s.forced[t*K+j] = int32(id)
				}
			}
			bad := r.rng.IntN(s.T * K) // one bad entry
			switch s.forcedKind {
			case forcedRange:
				s.forced[bad] = []int32{-1, int32(E), math.MaxInt32, math.MinInt32}[r.rng.IntN(4)]
			case forcedRepeat:
				if K > 1 {
					t, j := bad/K, bad%K
					s.forced[bad] = s.forced[t*K+(j+1)%K]
				}
			}
		}
	}
	return s
}

// encode is decode's inverse for the fields a seed sets; values are written
// raw (mode 0) unless mode says otherwise and the values are palette bytes.
func encode(s spec, values []byte) []byte {
	c := s.cfg
	h := make([]byte, headerLen)
	E := c.Experts
	if i := slices.Index(eTable, E); i >= 0 {
		h[0] = byte(i)
	} else {
		h[0] = 0x80 | byte((E-1)>>8)
		h[1] = byte(E - 1)
	}
	if c.TopK <= min(E, 16) {
		h[2] = byte(c.TopK - 1)
	} else {
		h[2] = 0xF0
		h[3], h[4] = byte((c.TopK-1)>>8), byte(c.TopK-1)
	}
	var fl byte
	if c.Score == route.Softmax {
		fl |= fSoftmax
	}
	if c.Normalize {
		fl |= fNormalize
	}
	if c.Groups > 1 {
		fl |= fGroups
		h[6] = byte(slices.Index(divisors(E), c.Groups))
		h[7] = byte(c.TopGroups - 1)
		if c.GroupRule == route.GroupMax {
			fl |= fGroupMax
		}
	}
	if s.withBias {
		fl |= fBias
	}
	if s.withLoad {
		fl |= fLoad
	}
	if s.guard {
		fl |= fGuard
	}
	if s.zeroStr {
		fl |= fZeroStride
	}
	h[5] = fl
	if i := slices.Index(testutil.Scales, c.Scale); i >= 0 {
		h[8] = byte(i)
	} else {
		h[8] = 7
		binary.LittleEndian.PutUint32(h[9:13], math.Float32bits(c.Scale))
	}
	if s.T <= 8 {
		h[13] = byte(s.T)
	} else {
		h[13] = 0xF0
		h[14], h[15] = byte(s.T>>8), byte(s.T)
	}
	h[16] = byte(s.stride - E)
	h[17] = byte(s.offset)
	h[18] = byte(s.mode)
	var g byte
	if c.Score == route.SqrtSoftplus {
		g |= gSqrtSoftplus
	}
	g |= byte(c.NormRule) << gNormShift
	if c.NormRule == route.NormClamp {
		if i := slices.Index(normMins, c.NormMin); i >= 0 {
			h[20] = byte(i)
		} else {
			h[20] = 3
			binary.LittleEndian.PutUint32(h[21:25], math.Float32bits(c.NormMin))
		}
	}
	if s.withScale {
		g |= gScale
	}
	if s.withMask {
		g |= gMask
	}
	if s.withForced {
		g |= gForced
	}
	if c.PerExpertScale {
		g |= gPerExpert
	}
	h[19] = g
	h[25] = byte(s.forcedKind) | byte(s.maskLevel)<<2
	h[26], h[27] = byte(c.ZeroExperts>>8), byte(c.ZeroExperts)
	if values == nil && s.mode == modeRaw {
		for _, v := range s.logits {
			values = binary.LittleEndian.AppendUint32(values, math.Float32bits(v))
		}
		for _, v := range s.bias {
			values = binary.LittleEndian.AppendUint32(values, math.Float32bits(v))
		}
	}
	return append(h, values...)
}
