package fuzz

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/moegate/moegate/internal/testutil"
	"github.com/moegate/moegate/route"
)

var gen = flag.Bool("gen", false, "rewrite the seed corpora under testdata/fuzz (go generate ./fuzz)")

type seed struct {
	name string
	data []byte
}

// paletteByte returns a palette byte for a value of the given row kind.
func paletteByte(r *rand.Rand, kind int) byte {
	clamp := func(v float64) byte { return byte(max(len(testutil.Specials), min(255, 128+int(math.Round(v))))) }
	switch kind {
	case testutil.RowTies:
		return byte(124 + r.IntN(7))
	case testutil.RowTiny:
		return byte(127 + r.IntN(3))
	case testutil.RowZeros:
		return byte(r.IntN(2)) // Specials[0] = +0, Specials[1] = -0
	case testutil.RowSpecial:
		if r.IntN(3) == 0 {
			return byte(5 + r.IntN(len(testutil.Specials)-5)) // finite specials
		}
	case testutil.RowBad:
		if r.IntN(64) == 0 {
			return byte(2 + r.IntN(3)) // +Inf, -Inf, NaN
		}
	case testutil.RowWide:
		return clamp(r.NormFloat64() * 64)
	}
	return clamp(r.NormFloat64() * 16)
}

// rawSpec builds a spec with rows of the given kinds: raw float32 values
// for small inputs; for large ones palette bytes for the first 512 values
// (the rest come from the decoder's generator), to keep the corpus small.
func rawSpec(r *rand.Rand, c route.Config, kinds []int, stride, offset int, bias, load bool) spec {
	E := c.Experts
	s := spec{cfg: c, T: len(kinds), stride: stride, offset: offset, withBias: bias, withLoad: load, mode: modeRaw}
	if len(kinds)*stride > 256 {
		s.mode = modePalette
		var v []byte
		for t, k := range kinds {
			for i := 0; i < stride && len(v) < 512; i++ {
				if i == E-1 && k == testutil.RowBad {
					v = append(v, 4) // NaN
					continue
				}
				if k == testutil.RowEqual && i > 0 {
					v = append(v, v[t*stride])
					continue
				}
				v = append(v, paletteByte(r, k))
			}
		}
		s.values = v
		return s
	}
	if s.T > 0 {
		s.logits = make([]float32, (s.T-1)*stride+E)
	}
	for i := range s.logits {
		s.logits[i] = float32(r.NormFloat64())
	}
	for t, k := range kinds {
		testutil.FillRow(r, s.logits[t*stride:t*stride+E], k)
	}
	if bias {
		s.bias = testutil.RandBias(r, E)
	}
	return s
}

