package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moegate/moegate/route"
)

func i32data(v ...int32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

func i64data(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// iotaRows returns T rows of K ids: row t is t, t+1, ..., t+K-1 (mod E).
func iotaRows(T, K, E int) []int64 {
	v := make([]int64, 0, T*K)
	for t := range T {
		for j := range K {
			v = append(v, int64((t+j)%E))
		}
	}
	return v
}

// expectRefused runs moegate route with args (plus --out in a fresh
// directory) and checks exit status 2, every want on stderr, no panic and
// no output directory created.
func expectRefused(t *testing.T, args []string, want ...string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	res := moegate(t, append(append([]string{"route"}, args...), "--out", out)...)
	if res.code != 2 {
		t.Fatalf("exit %d, want 2; stderr: %s", res.code, res.stderr)
	}
	for _, w := range want {
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
}

// TestRouteNewFlagsBadInput: every bad input of --ids, --token-ids/--table,
// --mask and --expert-scale exits 2, names the file (and the token, slot or
// index), and leaves nothing behind.
func TestRouteNewFlagsBadInput(t *testing.T) {
	const T, K, E = 4, 8, 256 // deepseek-v3
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	i8 := func(shape []int, v []int64) []byte { return specNPY(1, "<i8", false, shape, i64data(v...)) }
	ids := iotaRows(T, K, E)
	outOfRange := append([]int64(nil), ids...)
	outOfRange[2*K+5] = E
	negative := append([]int64(nil), ids...)
	negative[1*K] = -1
	repeated := append([]int64(nil), ids...)
	repeated[3*K+7] = repeated[3*K+6]
	huge := append([]int64(nil), ids...)
	huge[1*K] = 1 << 40
	const vocab = 16
	table := iotaRows(vocab, K, E)
	tableBad := append([]int64(nil), table...)
	tableBad[3*K+2] = 300
	tableRep := append([]int64(nil), table...)
	tableRep[5*K+1] = tableRep[5*K]
	scaleNaN := make([]float32, E)
	for i := range scaleNaN {
		scaleNaN[i] = 1
	}
	scaleNaN[5] = float32(math.NaN())
	scaleInf := append([]float32(nil), scaleNaN...)
	scaleInf[5] = float32(math.Inf(-1))
	files := map[string][]byte{
		"x.npy":            specNPY(1, "<f4", false, []int{T, E}, f32data(testLogits(T, E, 1))),
		"ids.npy":          i8([]int{T, K}, ids),
		"ids-f4.npy":       specNPY(1, "<f4", false, []int{T, K}, f32data(make([]float32, T*K))),
		"ids-u1.npy":       specNPY(1, "|u1", false, []int{T, K}, make([]byte, T*K)),
		"ids-wide.npy":     i8([]int{T, K + 1}, iotaRows(T, K+1, E)),
		"ids-tall.npy":     i8([]int{T + 1, K}, iotaRows(T+1, K, E)),
		"ids-flat.npy":     i8([]int{T * K}, ids),
		"ids-range.npy":    i8([]int{T, K}, outOfRange),
		"ids-neg.npy":      i8([]int{T, K}, negative),
		"ids-rep.npy":      i8([]int{T, K}, repeated),
		"ids-huge.npy":     i8([]int{T, K}, huge),
		"tok.npy":          specNPY(1, "<i4", false, []int{T}, i32data(0, 3, 5, 15)),
		"tok-out.npy":      specNPY(1, "<i4", false, []int{T}, i32data(0, 16, 5, 15)),
		"tok-neg.npy":      specNPY(1, "<i8", false, []int{T}, i64data(0, 1, -1, 2)),
		"tok-f8.npy":       specNPY(1, "<f8", false, []int{T}, make([]byte, 8*T)),
		"tok-2d.npy":       specNPY(1, "<i4", false, []int{T, 1}, i32data(0, 3, 5, 15)),
		"table.npy":        i8([]int{vocab, K}, table),
		"table-narrow.npy": i8([]int{vocab, K - 1}, iotaRows(vocab, K-1, E)),
		"table-bad.npy":    i8([]int{vocab, K}, tableBad),
		"table-rep.npy":    i8([]int{vocab, K}, tableRep),
		"mask2.npy":        specNPY(1, "|u1", false, []int{T}, []byte{1, 1, 0, 2}),
		"mask-b1.npy":      specNPY(1, "|b1", false, []int{T}, []byte{1, 7, 0, 1}),
		"mask-i4.npy":      specNPY(1, "<i4", false, []int{T}, i32data(1, 1, 0, 1)),
		"mask-long.npy":    specNPY(1, "|b1", false, []int{T + 1}, []byte{1, 1, 0, 1, 1}),
		"mask-2d.npy":      specNPY(1, "|b1", false, []int{T, 1}, []byte{1, 1, 0, 1}),
		"scale-nan.npy":    specNPY(1, "<f4", false, []int{E}, f32data(scaleNaN)),
		"scale-inf.npy":    specNPY(1, "<f4", false, []int{E}, f32data(scaleInf)),
		"scale-short.npy":  specNPY(1, "<f4", false, []int{E - 1}, f32data(scaleNaN[:E-1])),
		"scale-i4.npy":     specNPY(1, "<i4", false, []int{E}, make([]byte, 4*E)),
	}
	for n, b := range files {
		writeFile(t, p(n), b)
	}
	base := []string{"--config", "deepseek-v3", "--logits", p("x.npy")}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"ids float32", []string{"--ids", p("ids-f4.npy")}, []string{"ids-f4.npy", "<f4", "int32 or int64"}},
		{"ids uint8", []string{"--ids", p("ids-u1.npy")}, []string{"ids-u1.npy", "|u1", "int32 or int64"}},
		{"ids K+1 columns", []string{"--ids", p("ids-wide.npy")}, []string{"ids-wide.npy", "(4, 9)", "(4, 8)"}},
		{"ids T+1 rows", []string{"--ids", p("ids-tall.npy")}, []string{"ids-tall.npy", "(5, 8)", "(4, 8)"}},
		{"ids 1-D", []string{"--ids", p("ids-flat.npy")}, []string{"ids-flat.npy", "(32,)", "(4, 8)"}},
		{"ids out of range", []string{"--ids", p("ids-range.npy")}, []string{"ids-range.npy", "token 2", "slot 5", "256", "out of range"}},
		{"ids negative", []string{"--ids", p("ids-neg.npy")}, []string{"ids-neg.npy", "token 1", "slot 0", "-1", "out of range"}},
		{"ids repeated", []string{"--ids", p("ids-rep.npy")}, []string{"ids-rep.npy", "token 3", "slot 7", "repeats slot 6"}},
		{"ids beyond int32", []string{"--ids", p("ids-huge.npy")}, []string{"ids-huge.npy", "1099511627776", "[1, 0]", "int32"}},
		{"ids missing", []string{"--ids", p("absent.npy")}, []string{"absent.npy", "no such file"}},
		{"token-ids without table", []string{"--token-ids", p("tok.npy")}, []string{"tok.npy", "--token-ids", "needs --table"}},
		{"table without token-ids", []string{"--table", p("table.npy")}, []string{"table.npy", "--table", "needs --token-ids"}},
		{"ids and token-ids", []string{"--ids", p("ids.npy"), "--token-ids", p("tok.npy"), "--table", p("table.npy")}, []string{"--ids", "--token-ids", "give one"}},
		{"token id outside table", []string{"--token-ids", p("tok-out.npy"), "--table", p("table.npy")}, []string{"tok-out.npy", "token 1", "token id 16", "[0, 16)", "table.npy"}},
		{"token id negative", []string{"--token-ids", p("tok-neg.npy"), "--table", p("table.npy")}, []string{"tok-neg.npy", "token 2", "token id -1"}},
		{"token ids float64", []string{"--token-ids", p("tok-f8.npy"), "--table", p("table.npy")}, []string{"tok-f8.npy", "<f8", "int32 or int64"}},
		{"token ids 2-D", []string{"--token-ids", p("tok-2d.npy"), "--table", p("table.npy")}, []string{"tok-2d.npy", "(4, 1)", "(4,)"}},
		{"table K-1 columns", []string{"--token-ids", p("tok.npy"), "--table", p("table-narrow.npy")}, []string{"table-narrow.npy", "(16, 7)", "(vocab, 8)"}},
		{"table expert out of range", []string{"--token-ids", p("tok.npy"), "--table", p("table-bad.npy")}, []string{"table-bad.npy", "row 3", "token 1", "slot 2", "300", "out of range"}},
		{"table repeated expert", []string{"--token-ids", p("tok.npy"), "--table", p("table-rep.npy")}, []string{"table-rep.npy", "row 5", "token 2", "slot 1", "repeats slot 0"}},
		{"table missing", []string{"--token-ids", p("tok.npy"), "--table", p("absent-table.npy")}, []string{"absent-table.npy", "no such file"}},
		{"mask value 2", []string{"--mask", p("mask2.npy")}, []string{"mask2.npy", "value 2", "[3]", "1 (a real token) or 0"}},
		{"bool mask byte 7", []string{"--mask", p("mask-b1.npy")}, []string{"mask-b1.npy", "value 7", "[1]"}},
		{"mask int32", []string{"--mask", p("mask-i4.npy")}, []string{"mask-i4.npy", "<i4", "bool or uint8"}},
		{"mask T+1", []string{"--mask", p("mask-long.npy")}, []string{"mask-long.npy", "(5,)", "(4,)"}},
		{"mask 2-D", []string{"--mask", p("mask-2d.npy")}, []string{"mask-2d.npy", "(4, 1)", "(4,)"}},
		{"expert scale NaN", []string{"--expert-scale", p("scale-nan.npy")}, []string{"scale-nan.npy", "expert_scale[5]", "NaN", "finite"}},
		{"expert scale -Inf", []string{"--expert-scale", p("scale-inf.npy")}, []string{"scale-inf.npy", "expert_scale[5]", "-Inf"}},
		{"expert scale E-1", []string{"--expert-scale", p("scale-short.npy")}, []string{"scale-short.npy", "(255,)", "(256,)"}},
		{"expert scale int32", []string{"--expert-scale", p("scale-i4.npy")}, []string{"scale-i4.npy", "<i4", "not supported"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // independent runs of the binary (slow under qemu)
			expectRefused(t, append(append([]string(nil), base...), tc.args...), tc.want...)
		})
	}
	t.Run("weight overflow", func(t *testing.T) {
		// one expert far ahead: its weight is about 2.5, times 2e38
		x := make([]float32, T*E)
		for i := range x {
			x[i] = -10
		}
		x[2*E+7] = 10
		big := make([]float32, E)
		for i := range big {
			big[i] = 2e38
		}
		writeFile(t, p("x-peak.npy"), specNPY(1, "<f4", false, []int{T, E}, f32data(x)))
		writeFile(t, p("scale-big.npy"), specNPY(1, "<f4", false, []int{E}, f32data(big)))
		expectRefused(t, []string{"--config", "deepseek-v3", "--logits", p("x-peak.npy"), "--expert-scale", p("scale-big.npy")},
			"x-peak.npy", "token 2", "expert 7", "overflows float32", "scale-big.npy")
	})
	t.Run("old outputs untouched", func(t *testing.T) {
		out := t.TempDir()
		writeFile(t, filepath.Join(out, "keep.txt"), []byte("x"))
		res := moegate(t, append(base, "--ids", p("ids-rep.npy"), "--out", out)...)
		if res.code != 2 {
			t.Fatalf("exit %d", res.code)
		}
		noFiles(t, out)
	})
}

// TestFlagErrors: a flag error prints the error and one line pointing at
// --help, exit 2, in every subcommand; --help prints the help on stdout.
func TestFlagErrors(t *testing.T) {
	for _, cmd := range []string{"demo", "route", "balance", "bench", "info"} {
		res := moegate(t, cmd, "--no-such-flag")
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if res.code != 2 || len(lines) != 2 || !strings.Contains(lines[0], "no-such-flag") ||
			lines[1] != "run 'moegate "+cmd+" --help' for usage" || res.stdout != "" {
			t.Errorf("%s --no-such-flag: exit %d, stdout %q, stderr %q", cmd, res.code, res.stdout, res.stderr)
		}
		res = moegate(t, cmd, "--help")
		if res.code != 0 || !strings.Contains(res.stdout, "Flags") || res.stderr != "" {
			t.Errorf("%s --help: exit %d, stderr %q", cmd, res.code, res.stderr)
		}
	}
	// a value the flag package cannot parse
	res := moegate(t, "balance", "--synthetic", "x")
	if res.code != 2 || strings.Count(strings.TrimSpace(res.stderr), "\n") != 1 || !strings.Contains(res.stderr, "--help") {
		t.Errorf("balance --synthetic x: exit %d, stderr %q", res.code, res.stderr)
	}
	// the default command (demo) too
	res = moegate(t, "-steps", "x")
	if res.code != 2 || !strings.Contains(res.stderr, "run 'moegate demo --help' for usage") || strings.Contains(res.stdout, "Flags") {
		t.Errorf("-steps x: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// TestFlagsAnywhere: flags after positional arguments are flags; --config
// and its alias --preset name the gate in every subcommand.
func TestFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	x := writeFile(t, filepath.Join(dir, "x.npy"), specNPY(1, "<f4", false, []int{16, 8}, f32data(testLogits(16, 8, 4))))
	state := filepath.Join(dir, "s.bin")
	// mixtral-8x7b: 8 experts; the file first, then the flags
	res := moegate(t, "balance", x, "--config", "mixtral-8x7b", "--state", state, x)
	if res.code != 0 || strings.Count(res.stdout, "x.npy") != 2 {
		t.Fatalf("balance FILE --flags FILE: exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("--state after a file was not applied: %v", err)
	}
	// "--" ends the flags
	res = moegate(t, "balance", "--preset", "mixtral-8x7b", "--", x)
	if res.code != 0 {
		t.Errorf("balance -- FILE: exit %d: %s", res.code, res.stderr)
	}
	res = moegate(t, "balance", "--config", "mixtral-8x7b", "--", "--rule")
	if res.code != 2 || !strings.Contains(res.stderr, "--rule: no such file") {
		t.Errorf("balance -- --rule: exit %d: %s", res.code, res.stderr)
	}
	// route takes no positional argument, wherever it is
	res = moegate(t, "route", "--logits", x, "stray", "--config", "mixtral-8x7b", "--out", filepath.Join(dir, "o"))
	if res.code != 2 || !strings.Contains(res.stderr, `unexpected argument "stray"`) {
		t.Errorf("route with a stray argument: exit %d: %s", res.code, res.stderr)
	}
	if res := moegate(t, "route", "--preset", "mixtral-8x7b", "--logits", x, "--out", filepath.Join(dir, "o")); res.code != 0 {
		t.Errorf("route --preset: exit %d: %s", res.code, res.stderr)
	}
	if res := moegate(t, "bench", "--config", "mixtral-8x7b", "--time", "1ms", "--tokens", "16"); res.code != 0 || !strings.Contains(res.stdout, "mixtral-8x7b") {
		t.Errorf("bench --config: exit %d: %s", res.code, res.stderr)
	}
	if res := moegate(t, "demo", "--config", "mixtral-8x7b", "-steps", "2", "-batch", "64", "-out", ""); res.code != 0 || !strings.Contains(res.stdout, "mixtral-8x7b") {
		t.Errorf("demo --config: exit %d: %s", res.code, res.stderr)
	}
}

// TestNumbersRefused: flag values float32 cannot hold and batches that
// cannot fit in memory are refused before any work (no state written).
func TestNumbersRefused(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "s.bin")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"balance", "--synthetic", "1", "--u", "1e-50", "--state", state}, "--u = 1e-50 underflows float32"},
		{[]string{"balance", "--synthetic", "1", "--u", "1e40", "--state", state}, "--u = 1e+40 overflows float32"},
		{[]string{"balance", "--synthetic", "1", "--u", "1e-40", "--state", state}, "underflows float32"},
		{[]string{"demo", "-u", "1e-50", "-out", ""}, "-u = 1e-50 underflows"},
		{[]string{"demo", "-u", "1e39", "-out", ""}, "-u = 1e+39 overflows"},
		{[]string{"demo", "-ulin", "1e-45", "-out", ""}, "-ulin = 1e-45 underflows"},
		{[]string{"demo", "-u", "1e-37", "-steps", "1", "-out", ""}, "u_lin = 4u/mean load = 3.125e-39 underflows"},
		{[]string{"balance", "--synthetic", "1", "--batch", "100000000000", "--state", state}, "--batch = 100000000000"},
		{[]string{"balance", "--synthetic", "1", "--batch", "250000000", "--state", state}, "available"},
		{[]string{"demo", "-batch", "9000000000000000000", "-out", ""}, "-batch = 9000000000000000000"},
		{[]string{"bench", "--config", "deepseek-v3", "--tokens", "268435456"}, "must fit in int32"},
	} {
		res := moegate(t, c.args...)
		if res.code != 2 || !strings.Contains(res.stderr, c.want) || strings.Contains(res.stdout, "step") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", c.args, res.code, res.stdout, res.stderr, c.want)
		}
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("a refused run wrote %s", state)
	}
}

