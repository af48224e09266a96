package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moegate/moegate/balance"
	"github.com/moegate/moegate/route"
)

// The study's explicit gradients against central finite differences of
// the batch loss, for token choice (the routing held fixed, the weights
// w_k = s_k / S recomputed from the logits) and Expert Choice (the
// assignment held fixed, the softmax scores recomputed).
func TestStudyGradient(t *testing.T) {
	const T = 24
	E, K, O := studyExperts, studyTopK, studyOut
	task := newStudyTask(3)
	rng := rand.New(rand.NewPCG(1, 2))
	model := newStudyModel(rng)
	for i := range model.G {
		model.G[i] = 0.3 * rng.NormFloat64() // logits of order 1: every term matters
	}
	for i := range model.g {
		model.g[i] = 0.2 * rng.NormFloat64()
	}
	x, y, cl := make([]float64, T*studyIn), make([]float64, T*O), make([]int, T)
	task.sample(rng, x, y, cl)
	l, l32 := make([]float64, T*E), make([]float32, T*E)
	model.logits(l, l32, x, T)
	ref, err := route.NewReference(studyRouterConfig)
	if err != nil {
		t.Fatal(err)
	}
	ids, ws32 := make([]int32, T*K), make([]float32, T*K)
	if err := ref.Route(route.Output{IDs: ids, Weights: ws32}, route.Input{Logits: l32, Tokens: T}); err != nil {
		t.Fatal(err)
	}
	C := balance.Capacity(T, E, K, 1)
	tok := make([]int32, E*C)
	pr, pr32 := make([]float64, T*E), make([]float32, T*E)
	softmaxRows(pr, pr32, l, T)
	if err := balance.ExpertChoice(tok, pr32, T, E, C); err != nil {
		t.Fatal(err)
	}

	for _, ec := range []bool{false, true} {
		// The loss as a function of the parameters, the routing fixed.
		lossOf := func(m *studyModel) float64 {
			ll, ll32 := make([]float64, T*E), make([]float32, T*E)
			m.logits(ll, ll32, x, T)
			yhat := make([]float64, T*O)
			h := make([]float64, O)
			if ec {
				p, p32 := make([]float64, T*E), make([]float32, T*E)
				softmaxRows(p, p32, ll, T)
				for i, t32 := range tok {
					e, tk := i/C, int(t32)
					m.expert(h, e, x[tk*studyIn:(tk+1)*studyIn])
					for j := range h {
						yhat[tk*O+j] += p[tk*E+e] * h[j]
					}
				}
			} else {
				for tk := range T {
					var S float64
					for k := range K {
						S += sigmoid64(ll[tk*E+int(ids[tk*K+k])])
					}
					for k := range K {
						e := int(ids[tk*K+k])
						m.expert(h, e, x[tk*studyIn:(tk+1)*studyIn])
						w := sigmoid64(ll[tk*E+e]) / S
						for j := range h {
							yhat[tk*O+j] += w * h[j]
						}
					}
				}
			}
			var sq float64
			for i := range yhat {
				d := yhat[i] - y[i]
				sq += d * d
			}
			return sq / float64(T*O)
		}
		grad := model.zeroLike()
		dl := make([]float64, T*E)
		sc := newStudyScratch(T)
		var got float64
		if ec {
			got = model.ecStep(grad, dl, x, y, pr, tok, C, T, sc)
		} else {
			ws := make([]float32, T*K)
			for tk := range T {
				var S float64
				for k := range K {
					S += sigmoid64(l[tk*E+int(ids[tk*K+k])])
				}
				for k := range K {
					ws[tk*K+k] = float32(sigmoid64(l[tk*E+int(ids[tk*K+k])]) / S)
				}
			}
			got = model.tcStep(grad, dl, x, y, l, ids, ws, T, sc)
		}
		for tk := range T {
			grad.addRouter(dl[tk*E:(tk+1)*E], x[tk*studyIn:(tk+1)*studyIn])
		}
		if want := lossOf(model); math.Abs(got-want) > 1e-6*want {
			t.Errorf("ec=%v: step loss %v, loss %v", ec, got, want)
		}
		var worst, scale float64
		check := func(name string, p, g []float64) {
			for i := range p {
				orig := p[i]
				p[i] = orig + 1e-6
				lp := lossOf(model)
				p[i] = orig - 1e-6
				lm := lossOf(model)
				p[i] = orig
				fd := (lp - lm) / 2e-6
				scale = math.Max(scale, math.Abs(g[i]))
				if d := math.Abs(fd - g[i]); d > worst {
					worst = d
					if d > 1e-5*math.Max(math.Abs(fd), 1e-2) {
						t.Errorf("ec=%v: d/d%s[%d]: gradient %v, finite differences %v", ec, name, i, g[i], fd)
					}
				}
			}
		}
		check("G", model.G, grad.G)
		check("g", model.g, grad.g)
		check("W", model.W[:3*O*studyIn], grad.W[:3*O*studyIn])
		check("b", model.b, grad.b)
		t.Logf("ec=%v: worst |gradient - finite differences| %.2g (gradient scale %.2g)", ec, worst, scale)
	}
}

