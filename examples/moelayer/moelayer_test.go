package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"testing"
)

type fixture struct {
	Hidden, Experts, Width, Topk, Tokens int
	Scale                                float32
	Seed                                 uint64
	IDs                                  [][]int32
	Weights                              [][]float64
	MinSelectionMargin                   float64 `json:"min_selection_margin"`
	OutRMS                               float64 `json:"out_rms"`
}

// TestAgainstPyTorch runs the layer of testdata/gen.py (the same seeds)
// and compares with its PyTorch float64 forward pass.
//
// Tolerances. Routing: the ids must be equal (the fixture's smallest gap
// between the 6th and 7th selection score is 2.8e-3, far above float32
// rounding of the logits, ~1e-6) and the weights within 1e-5 relative
// (moegate's float32 sigmoid is within 2.5 ulp; the logits are float32
// dot products of 1024 terms, relative error ~ sqrt(1024) * 2^-24 ~ 2e-6
// typical). Output: every element within 1e-5 * rms(out) of the float64
// reference. Go computes in float32 (unit roundoff u = 2^-24 ~ 6e-8)
// through three chained products (inner dimensions 1024 and 256) summed
// over 7 experts; rounding errors of random sign grow like sqrt(n) * u,
// a few 1e-6 of the terms' size, and the weights are exact in both
// languages. Measured: 8.4e-7 * rms (the test logs it), so the bound has
// a 12x margin, while a real bug (a wrong expert, weight or row) moves
// elements by about rms(out), 1e5 times the bound.
func TestAgainstPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	if fx.Hidden != hidden || fx.Experts != experts || fx.Width != width || fx.Topk != topK || fx.Scale != scale || fx.Seed != seed {
		t.Fatalf("fixture geometry %+v differs from the program's constants", fx)
	}
	bin, err := os.ReadFile("testdata/out.bin")
	if err != nil {
		t.Fatal(err)
	}
	T, H, K := fx.Tokens, fx.Hidden, fx.Topk
	if len(bin) != 4*T*H {
		t.Fatalf("out.bin has %d bytes, want %d", len(bin), 4*T*H)
	}
	l, err := NewLayer(fx.Seed, H, fx.Experts, fx.Width, K, fx.Scale)
	if err != nil {
		t.Fatal(err)
	}
	out, ids, w, err := l.Forward(Input(fx.Seed, T, H), T, nil)
	if err != nil {
		t.Fatal(err)
	}
	for tt := 0; tt < T; tt++ {
		for k := 0; k < K; k++ {
			if ids[tt*K+k] != fx.IDs[tt][k] {
				t.Fatalf("token %d: ids %v, PyTorch %v", tt, ids[tt*K:tt*K+K], fx.IDs[tt])
			}
			if d := math.Abs(float64(w[tt*K+k])-fx.Weights[tt][k]) / fx.Weights[tt][k]; d > 1e-5 {
				t.Fatalf("token %d k %d: weight %v, PyTorch %v (rel %.2g)", tt, k, w[tt*K+k], fx.Weights[tt][k], d)
			}
		}
	}
	tol := 1e-5 * fx.OutRMS
	worst := 0.0
	for i := 0; i < T*H; i++ {
		want := float64(math.Float32frombits(binary.LittleEndian.Uint32(bin[4*i:])))
		d := math.Abs(float64(out[i]) - want)
		worst = max(worst, d)
		if d > tol {
			t.Fatalf("out[%d] (token %d, element %d) = %v, PyTorch %v: |diff| %.3g > %.3g", i, i/H, i%H, out[i], want, d, tol)
		}
	}
	t.Logf("worst |diff| %.3g = %.3g x rms(out) (tolerance 1e-5 x rms)", worst, worst/fx.OutRMS)
}