// TestZeroBiasNote: a gate that routes with a selection bias, run without
// --bias, says on stderr that it uses a zero bias, and its description does
// not claim a bias; with --bias, or for a gate without one, no note.
func TestZeroBiasNote(t *testing.T) {
	dir := t.TempDir()
	x := writeFile(t, filepath.Join(dir, "x.npy"), specNPY(1, "<f4", false, []int{3, 256}, f32data(testLogits(3, 256, 2))))
	b := writeFile(t, filepath.Join(dir, "b.npy"), specNPY(1, "<f4", false, []int{256}, f32data(make([]float32, 256))))
	res := moegate(t, "route", "--config", "deepseek-v3", "--logits", x, "--out", filepath.Join(dir, "o1"))
	if res.code != 0 || !strings.Contains(res.stderr, "no --bias was given, so a zero bias is used") ||
		!strings.Contains(res.stdout, "+bias(zero: no --bias)") || strings.Contains(res.stdout, "+bias ") {
		t.Errorf("without --bias: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = moegate(t, "route", "--config", "deepseek-v3", "--logits", x, "--bias", b, "--out", filepath.Join(dir, "o2"))
	if res.code != 0 || res.stderr != "" || !strings.Contains(res.stdout, "+bias(--bias)") {
		t.Errorf("with --bias: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	x8 := writeFile(t, filepath.Join(dir, "x8.npy"), specNPY(1, "<f4", false, []int{3, 8}, f32data(testLogits(3, 8, 2))))
	res = moegate(t, "route", "--config", "mixtral-8x7b", "--logits", x8, "--out", filepath.Join(dir, "o3"))
	if res.code != 0 || res.stderr != "" || strings.Contains(res.stdout, "bias") {
		t.Errorf("mixtral: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// TestGateNotes: what the command says for a gate's bias and per-expert
// scale when the command line does or does not give them.
func TestGateNotes(t *testing.T) {
	cfg := route.Config{Experts: 16, TopK: 2, SelectionBias: true, PerExpertScale: true, Normalize: true}
	n := gateNotes(cfg, "g", false, false)
	if len(n) != 2 || !strings.Contains(n[0], "zero bias") || !strings.Contains(n[1], "scale 1") {
		t.Errorf("notes without --bias, --expert-scale: %q", n)
	}
	if n := gateNotes(cfg, "g", true, true); len(n) != 0 {
		t.Errorf("notes with both: %q", n)
	}
	if n := gateNotes(route.Config{Experts: 16, TopK: 2}, "g", true, true); len(n) != 1 || !strings.Contains(n[0], "no per-expert output scale") {
		t.Errorf("scale for a gate without one: %q", n)
	}
	for _, c := range []struct {
		bias, scale bool
		want        string
	}{
		{false, false, "E=16 K=2 sigmoid normalized +bias(zero: no --bias) +expert-scale(1: no --expert-scale)"},
		{true, true, "E=16 K=2 sigmoid normalized +bias(--bias) +expert-scale(--expert-scale)"},
	} {
		if got := describeGate(cfg, c.bias, c.scale); got != c.want {
			t.Errorf("describeGate(bias %v, scale %v) = %q, want %q", c.bias, c.scale, got, c.want)
		}
	}
}
