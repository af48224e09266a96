package main

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moegate/moegate/route"
)

// The golden cases of route/testdata/golden (an independent PyTorch
// reference; see its README). TestRouteGolden routes every case with the
// moegate binary, from a .npy and a config.json (or the preset), and checks
// the files against the Go API bit for bit, and the experts against the
// reference's on every token it marks clean.

var goldenDir = filepath.Join("..", "..", "route", "testdata", "golden")

type gSpec struct {
	Seed uint64  `json:"seed"`
	Dist string  `json:"dist"`
	A    float64 `json:"a"`
	B    float64 `json:"b"`
}

type gSource struct {
	PRNG *gSpec `json:"prng"`
	Blob *int   `json:"blob"`
}

type gCase struct {
	Name   string `json:"name"`
	Preset string `json:"preset"`
	Config struct {
		Experts   int     `json:"Experts"`
		TopK      int     `json:"TopK"`
		Score     string  `json:"Score"`
		Groups    int     `json:"Groups"`
		TopGroups int     `json:"TopGroups"`
		GroupRule string  `json:"GroupRule"`
		Normalize bool    `json:"Normalize"`
		Scale     float64 `json:"Scale"`
	} `json:"config"`
	Tokens       int      `json:"tokens"`
	Logits       gSource  `json:"logits"`
	LogitsSHA256 string   `json:"logits_sha256"`
	Bias         *gSource `json:"bias"`
	BiasSHA256   string   `json:"bias_sha256"`
	IDs          int      `json:"ids"`
	Classes      int      `json:"classes"`
	FirstBad     *struct {
		Token  int `json:"token"`
		Expert int `json:"expert"`
	} `json:"first_bad"`
}

// gStream is gen.py's stream_values (route/golden_test.go's goldenStream).
func gStream(s *gSpec, n int) []float32 {
	mix := func(i uint64) uint64 {
		z := s.Seed + (i+1)*0x9E3779B97F4A7C15
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		return z ^ z>>31
	}
	out := make([]float32, n)
	for k := range out {
		var t float64
		switch s.Dist {
		case "uniform":
			t = float64(mix(uint64(k))>>40) * 0x1p-24
		case "normal":
			var sum int64
			for q := 0; q < 4; q++ {
				sum += int64(mix(uint64(4*k+q)) >> 40)
			}
			t = float64(sum-1<<25) * 0x1p-24
		default:
			panic("unknown dist " + s.Dist)
		}
		out[k] = float32(float64(s.B*t) + s.A)
	}
	return out
}

func gValues(t *testing.T, blob []byte, src *gSource, n int, sha string) []float32 {
	t.Helper()
	var v []float32
	if src.PRNG != nil {
		v = gStream(src.PRNG, n)
	} else {
		v = make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(blob[*src.Blob+4*i:]))
		}
	}
	if sum := sha256.Sum256(f32data(v)); hex.EncodeToString(sum[:]) != sha {
		t.Fatalf("regenerated input does not match the manifest's sha256")
	}
	return v
}

// hfConfig writes the case's gate as a Hugging Face config.json.
func hfConfig(c *gCase) string {
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
	raw, err := os.ReadFile(filepath.Join(goldenDir, "manifest.json"))
	if err != nil {
		t.Skipf("no golden cases here (%v)", err)
	}
	var man struct {
		Blob  string  `json:"blob"`
		Cases []gCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(goldenDir, man.Blob))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := io.ReadAll(zr)
	f.Close()
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
