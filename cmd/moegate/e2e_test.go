package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/moegate/moegate/route"
)

// binDir holds the moegate binary built once for the end-to-end tests.
var binDir string

// runPrefix runs the binary under an emulator when needed.
var runPrefix []string

// buildTags are the tags the test binary was built with that matter to the
// command (set by tags_*_test.go).
var buildTags string

// buildRace builds the binary with -race (set by tags_race_test.go).
var buildRace bool

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "moegate-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// The binary is built with the test's own tags (tags_purego_test.go),
	// GOARCH and GOOS (from the environment), so that under
	// "GOARCH=arm64 go test -exec qemu-aarch64-static" it runs where the test
	// does, through the same -exec wrapper if one is needed.
	args := []string{"build", "-o", filepath.Join(dir, "moegate")}
	if buildTags != "" {
		args = append(args, "-tags", buildTags)
	}
	if buildRace {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building moegate: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// Under "GOARCH=arm64 go test -exec qemu-aarch64-static" on another
	// architecture, the built binary needs the same emulator.
	bin := filepath.Join(dir, "moegate")
	if err := exec.Command(bin, "version").Run(); err != nil && runtime.GOARCH == "arm64" {
		if q, qerr := exec.LookPath("qemu-aarch64-static"); qerr == nil {
			runPrefix = []string{q}
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// moegate runs the built binary.
func moegate(t *testing.T, args ...string) result {
	t.Helper()
	argv := append(append(append([]string(nil), runPrefix...), filepath.Join(binDir, "moegate")), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running moegate %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{o.String(), e.String(), code}
}

// --- .npy from the format's published specification -----------------------
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html:
// magic "\x93NUMPY", major and minor version bytes, a little-endian uint16
// (1.0) or uint32 (2.0) header length, then an ASCII dict literal with the
// keys descr, fortran_order and shape, padded with spaces and ended by '\n'
// so that the data starts at a multiple of 64; then the raw data.

func specNPY(major byte, descr string, fortran bool, shape []int, data []byte) []byte {
	var dims []string
	for _, d := range shape {
		dims = append(dims, strconv.Itoa(d))
	}
	sh := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		sh = "(" + dims[0] + ",)"
	}
	fo := "False"
	if fortran {
		fo = "True"
	}
	dict := "{'descr': '" + descr + "', 'fortran_order': " + fo + ", 'shape': " + sh + ", }"
	pre := 10
	if major == 2 {
		pre = 12
	}
	n := len(dict) + 1
	for (pre+n)%64 != 0 {
		n++
	}
	var b []byte
	b = append(b, 0x93, 'N', 'U', 'M', 'P', 'Y', major, 0)
	if major == 2 {
		b = binary.LittleEndian.AppendUint32(b, uint32(n))
	} else {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
	}
	b = append(b, dict...)
	for i := len(dict); i < n-1; i++ {
		b = append(b, ' ')
	}
	b = append(b, '\n')
	return append(b, data...)
}

func f32data(v []float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

var headerRE = regexp.MustCompile(`^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \(([0-9, ]*)\), *\}\s*$`)

// parseSpecNPY reads a .npy file by the specification (independently of the
// code under test) and returns descr, shape and the raw data.
func parseSpecNPY(t *testing.T, path string) (string, []int, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:6]) != "\x93NUMPY" || b[6] != 1 || b[7] != 0 {
		t.Fatalf("%s: bad magic or version % x", path, b[:8])
	}
	hl := int(binary.LittleEndian.Uint16(b[8:10]))
	if (10+hl)%64 != 0 {
		t.Errorf("%s: data offset %d is not a multiple of 64", path, 10+hl)
	}
	m := headerRE.FindStringSubmatch(string(b[10 : 10+hl]))
	if m == nil {
		t.Fatalf("%s: header %q does not follow the spec", path, b[10:10+hl])
	}
	if m[2] != "False" {
		t.Fatalf("%s: fortran_order %s", path, m[2])
	}
	var shape []int
	for _, f := range strings.Split(m[3], ",") {
		if f = strings.TrimSpace(f); f != "" {
			n, _ := strconv.Atoi(f)
			shape = append(shape, n)
		}
	}
	return m[1], shape, b[10+hl:]
}

func readOutputs(t *testing.T, dir string, T, K, E int) ([]int32, []float32, []int64) {
	t.Helper()
	d, sh, raw := parseSpecNPY(t, filepath.Join(dir, "experts.npy"))
	if d != "<i4" || !equalInts(sh, []int{T, K}) || len(raw) != 4*T*K {
		t.Fatalf("experts.npy: %s %v %d bytes, want <i4 [%d %d]", d, sh, len(raw), T, K)
	}
	ids := make([]int32, T*K)
	for i := range ids {
		ids[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	d, sh, raw = parseSpecNPY(t, filepath.Join(dir, "weights.npy"))
	if d != "<f4" || !equalInts(sh, []int{T, K}) || len(raw) != 4*T*K {
		t.Fatalf("weights.npy: %s %v %d bytes, want <f4 [%d %d]", d, sh, len(raw), T, K)
	}
	w := make([]float32, T*K)
	for i := range w {
		w[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	d, sh, raw = parseSpecNPY(t, filepath.Join(dir, "load.npy"))
	if d != "<i8" || !equalInts(sh, []int{E}) || len(raw) != 8*E {
		t.Fatalf("load.npy: %s %v %d bytes, want <i8 [%d]", d, sh, len(raw), E)
	}
	load := make([]int64, E)
	for i := range load {
		load[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return ids, w, load
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testLogits returns T*E logits with the specials routing must survive:
// exact ties, equal rows, +-0, subnormals, large values.
func testLogits(T, E int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, T*E)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	if T > 3 {
		for e := 0; e < E; e++ {
			x[1*E+e] = 0.25                 // all equal
			x[2*E+e] = float32(e%4) * 0.125 // ties
		}
		x[3*E] = float32(math.Copysign(0, -1))
		x[3*E+1] = math.Float32frombits(1) // subnormal
		x[3*E+2] = 88.72
		x[3*E+3] = -87.34
	}
	return x
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRouteMatchesAPI: moegate route reproduces the Go API bit for bit, on
// files written by the specification, with and without a bias, on the
// fastest implementation and on the reference.
func TestRouteMatchesAPI(t *testing.T) {
	for _, tc := range []struct {
		preset string
		T      int
		bias   bool
		major  byte
	}{
		{"deepseek-v3", 37, true, 1},
		{"deepseek-v3", 300, false, 2},
		{"kimi-k2", 9, true, 1},
		{"deepseek-v2", 20, false, 1},
		{"qwen3-moe", 17, false, 1},
		{"mixtral-8x7b", 64, false, 2},
		{"llama4-scout", 5, false, 1},
	} {
		t.Run(fmt.Sprintf("%s/T=%d/bias=%v", tc.preset, tc.T, tc.bias), func(t *testing.T) {
			p, err := route.LookupPreset(tc.preset)
			if err != nil {
				t.Fatal(err)
			}
			E, K := p.Config.Experts, p.Config.TopK
			dir := t.TempDir()
			x := testLogits(tc.T, E, uint64(tc.T))
			xp := writeFile(t, filepath.Join(dir, "x.npy"), specNPY(tc.major, "<f4", false, []int{tc.T, E}, f32data(x)))
			args := []string{"route", "--config", tc.preset, "--logits", xp}
			var bias []float32
			if tc.bias {
				rng := rand.New(rand.NewPCG(3, 4))
				bias = make([]float32, E)
				for i := range bias {
					bias[i] = float32(rng.NormFloat64() * 0.05)
				}
				bp := writeFile(t, filepath.Join(dir, "b.npy"), specNPY(1, "<f4", false, []int{E}, f32data(bias)))
				args = append(args, "--bias", bp)
			}
			for _, impl := range []string{"", "go"} {
				out := filepath.Join(dir, "out"+impl)
				a := args
				if impl != "" {
					a = append(a, "--impl", impl)
				}
				res := moegate(t, append(a, "--out", out)...)
				if res.code != 0 {
					t.Fatalf("exit %d: %s", res.code, res.stderr)
				}
				ids, w, load := readOutputs(t, out, tc.T, K, E)
				r, err := route.NewReference(p.Config)
				if err != nil {
					t.Fatal(err)
				}
				want := route.Output{IDs: make([]int32, tc.T*K), Weights: make([]float32, tc.T*K), Load: make([]int64, E)}
				if err := r.Route(want, route.Input{Logits: x, Tokens: tc.T, Bias: bias}); err != nil {
					t.Fatal(err)
				}
				for i := range ids {
					if ids[i] != want.IDs[i] || math.Float32bits(w[i]) != math.Float32bits(want.Weights[i]) {
						t.Fatalf("impl %q: entry %d (token %d): got %d %v, want %d %v", impl, i, i/K, ids[i], w[i], want.IDs[i], want.Weights[i])
					}
				}
				for e := range load {
					if load[e] != want.Load[e] {
						t.Fatalf("load[%d] = %d, want %d", e, load[e], want.Load[e])
					}
				}
			}
		})
	}
}

// noFiles fails if dir holds any file (a partial output or a temporary).
func noFiles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "keep.txt" {
			t.Errorf("left behind in %s: %s", dir, e.Name())
		}
	}
}

func TestRouteBadInput(t *testing.T) {
	dir := t.TempDir()
	E := 256
	good := writeFile(t, filepath.Join(dir, "good.npy"), specNPY(1, "<f4", false, []int{4, E}, f32data(testLogits(4, E, 1))))
	nanRow := testLogits(5, E, 2)
	nanRow[3*E+17] = float32(math.NaN())
	infRow := testLogits(5, E, 2)
	infRow[2*E] = float32(math.Inf(1))
	badBias := make([]float32, E)
	badBias[9] = float32(math.NaN())
	f64big := make([]byte, 0, 8*2*E)
	for i := 0; i < 2*E; i++ {
		v := 1.0
		if i == 5 {
			v = 1e300
		}
		f64big = binary.LittleEndian.AppendUint64(f64big, math.Float64bits(v))
	}
	trunc := specNPY(1, "<f4", false, []int{4, E}, f32data(testLogits(4, E, 1)))
	trunc = trunc[:len(trunc)-10]
	files := map[string][]byte{
		"nan.npy":      specNPY(1, "<f4", false, []int{5, E}, f32data(nanRow)),
		"inf.npy":      specNPY(1, "<f4", false, []int{5, E}, f32data(infRow)),
		"narrow.npy":   specNPY(1, "<f4", false, []int{4, 128}, f32data(make([]float32, 4*128))),
		"flat.npy":     specNPY(1, "<f4", false, []int{E}, f32data(make([]float32, E))),
		"cube.npy":     specNPY(1, "<f4", false, []int{2, 2, E}, f32data(make([]float32, 4*E))),
		"int64.npy":    specNPY(1, "<i8", false, []int{2, E}, make([]byte, 16*E)),
		"u2.npy":       specNPY(1, "<u2", false, []int{2, E}, make([]byte, 4*E)),
		"trunc.npy":    trunc,
		"long.npy":     append(specNPY(1, "<f4", false, []int{1, E}, make([]byte, 4*E)), 0, 0, 0, 0),
		"text.npy":     []byte("this is not numpy\n"),
		"v4.npy":       append([]byte("\x93NUMPY\x04\x00"), make([]byte, 60)...),
		"badhdr.npy":   append([]byte("\x93NUMPY\x01\x00\x06\x00{abc}\n"), make([]byte, 8)...),
		"bias-nan.npy": specNPY(1, "<f4", false, []int{E}, f32data(badBias)),
		"bias-2d.npy":  specNPY(1, "<f4", false, []int{1, E}, f32data(make([]float32, E))),
		"big64.npy":    specNPY(1, "<f8", false, []int{2, E}, f64big),
		"cfg.json":     []byte(`{"n_routed_experts": 256, "num_experts_per_tok": 300}`),
	}
	for n, b := range files {
		writeFile(t, filepath.Join(dir, n), b)
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"missing logits", []string{"--logits", p("absent.npy")}, []string{"absent.npy", "no such file"}},
		{"NaN row", []string{"--logits", p("nan.npy")}, []string{"nan.npy", "token 3", "expert 17", "NaN"}},
		{"Inf", []string{"--logits", p("inf.npy")}, []string{"inf.npy", "token 2", "+Inf"}},
		{"experts mismatch", []string{"--logits", p("narrow.npy")}, []string{"narrow.npy", "(4, 128)", "256"}},
		{"1-D logits", []string{"--logits", p("flat.npy")}, []string{"flat.npy", "(256,)", "[T, 256]"}},
		{"3-D logits", []string{"--logits", p("cube.npy")}, []string{"cube.npy", "(2, 2, 256)"}},
		{"int64 dtype", []string{"--logits", p("int64.npy")}, []string{"int64.npy", "<i8", "not supported"}},
		{"uint16 needs --dtype", []string{"--logits", p("u2.npy")}, []string{"u2.npy", "--dtype bfloat16"}},
		{"bad --dtype", []string{"--logits", p("u2.npy"), "--dtype", "int4"}, []string{"--dtype", "int4"}},
		{"truncated", []string{"--logits", p("trunc.npy")}, []string{"trunc.npy", "truncated", "(4, 256)"}},
		{"trailing bytes", []string{"--logits", p("long.npy")}, []string{"long.npy", "trailing bytes"}},
		{"not npy", []string{"--logits", p("text.npy")}, []string{"text.npy", "not a NumPy .npy file"}},
		{"npy version 4", []string{"--logits", p("v4.npy")}, []string{"v4.npy", "version 4.0"}},
		{"malformed header", []string{"--logits", p("badhdr.npy")}, []string{"badhdr.npy", "header"}},
		{"float64 overflow", []string{"--logits", p("big64.npy")}, []string{"big64.npy", "token 0", "expert 5", "+Inf"}},
		{"bias NaN", []string{"--logits", good, "--bias", p("bias-nan.npy")}, []string{"bias-nan.npy", "bias[9]", "NaN"}},
		{"bias shape", []string{"--logits", good, "--bias", p("bias-2d.npy")}, []string{"bias-2d.npy", "(1, 256)", "(256,)"}},
		{"missing bias", []string{"--logits", good, "--bias", p("nobias.npy")}, []string{"nobias.npy", "no such file"}},
		{"unknown preset", []string{"--logits", good, "--config", "gpt-9"}, []string{"gpt-9", "no preset", "deepseek-v3"}},
		{"bad config.json", []string{"--logits", good, "--config", p("cfg.json")}, []string{"cfg.json", "TopK"}},
		{"unknown impl", []string{"--logits", good, "--impl", "sse9"}, []string{"sse9"}},
		{"no --logits", []string{}, []string{"--logits is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := []string{"route", "--config", "deepseek-v3"}
			args = append(args, tc.args...)
			args = append(args, "--out", out)
			// --config given twice: the last wins, as with the flag package.
			res := moegate(t, args...)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", res.code, res.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr %q lacks %q", res.stderr, w)
				}
			}
			if strings.Contains(res.stderr, "panic") || strings.Contains(res.stderr, "goroutine") {
				t.Errorf("stderr shows a panic: %s", res.stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out %s was created on a bad input", out)
			}
		})
	}
	t.Run("no --out", func(t *testing.T) {
		res := moegate(t, "route", "--config", "deepseek-v3", "--logits", good)
		if res.code != 2 || !strings.Contains(res.stderr, "--out is required") {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
	t.Run("unknown flag", func(t *testing.T) {
		res := moegate(t, "route", "--nope")
		if res.code != 2 || !strings.Contains(res.stderr, "nope") {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
	t.Run("old outputs untouched", func(t *testing.T) {
		out := t.TempDir()
		writeFile(t, filepath.Join(out, "keep.txt"), []byte("x"))
		res := moegate(t, "route", "--config", "deepseek-v3", "--logits", p("nan.npy"), "--out", out)
		if res.code != 2 {
			t.Fatalf("exit %d", res.code)
		}
		noFiles(t, out)
	})
	t.Run("unwritable out", func(t *testing.T) {
		blocker := writeFile(t, filepath.Join(t.TempDir(), "file"), []byte("x"))
		res := moegate(t, "route", "--config", "deepseek-v3", "--logits", good, "--out", filepath.Join(blocker, "sub"))
		if res.code == 0 || !strings.Contains(res.stderr, "--out") {
			t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
		}
	})
}

// TestRouteConversions: float64 (also Fortran order), float16 and bfloat16
// (uint16) files holding the same values as a float32 file route the same.
func TestRouteConversions(t *testing.T) {
	const T, E = 6, 256
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, T*E)
	for i := range x {
		// k/128 with |k| < 256: exact in float16 and bfloat16
		x[i] = float32(rng.IntN(511)-255) / 128
	}
	dir := t.TempDir()
	f4 := specNPY(1, "<f4", false, []int{T, E}, f32data(x))
	var f8F, f2, bf, f4be []byte
	for e := 0; e < E; e++ { // column-major
		for tk := 0; tk < T; tk++ {
			f8F = binary.LittleEndian.AppendUint64(f8F, math.Float64bits(float64(x[tk*E+e])))
		}
	}
	for _, v := range x {
		f2 = binary.LittleEndian.AppendUint16(f2, f32to16(v))
		bf = binary.LittleEndian.AppendUint16(bf, uint16(math.Float32bits(v)>>16))
		f4be = binary.BigEndian.AppendUint32(f4be, math.Float32bits(v))
	}
	cases := map[string][]string{
		"f4.npy":       nil,
		"f8F.npy":      nil,
		"f2.npy":       nil,
		"f2u.npy":      {"--dtype", "float16"},
		"bf16.npy":     {"--dtype", "bfloat16"},
		"bf16v.npy":    {"--dtype", "bfloat16"},
		"f4be.npy":     nil,
		"f4major2.npy": nil,
	}
	writeFile(t, filepath.Join(dir, "f4.npy"), f4)
	writeFile(t, filepath.Join(dir, "f8F.npy"), specNPY(1, "<f8", true, []int{T, E}, f8F))
	writeFile(t, filepath.Join(dir, "f2.npy"), specNPY(1, "<f2", false, []int{T, E}, f2))
	writeFile(t, filepath.Join(dir, "f2u.npy"), specNPY(1, "<u2", false, []int{T, E}, f2))
	writeFile(t, filepath.Join(dir, "bf16.npy"), specNPY(1, "<u2", false, []int{T, E}, bf))
	writeFile(t, filepath.Join(dir, "bf16v.npy"), specNPY(1, "|V2", false, []int{T, E}, bf))
	writeFile(t, filepath.Join(dir, "f4be.npy"), specNPY(1, ">f4", false, []int{T, E}, f4be))
	writeFile(t, filepath.Join(dir, "f4major2.npy"), specNPY(2, "<f4", false, []int{T, E}, f32data(x)))
	var ref []byte
	for _, name := range []string{"f4.npy", "f8F.npy", "f2.npy", "f2u.npy", "bf16.npy", "bf16v.npy", "f4be.npy", "f4major2.npy"} {
		out := filepath.Join(dir, "out-"+name)
		args := append([]string{"route", "--config", "deepseek-v3", "--logits", filepath.Join(dir, name), "--out", out}, cases[name]...)
		res := moegate(t, args...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", name, res.code, res.stderr)
		}
		var all []byte
		for _, f := range []string{"experts.npy", "weights.npy", "load.npy"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		if ref == nil {
			ref = all
		} else if !bytes.Equal(all, ref) {
			t.Errorf("%s routes differently from f4.npy", name)
		}
	}
	res := moegate(t, "route", "--config", "deepseek-v3", "--logits", filepath.Join(dir, "f2.npy"), "--dtype", "bfloat16", "--out", filepath.Join(dir, "x"))
	if res.code != 2 || !strings.Contains(res.stderr, "float16") {
		t.Errorf("float16 file read as bfloat16: exit %d, %s", res.code, res.stderr)
	}
}

// f32to16 converts a float32 that float16 represents exactly (normal range).
func f32to16(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	if v == 0 {
		return sign
	}
	exp := int(b>>23&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16(b>>13&0x3ff)
}

// TestNumpyRoundTrip: files written by numpy itself route like the Go API,
// and numpy reads moegate's outputs back with the right dtypes and shapes.
func TestNumpyRoundTrip(t *testing.T) {
	py := numpyPython()
	if py == "" {
		t.Skip("no python3 with numpy here: the committed testdata/*.npy files still cover numpy-written input")
	}
	dir := t.TempDir()
	script := `
import numpy as np, sys
d = sys.argv[1]
rng = np.random.default_rng(11)
x = rng.standard_normal((33, 256)).astype(np.float32)
np.save(d + '/x.npy', x)
np.save(d + '/x64.npy', np.asfortranarray(x.astype(np.float64)))
np.save(d + '/bias.npy', (rng.standard_normal(256) * 0.05).astype(np.float32))
`
	if out, err := exec.Command(py, "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	for _, in := range []string{"x.npy", "x64.npy"} {
		out := filepath.Join(dir, "out-"+in)
		res := moegate(t, "route", "--config", "deepseek-v3", "--logits", filepath.Join(dir, in), "--bias", filepath.Join(dir, "bias.npy"), "--out", out)
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", in, res.code, res.stderr)
		}
		check := `
import numpy as np, sys
d, o = sys.argv[1], sys.argv[2]
e = np.load(o + '/experts.npy'); w = np.load(o + '/weights.npy'); l = np.load(o + '/load.npy')
assert e.dtype == np.int32 and e.shape == (33, 8), (e.dtype, e.shape)
assert w.dtype == np.float32 and w.shape == (33, 8), (w.dtype, w.shape)
assert l.dtype == np.int64 and l.shape == (256,), (l.dtype, l.shape)
assert l.sum() == 33 * 8 and (np.bincount(e.ravel(), minlength=256) == l).all()
# DeepSeek-V3's routing in float64 numpy: same experts (no near-ties here)
x = np.load(d + '/x.npy').astype(np.float64); b = np.load(d + '/bias.npy').astype(np.float64)
s = 1 / (1 + np.exp(-x)); sel = s + b
g = np.sort(sel.reshape(33, 8, 32), axis=2)[:, :, -2:].sum(axis=2)
keep = np.argsort(-g, axis=1, kind='stable')[:, :4]
mask = np.full((33, 8), -np.inf); np.put_along_axis(mask, keep, 0, axis=1)
sel2 = sel + np.repeat(mask, 32, axis=1)
ids = np.argsort(-sel2, axis=1, kind='stable')[:, :8]
assert (ids == e).all(), 'experts differ from numpy'
ws = np.take_along_axis(s, ids, axis=1); ws = ws / (ws.sum(axis=1, keepdims=True) + 1e-20) * 2.5
assert np.allclose(ws, w, rtol=1e-5, atol=1e-6), np.abs(ws - w).max()
print('ok')
`
		o, err := exec.Command(py, "-c", check, dir, out).CombinedOutput()
		if err != nil || !strings.Contains(string(o), "ok") {
			t.Fatalf("%s: numpy check: %v\n%s", in, err, o)
		}
	}
}

// TestCommittedNumpyFiles: testdata/*.npy were written by numpy (see
// testdata/README); each routes like the float32 file of the same values.
func TestCommittedNumpyFiles(t *testing.T) {
	cases := []struct {
		file string
		args []string
	}{
		{"numpy_f4.npy", nil},
		{"numpy_f8_fortran.npy", nil},
		{"numpy_f2.npy", nil},
		{"numpy_bf16_as_u2.npy", []string{"--dtype", "bfloat16"}},
	}
	_, shape, raw := parseSpecNPY(t, filepath.Join("testdata", "numpy_f4.npy"))
	T, E := shape[0], shape[1]
	x := make([]float32, T*E)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	p, _ := route.LookupPreset("deepseek-v3")
	r, _ := route.NewReference(p.Config)
	K := p.Config.TopK
	want := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
	if err := r.Route(want, route.Input{Logits: x, Tokens: T}); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		out := filepath.Join(t.TempDir(), "o")
		res := moegate(t, append([]string{"route", "--config", "deepseek-v3", "--logits", filepath.Join("testdata", c.file), "--out", out}, c.args...)...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.file, res.code, res.stderr)
		}
		ids, w, load := readOutputs(t, out, T, K, E)
		for i := range ids {
			if ids[i] != want.IDs[i] || math.Float32bits(w[i]) != math.Float32bits(want.Weights[i]) {
				t.Fatalf("%s: entry %d differs: %d %v, want %d %v", c.file, i, ids[i], w[i], want.IDs[i], want.Weights[i])
			}
		}
		for e := range load {
			if load[e] != want.Load[e] {
				t.Fatalf("%s: load[%d] differs", c.file, e)
			}
		}
	}
}

// numpyPython returns a python3 that imports numpy, or "".
func numpyPython() string {
	for _, c := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(c)
		if err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	return ""
}