// routerSeeds are the seeds of FuzzRouter and FuzzKernel (same format).
func routerSeeds() []seed {
	r := rand.New(rand.NewPCG(2026, 11))
	var out []seed
	add := func(name string, s spec, values []byte) {
		if values == nil {
			values = s.values
		}
		for _, o := range out {
			if o.name == name {
				return
			}
		}
		out = append(out, seed{name, encode(s, values)})
	}
	// Every preset: realistic, tied, special and equal rows; then a bad row.
	for i, p := range route.Presets() {
		c := p.Config
		add("preset-"+p.Name, rawSpec(r, c, []int{testutil.RowNormal, testutil.RowTies, testutil.RowSpecial, testutil.RowEqual},
			c.Experts, i%16, c.SelectionBias, true), nil)
		add("preset-"+p.Name+"-bad", rawSpec(r, c, []int{testutil.RowWide, testutil.RowBad, testutil.RowZeros},
			c.Experts+1, (i+7)%16, !c.SelectionBias, true), nil)
	}
	// Every special as a whole row, first among normal values, and
	// alternating with its negation (palette bytes).
	for i := range testutil.Specials {
		for _, sm := range []route.ScoreFunc{route.Sigmoid, route.Softmax} {
			c := route.Config{Experts: 16, TopK: 4, Score: sm, Normalize: true, Scale: 2.5}
			var v []byte
			for range 16 {
				v = append(v, byte(i))
			}
			v = append(v, byte(i))
			for range 15 {
				v = append(v, byte(128+r.IntN(64)-32))
			}
			for j := range 16 {
				if j%2 == 0 {
					v = append(v, byte(i))
				} else {
					v = append(v, byte(128-r.IntN(16)))
				}
			}
			for range 16 { // bias
				v = append(v, byte(128+r.IntN(8)-4))
			}
			s := spec{cfg: c, T: 3, stride: 16, withBias: sm == route.Sigmoid, withLoad: true, mode: modePalette}
			add(fmt.Sprintf("special-%02d-%v-%s", i, testutil.Specials[i], sm), s, v)
		}
	}
	// Every shape E, small and large K, odd strides, offsets.
	for i, E := range append(slices.Clone(testutil.ShapeEs), 4096) {
		for _, K := range []int{min(E, 8), max(1, E/2), E} {
			if K > 16 && E > 1024 && K != E/2 {
				continue
			}
			c := route.Config{Experts: E, TopK: K, Score: route.ScoreFunc(i % 2), Normalize: i%3 == 0, Scale: testutil.Scales[i%len(testutil.Scales)]}
			add(fmt.Sprintf("shape-E%d-K%d", E, K), rawSpec(r, c, []int{testutil.RandKind(r, false), testutil.RowTies},
				E+i%5, i%16, i%2 == 0, i%4 != 0), nil)
		}
	}
	// Group layouts, both rules, several TopGroups.
	for _, E := range []int{8, 16, 64, 160, 256} {
		for _, G := range divisors(E) {
			if G > 16 {
				continue
			}
			for _, rule := range []route.GroupRule{route.GroupTop2Sum, route.GroupMax} {
				if rule == route.GroupTop2Sum && E/G < 2 {
					continue
				}
				for _, TG := range slices.Compact([]int{1, max(1, G/2), G}) {
					K := min(8, TG*E/G)
					c := route.Config{Experts: E, TopK: K, Score: route.ScoreFunc(G % 2), Groups: G, TopGroups: TG, GroupRule: rule, Normalize: true, Scale: 2.5}
					add(fmt.Sprintf("group-E%d-G%d-TG%d-%v", E, G, TG, rule), rawSpec(r, c, []int{testutil.RowNormal, testutil.RowTies},
						E, G%16, G%4 != 0, true), nil)
				}
			}
		}
	}
	// All-equal rows, one palette byte per row.
	for _, E := range []int{8, 33, 256} {
		c := route.Config{Experts: E, TopK: min(E, 8), Score: route.Sigmoid, Normalize: true, Scale: 2.5}
		add(fmt.Sprintf("equalrows-E%d", E), spec{cfg: c, T: 8, stride: E, mode: modeRowConst, withLoad: true},
			[]byte{0, 1, 5, 7, 13, 14, 200, 128})
	}
	// Batches across the Router's 256-token chunk (values from the
	// generator), and inputs flush against a guard page.
	for _, T := range []int{255, 256, 257, 599} {
		c := route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true}
		add(fmt.Sprintf("chunk-T%d", T), spec{cfg: c, T: T, stride: 8, mode: modeInt8, withLoad: true}, nil)
	}
	for _, E := range []int{1, 7, 33, 257} {
		c := route.Config{Experts: E, TopK: min(E, 6), Score: route.Sigmoid, Normalize: true}
		s := rawSpec(r, c, []int{testutil.RowNormal, testutil.RowSpecial, testutil.RowNormal}, E+1, 0, true, true)
		s.guard = true
		add(fmt.Sprintf("guard-E%d", E), s, nil)
	}
	// Stride 0 in the Input, and a scale that is not in the table.
	c := route.Config{Experts: 64, TopK: 6, Score: route.Softmax, Scale: 0.125}
	s := rawSpec(r, c, []int{testutil.RowNormal, testutil.RowTiny}, 64, 3, false, true)
	s.zeroStr = true
	add("stride0-scale0.125", s, nil)
	c.Scale = float32(math.Inf(1))
	add("bad-scale-inf", spec{cfg: c, T: 1, stride: 64}, nil)
	// The 2026 routers (issue 9): each new score and rule, per-expert
	// scales, masks and every kind of forced ids.
	for i, c := range []route.Config{
		{Experts: 256, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		{Experts: 384, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		{Experts: 64, TopK: 8, Score: route.SqrtSoftplus, Groups: 8, TopGroups: 4, Scale: 2.5},
		{Experts: 64, TopK: 6, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12, SelectionBias: true},
		{Experts: 16, TopK: 3, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 0.5},
		{Experts: 256, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum},
		{Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, PerExpertScale: true},
		{Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, NormRule: route.NormSum, SelectionBias: true},
		{Experts: 768, TopK: 12, Score: route.Softmax, Scale: 6, SelectionBias: true, ZeroExperts: 256},
		{Experts: 512, TopK: 22, Score: route.Sigmoid, Normalize: true, Scale: 5, SelectionBias: true},
		{Experts: 32, TopK: 4, Score: route.Sigmoid, Normalize: true, NormRule: route.NormClamp, NormMin: 0.03125},
	} {
		kinds := []int{testutil.RowNormal, testutil.RowSpecial, testutil.RowTies, testutil.RowNormal, testutil.RowBad}
		s := rawSpec(r, c, kinds, c.Experts+i%3, i%16, c.SelectionBias, true)
		s.withScale = c.PerExpertScale || i%2 == 0
		s.withMask = i%3 == 0
		s.maskLevel = i % 4
		add(fmt.Sprintf("mode%02d-%s", i, strings.ReplaceAll(c.String(), " ", "_")), s, nil)
		for kind := forcedChosen; kind <= forcedRepeat; kind++ {
			f := s
			f.withForced, f.forcedKind = true, kind
			f.withMask = kind == forcedRange
			add(fmt.Sprintf("mode%02d-forced%d", i, kind), f, nil)
		}
	}
	return out
}

// spSeeds are the seeds of FuzzSqrtSoftplus: the float seeds, the
// threshold, the subnormal softplus range and the worst cases found.
func spSeeds() []seed {
	out := floatSeeds()
	for i, v := range []float32{20, 20.000002, 19.999998, -17, -17.5, -87.3, -87.396355, -103.97, -104, -1.2807162, -1.3029237, -87.38097, 0.4, 88.7, 1e30} {
		out = append(out, seed{fmt.Sprintf("sp%02d-%v", i, v), []byte(fmt.Sprint(math.Float32bits(v)))})
	}
	return out
}

// floatSeeds are the seeds of FuzzSigmoid and FuzzExpNeg: specials and
// the worst cases the accuracy sweep found.
func floatSeeds() []seed {
	var out []seed
	vals := slices.Clone(testutil.Specials)
	vals = append(vals, -3.4463313, -4.1539173, -5.8606462, -16.935247, -87.96334, -88.01551,
		-87.81238, -87.99412, -4.157294, -81.39479, -87.33736, 17, -17, 9.01, -9.01, 0.1, -0.1, -103.28, -126*0.6931472, -149*0.6931472)
	for i, v := range vals {
		out = append(out, seed{fmt.Sprintf("f%02d-%v", i, v), []byte(fmt.Sprint(math.Float32bits(v)))})
	}
	return out
}

func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_', r == '+':
			return r
		}
		return '_'
	}, s)
}

