package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/moegate/moegate/route"
)

// routeFiles runs moegate route and returns the three output files' bytes.
func routeFiles(t *testing.T, args ...string) (experts, weights, load []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "o")
	res := moegate(t, append(append([]string{"route"}, args...), "--out", out)...)
	if res.code != 0 {
		t.Fatalf("moegate route %v: exit %d: %s", args, res.code, res.stderr)
	}
	read := func(n string) []byte {
		b, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return read("experts.npy"), read("weights.npy"), read("load.npy")
}

// TestRouteModesGood: forced ids reproduce a normal routing given its own
// ids; hash routing equals forced routing with the table's rows; a mask
// gives rows of -1 and 0 and no load; an expert scale multiplies each
// weight by its expert's scale; and every run equals the Go API's result
// bit for bit.
func TestRouteModesGood(t *testing.T) {
	p, err := route.LookupPreset("deepseek-v3")
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Config
	const T = 37
	E, K := cfg.Experts, cfg.TopK
	dir := t.TempDir()
	pth := func(n string) string { return filepath.Join(dir, n) }
	x := testLogits(T, E, 21)
	rng := rand.New(rand.NewPCG(8, 9))
	bias := make([]float32, E)
	scale := make([]float32, E)
	for i := range bias {
		bias[i] = float32(rng.NormFloat64() * 0.05)
		scale[i] = float32(0.5 + rng.Float64())
	}
	writeFile(t, pth("x.npy"), specNPY(1, "<f4", false, []int{T, E}, f32data(x)))
	writeFile(t, pth("b.npy"), specNPY(1, "<f4", false, []int{E}, f32data(bias)))
	writeFile(t, pth("s.npy"), specNPY(1, "<f4", false, []int{E}, f32data(scale)))
	base := []string{"--config", "deepseek-v3", "--logits", pth("x.npy"), "--bias", pth("b.npy")}

	api := func(in route.Input) route.Output {
		t.Helper()
		r, err := route.NewReference(cfg)
		if err != nil {
			t.Fatal(err)
		}
		in.Logits, in.Tokens, in.Bias = x, T, bias
		out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
		if err := r.Route(out, in); err != nil {
			t.Fatal(err)
		}
		return out
	}
	same := func(name string, got [3][]byte, want route.Output) {
		t.Helper()
		if !bytes.Equal(got[0], encodeNPY("<i4", []int{T, K}, int32Bytes(want.IDs))) ||
			!bytes.Equal(got[1], encodeNPY("<f4", []int{T, K}, float32Bytes(want.Weights))) ||
			!bytes.Equal(got[2], encodeNPY("<i8", []int{E}, int64Bytes(want.Load))) {
			t.Errorf("%s: the command's outputs differ from the Go API's", name)
		}
	}

	// a normal routing, then its own ids forced (int32 and int64 files)
	e0, w0, l0 := routeFiles(t, base...)
	normal := api(route.Input{})
	same("normal", [3][]byte{e0, w0, l0}, normal)
	writeFile(t, pth("ids32.npy"), encodeNPY("<i4", []int{T, K}, int32Bytes(normal.IDs)))
	ids64 := make([]int64, T*K)
	for i, v := range normal.IDs {
		ids64[i] = int64(v)
	}
	writeFile(t, pth("ids64.npy"), specNPY(1, "<i8", false, []int{T, K}, i64data(ids64...)))
	for _, f := range []string{"ids32.npy", "ids64.npy"} {
		e, w, l := routeFiles(t, append(base, "--ids", pth(f))...)
		if !bytes.Equal(e, e0) || !bytes.Equal(w, w0) || !bytes.Equal(l, l0) {
			t.Errorf("--ids %s (the normal routing's own ids) does not reproduce the normal routing", f)
		}
	}

	// forced ids of another order and other experts: the API's result
	forced := make([]int32, T*K)
	for tk := range T {
		perm := rng.Perm(E)
		for j := range K {
			forced[tk*K+j] = int32(perm[j])
		}
	}
	writeFile(t, pth("forced.npy"), encodeNPY("<i4", []int{T, K}, int32Bytes(forced)))
	e, w, l := routeFiles(t, append(base, "--ids", pth("forced.npy"))...)
	same("forced", [3][]byte{e, w, l}, api(route.Input{ForcedIDs: forced}))

	// hash routing: table[token_ids[t]] forced
	const vocab = 50
	table := make([]int32, vocab*K)
	for v := range vocab {
		perm := rng.Perm(E)
		for j := range K {
			table[v*K+j] = int32(perm[j])
		}
	}
	tok := make([]int64, T)
	hashed := make([]int32, T*K)
	for tk := range tok {
		tok[tk] = int64(rng.IntN(vocab))
		copy(hashed[tk*K:(tk+1)*K], table[tok[tk]*int64(K):(tok[tk]+1)*int64(K)])
	}
	writeFile(t, pth("table.npy"), encodeNPY("<i4", []int{vocab, K}, int32Bytes(table)))
	writeFile(t, pth("tok.npy"), specNPY(1, "<i8", false, []int{T}, i64data(tok...)))
	writeFile(t, pth("hashed.npy"), encodeNPY("<i4", []int{T, K}, int32Bytes(hashed)))
	eh, wh, lh := routeFiles(t, append(base, "--token-ids", pth("tok.npy"), "--table", pth("table.npy"))...)
	ef, wf, lf := routeFiles(t, append(base, "--ids", pth("hashed.npy"))...)
	if !bytes.Equal(eh, ef) || !bytes.Equal(wh, wf) || !bytes.Equal(lh, lf) {
		t.Error("hash routing differs from forced routing with the table's rows")
	}
	same("hash", [3][]byte{eh, wh, lh}, api(route.Input{ForcedIDs: hashed}))

	// a mask: padding rows are -1 and 0 and add no load; real rows route
	// as without the mask
	mask := make([]bool, T)
	mb := make([]byte, T)
	for tk := range mask {
		mask[tk] = tk%3 != 1
		if mask[tk] {
			mb[tk] = 1
		}
	}
	writeFile(t, pth("mask.npy"), specNPY(1, "|b1", false, []int{T}, mb))
	writeFile(t, pth("mask-u1.npy"), specNPY(1, "|u1", false, []int{T}, mb))
	em, wm, lm := routeFiles(t, append(base, "--mask", pth("mask.npy"))...)
	ids32, ws, load := decodeOutputs(t, em, wm, lm, T, K, E)
	wantLoad := make([]int64, E)
	for tk := range T {
		for j := range K {
			i := tk*K + j
			if !mask[tk] {
				if ids32[i] != -1 || math.Float32bits(ws[i]) != 0 {
					t.Fatalf("padding token %d slot %d: id %d weight %v, want -1 and 0", tk, j, ids32[i], ws[i])
				}
				continue
			}
			if ids32[i] != normal.IDs[i] || math.Float32bits(ws[i]) != math.Float32bits(normal.Weights[i]) {
				t.Fatalf("real token %d slot %d: %d %v, want %d %v as without the mask", tk, j, ids32[i], ws[i], normal.IDs[i], normal.Weights[i])
			}
			wantLoad[ids32[i]]++
		}
	}
	for i := range load {
		if load[i] != wantLoad[i] {
			t.Fatalf("load[%d] = %d with the mask, want %d (real tokens only)", i, load[i], wantLoad[i])
		}
	}
	same("mask", [3][]byte{em, wm, lm}, api(route.Input{Mask: mask}))
	e2, w2, l2 := routeFiles(t, append(base, "--mask", pth("mask-u1.npy"))...)
	if !bytes.Equal(e2, em) || !bytes.Equal(w2, wm) || !bytes.Equal(l2, lm) {
		t.Error("a uint8 mask routes differently from the same bool mask")
	}

	// the expert scale multiplies each weight by its expert's scale
	es, wsc, ls := routeFiles(t, append(base, "--expert-scale", pth("s.npy"))...)
	if !bytes.Equal(es, e0) || !bytes.Equal(ls, l0) {
		t.Error("--expert-scale changed the experts or the load")
	}
	_, wScaled, _ := decodeOutputs(t, es, wsc, ls, T, K, E)
	for i, v := range wScaled {
		if want := normal.Weights[i] * scale[normal.IDs[i]]; math.Float32bits(v) != math.Float32bits(want) {
			t.Fatalf("entry %d: weight %v with the scale, want %v = %v * %v", i, v, want, normal.Weights[i], scale[normal.IDs[i]])
		}
	}
	same("expert scale", [3][]byte{es, wsc, ls}, api(route.Input{ExpertScale: scale}))

	// all together: hash routing, a mask and a scale
	ea, wa, la := routeFiles(t, append(base, "--token-ids", pth("tok.npy"), "--table", pth("table.npy"), "--mask", pth("mask.npy"), "--expert-scale", pth("s.npy"))...)
	masked := append([]int32(nil), hashed...)
	for tk := range T {
		if !mask[tk] {
			for j := range K {
				masked[tk*K+j] = int32(j)
			}
		}
	}
	same("hash+mask+scale", [3][]byte{ea, wa, la}, api(route.Input{ForcedIDs: masked, Mask: mask, ExpertScale: scale}))
	// padding tokens' token ids and forced ids are not read: -1 there is fine
	tokPad := append([]int64(nil), tok...)
	idsPad := append([]int64(nil), ids64...)
	for tk := range T {
		if !mask[tk] {
			tokPad[tk] = -1
			for j := range K {
				idsPad[tk*K+j] = -1
			}
		}
	}
	writeFile(t, pth("tok-pad.npy"), specNPY(1, "<i8", false, []int{T}, i64data(tokPad...)))
	writeFile(t, pth("ids-pad.npy"), specNPY(1, "<i8", false, []int{T, K}, i64data(idsPad...)))
	ep, wp, lp := routeFiles(t, append(base, "--token-ids", pth("tok-pad.npy"), "--table", pth("table.npy"), "--mask", pth("mask.npy"), "--expert-scale", pth("s.npy"))...)
	if !bytes.Equal(ep, ea) || !bytes.Equal(wp, wa) || !bytes.Equal(lp, la) {
		t.Error("token id -1 on padding rows changed the hash routing")
	}
	ep, wp, lp = routeFiles(t, append(base, "--ids", pth("ids-pad.npy"), "--mask", pth("mask.npy"))...)
	if !bytes.Equal(ep, em) || !bytes.Equal(wp, wm) || !bytes.Equal(lp, lm) {
		t.Error("forced ids of the normal routing with -1 on padding rows differ from the masked normal routing")
	}
}

// decodeOutputs decodes the command's three files (written by encodeNPY).
func decodeOutputs(t *testing.T, e, w, l []byte, T, K, E int) ([]int32, []float32, []int64) {
	t.Helper()
	off := func(b []byte) []byte { return b[10+int(binary.LittleEndian.Uint16(b[8:10])):] }
	eb, wb, lb := off(e), off(w), off(l)
	if len(eb) != 4*T*K || len(wb) != 4*T*K || len(lb) != 8*E {
		t.Fatalf("output sizes %d %d %d", len(eb), len(wb), len(lb))
	}
	ids := make([]int32, T*K)
	ws := make([]float32, T*K)
	load := make([]int64, E)
	for i := range ids {
		ids[i] = int32(binary.LittleEndian.Uint32(eb[4*i:]))
		ws[i] = math.Float32frombits(binary.LittleEndian.Uint32(wb[4*i:]))
	}
	for i := range load {
		load[i] = int64(binary.LittleEndian.Uint64(lb[8*i:]))
	}
	return ids, ws, load
}
