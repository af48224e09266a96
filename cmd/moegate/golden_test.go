package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moegate/moegate/internal/golden"
	"github.com/moegate/moegate/route"
)

// The golden cases of route/testdata/golden (an independent PyTorch
// reference; see its README). TestRouteGolden routes every case with the
// moegate binary, from a .npy and a config.json (or the preset), and checks
// the files against the Go API bit for bit, and the experts against the
// reference's on every token it marks clean.

var goldenDir = filepath.Join("..", "..", "route", "testdata", "golden")

func gValues(t *testing.T, blob []byte, src *golden.Source, n int, sha string) []float32 {
	t.Helper()
	v, err := golden.Values(blob, src, n, sha)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// hfConfig writes the case's gate as a Hugging Face config.json.
func hfConfig(c *golden.Case) string {
	cc := c.Config
	method := "greedy"
	if cc.Groups > 1 {
		method = "noaux_tc"
		if cc.GroupRule == "max" {
			method = "group_limited_greedy"
		}
	}
	m := map[string]any{
		"n_routed_experts": cc.Experts, "num_experts_per_tok": cc.TopK, "scoring_func": cc.Score,
		"n_group": cc.Groups, "topk_group": cc.TopGroups, "topk_method": method,
		"norm_topk_prob": cc.Normalize, "routed_scaling_factor": cc.Scale,
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestRouteGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the golden cases take about 7 s natively, minutes under qemu")
	}
	man, err := golden.LoadManifest(goldenDir)
	if err != nil {
		t.Skipf("no golden cases here (%v)", err)
	}
	blob, err := golden.LoadBlob(goldenDir, man)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var nCases, nBad, nTokens int
	for i := range man.Cases {
		c := &man.Cases[i]
		T, E, K := c.Tokens, c.Config.Experts, c.Config.TopK
		x := gValues(t, blob, &c.Logits, T*E, c.LogitsSHA256)
		var bias []float32
		base := filepath.Join(dir, fmt.Sprint(i))
		xp := writeFile(t, base+"-x.npy", specNPY(1, "<f4", false, []int{T, E}, f32data(x)))
		args := []string{"route", "--logits", xp, "--out", base + "-out"}
		if c.Bias != nil {
			bias = gValues(t, blob, c.Bias, E, c.BiasSHA256)
			args = append(args, "--bias", writeFile(t, base+"-b.npy", specNPY(1, "<f4", false, []int{E}, f32data(bias))))
		}
		// Presets by name; every other case through a config.json.
		spec := c.Preset
		if spec == "" || i%2 == 1 {
			spec = writeFile(t, base+"-config.json", []byte(hfConfig(c)))
		}
		var cfg route.Config
		if c.Preset != "" && spec == c.Preset {
			p, _ := route.LookupPreset(c.Preset)
			cfg = p.Config
		} else {
			cfg, err = route.FromHFConfig([]byte(hfConfig(c)))
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
		res := moegate(t, append(args, "--config", spec)...)
		if c.FirstBad != nil {
			want := fmt.Sprintf("token %d), column %d", c.FirstBad.Token, c.FirstBad.Expert)
			if res.code != 2 || !strings.Contains(res.stderr, want) {
				t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.Name, res.code, res.stderr, want)
			}
			if _, err := os.Stat(base + "-out"); !os.IsNotExist(err) {
				t.Errorf("%s: output written for a file with a bad row", c.Name)
			}
			nBad++
			continue
		}
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.Name, res.code, res.stderr)
		}
		ids, w, load := readOutputs(t, base+"-out", T, K, E)
		r, err := route.NewReference(cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
		if err := r.Route(want, route.Input{Logits: x, Tokens: T, Bias: bias}); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for j := range ids {
			if ids[j] != want.IDs[j] || math.Float32bits(w[j]) != math.Float32bits(want.Weights[j]) {
				t.Fatalf("%s: token %d slot %d: moegate route gives %d %v, the Go API %d %v", c.Name, j/K, j%K, ids[j], w[j], want.IDs[j], want.Weights[j])
			}
		}
		for e := range load {
			if load[e] != want.Load[e] {
				t.Fatalf("%s: load[%d] %d, the Go API %d", c.Name, e, load[e], want.Load[e])
			}
		}
		classes := blob[c.Classes : c.Classes+T]
		for tok := 0; tok < T; tok++ {
			if classes[tok] != 0 {
				continue
			}
			for j := 0; j < K; j++ {
				if ref := int32(binary.LittleEndian.Uint32(blob[c.IDs+4*(tok*K+j):])); ids[tok*K+j] != ref {
					t.Fatalf("%s: token %d slot %d: expert %d, the PyTorch reference %d", c.Name, tok, j, ids[tok*K+j], ref)
				}
			}
		}
		os.RemoveAll(base + "-out")
		os.Remove(xp)
		nCases++
		nTokens += T
	}
	t.Logf("%d golden cases (%d tokens) reproduced bit for bit through moegate route; %d with a bad row refused", nCases, nTokens, nBad)
}