// fuzzFound reports whether name is one the fuzzer gives the inputs it
// finds: 16 lowercase hex digits.
func fuzzFound(name string) bool {
	if len(name) != 16 {
		return false
	}
	for _, r := range name {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func writeCorpus(t *testing.T, target string, seeds []seed, typ string) {
	dir := filepath.Join("testdata", "fuzz", target)
	// Generated seeds are replaced; inputs the fuzzer found (named by a
	// 16-digit hash, committed as regressions) are kept.
	old, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range old {
		if !fuzzFound(e.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		var body string
		if typ == "bytes" {
			body = fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
		} else {
			body = fmt.Sprintf("go test fuzz v1\nuint32(%s)\n", s.data)
		}
		if err := os.WriteFile(filepath.Join(dir, fileName(s.name)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: %d seeds", target, len(seeds))
}

// TestGenerateCorpus rewrites testdata/fuzz with -gen (go generate ./fuzz);
// without it, it checks that the committed corpora match what it would
// write, so the generator and the files cannot drift apart.
func TestGenerateCorpus(t *testing.T) {
	rs, fs := routerSeeds(), floatSeeds()
	if *gen {
		writeCorpus(t, "FuzzRouter", rs, "bytes")
		writeCorpus(t, "FuzzKernel", rs, "bytes")
		writeCorpus(t, "FuzzSigmoid", fs, "uint32")
		writeCorpus(t, "FuzzExpNeg", fs, "uint32")
		writeCorpus(t, "FuzzSqrtSoftplus", spSeeds(), "uint32")
		return
	}
	for _, target := range []string{"FuzzRouter", "FuzzKernel"} {
		for _, s := range rs {
			b, err := os.ReadFile(filepath.Join("testdata", "fuzz", target, fileName(s.name)))
			if err != nil || string(b) != fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data) {
				t.Fatalf("%s seed %s missing or stale (err %v): run go generate ./fuzz", target, s.name, err)
			}
		}
	}
}

// TestDecodeRoundTrip checks that the raw-mode seeds decode to exactly the
// spec they were encoded from.
func TestDecodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 500; i++ {
		c := testutil.RandConfig(r, 4096)
		in := testutil.RandInput(r, c, r.IntN(9), true)
		stride := in.Stride
		if stride == 0 {
			stride = c.Experts
		}
		if stride-c.Experts >= 32 || in.Tokens*stride > 1<<16 || c.TopGroups > 256 {
			// outside what the format encodes (TopGroups is one byte)
			continue
		}
		s := spec{cfg: c, T: in.Tokens, stride: stride, offset: testutil.Offset(in.Logits), zeroStr: in.Stride == 0 && in.Tokens >= 0,
			withBias: in.Bias != nil, withLoad: i%2 == 0, guard: i%3 == 0, mode: modeRaw,
			logits: in.Logits, bias: in.Bias}
		got := decode(encode(s, nil))
		if !reflect.DeepEqual(bitsOf(got), bitsOf(s)) {
			t.Fatalf("round trip %d:\n got %+v\nwant %+v", i, got.cfg, s.cfg)
		}
	}
}

// bitsOf replaces the float slices by their bits (NaN != NaN for DeepEqual).
func bitsOf(s spec) any {
	conv := func(v []float32) []uint32 {
		if v == nil {
			return nil
		}
		o := make([]uint32, len(v))
		for i := range v {
			o[i] = math.Float32bits(v[i])
		}
		return o
	}
	return struct {
		c          route.Config
		a, b, d    int
		z, w, l, g bool
		m          int
		x, y       []uint32
	}{s.cfg, s.T, s.stride, s.offset, s.zeroStr, s.withBias, s.withLoad, s.guard, s.mode, conv(s.logits), conv(s.bias)}
}