// studyNumbers drops the lines that may differ between runs (the kernel,
// time and chart path).
func studyNumbers(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "moegate study:") || strings.HasPrefix(l, "ran ") || strings.HasPrefix(l, "chart:") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// TestStudyQuick runs the example of "moegate study --help" (the --quick
// size) as written, with the progress bar forced: every arm is in the
// table, token choice leaks nothing and Expert Choice leaks, the ranks agree
// with the single controller, the chart is a PNG, the progress bar is drawn;
// then the same on every other implementation here: the same numbers and
// the same chart bytes.
func TestStudyQuick(t *testing.T) {
	help := moegate(t, "study", "--help")
	if help.code != 0 || !strings.Contains(help.stdout, "Flags") {
		t.Fatalf("--help: exit %d:\n%s", help.code, help.stdout)
	}
	i := strings.Index(help.stdout, "Example")
	if i < 0 {
		t.Fatalf("--help has no example:\n%s", help.stdout)
	}
	lines := strings.Split(help.stdout[i:], "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "  moegate study --quick --out /tmp/") {
		t.Fatalf("example %q", lines)
	}
	tmp := t.TempDir()
	args := strings.Fields(strings.ReplaceAll(lines[1], "/tmp/", tmp+"/"))[1:]
	png := args[len(args)-1]
	res := moegate(t, append(args, "--progress")...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "] 20/20") {
		t.Errorf("no progress bar on stderr: %q", res.stderr)
	}
	rowRE := regexp.MustCompile(`(?m)^(.{28}) +([0-9.]+) ± [0-9.]+ +[-+][0-9.]+ ± [0-9.]+ +([0-9.]+) ± [0-9.]+ +([0-9.]+) ± [0-9.]+ +([0-9.]+) ± ([0-9.]+)$`)
	rows := rowRE.FindAllStringSubmatch(res.stdout, -1)
	if len(rows) != len(studyArms()) {
		t.Fatalf("want %d table rows, got %d:\n%s", len(studyArms()), len(rows), res.stdout)
	}
	for i, a := range studyArms() {
		r := rows[i]
		name := strings.TrimSpace(r[1])
		if a.Kind != armLinear && name != a.Name {
			t.Errorf("row %d is %q, want %q", i, name, a.Name)
		}
		leak, _ := strconv.ParseFloat(r[5], 64)
		vg, _ := strconv.ParseFloat(r[3], 64)
		if a.Kind == armExpertChoice {
			if leak <= 0 || vg != 0 {
				t.Errorf("expert choice: leak %v MaxVio_global %v; want > 0 and 0", leak, vg)
			}
		} else if leak != 0 || r[6] != "0.000" {
			t.Errorf("%s: leak %v ± %v, want 0 (token choice is causal)", name, leak, r[6])
		}
	}
	if !strings.Contains(res.stdout, "multi-rank: 2 ranks") || !strings.Contains(res.stdout, "bit for bit, at every step") {
		t.Errorf("no multi-rank verdict:\n%s", res.stdout)
	}
	b, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("chart: %v", err)
	}
	want := studyNumbers(res.stdout)
	for _, impl := range route.Implementations() {
		if strings.Contains(res.stdout, "kernel "+impl+")") {
			continue // the run above
		}
		p := filepath.Join(t.TempDir(), impl+".png")
		r := moegate(t, "study", "--quick", "--impl", impl, "--out", p)
		if r.code != 0 {
			t.Fatalf("--impl %s: exit %d: %s", impl, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "kernel "+impl) {
			t.Errorf("--impl %s: the header does not name it:\n%s", impl, r.stdout)
		}
		if got := studyNumbers(r.stdout); got != want {
			t.Errorf("--impl %s gives other numbers:\n%s\n--- want:\n%s", impl, got, want)
		}
		if c, err := os.ReadFile(p); err != nil || !bytes.Equal(c, b) {
			t.Errorf("--impl %s: the chart's bytes differ (%v)", impl, err)
		}
	}
	// --quick keeps flags that are given; one rank has nothing to compare
	one := moegate(t, "study", "--quick", "--ranks", "1", "--seeds", "1", "--out", "")
	if one.code != 0 || !strings.Contains(one.stdout, "10 arms x 1 seeds") || !strings.Contains(one.stdout, "controllers on 1 ranks") || strings.Contains(one.stdout, "multi-rank") {
		t.Errorf("--quick --ranks 1 --seeds 1: exit %d:\n%s%s", one.code, one.stdout, one.stderr)
	}
	for _, bad := range [][]string{{"--seeds", "0"}, {"--batch", "7"}, {"--lr", "-1"}, {"--ranks", "0"}, {"--heldout", "10"}, {"extra"}, {"--impl", "nope"}} {
		if r := moegate(t, append([]string{"study"}, bad...)...); r.code != 2 {
			t.Errorf("study %v: exit %d, want 2 (%s)", bad, r.code, r.stderr)
		}
	}
}

// moegate balance takes torchtitan's rule, and its state keeps it.
func TestBalanceCenteredSign(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.bin")
	r := moegate(t, "balance", "--synthetic", "2", "--batch", "256", "--rule", "centered-sign", "--state", state)
	if r.code != 0 || !strings.Contains(r.stdout, "centered-sign rule") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = moegate(t, "balance", "--synthetic", "1", "--batch", "256", "--state", state)
	if r.code != 0 || !strings.Contains(r.stdout, "centered-sign rule") || !strings.Contains(r.stdout, "resumed from") {
		t.Fatalf("resumed: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
