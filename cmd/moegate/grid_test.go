package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moegate/moegate/route"
)

func TestBenchGrid(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "grid.png")
	r := moegate(t, "bench", "--grid", "--quick", "--tokens", "16", "--time", "1ms", "--rounds", "3", "--png", png)
	if r.code != 0 {
		t.Fatalf("bench --grid: exit %d: %s", r.code, r.stderr)
	}
	// Every score and quick cell (K <= E), go first.
	want := []string{
		`(?m)^sigmoid\+bias\s+8\s+1\s+[\d.]+`,
		`(?m)^softmax-norm\s+512\s+22\s+[\d.]+`,
		`(?m)^softmax\+bias\s+64\s+8\s+[\d.]+`,
		`(?m)^sqrtsoftplus\+bias\s+512\s+8\s+[\d.]+`,
		`median of 3 interleaved rounds`,
	}
	if len(route.Implementations()) > 1 { // speed-ups need a SIMD path
		want = append(want, `(?m)^sqrtsoftplus\+bias: speed-up over go`,
			`(?m)^cells with E >= 64 where a SIMD path is below 3x go: \d+$`)
	}
	for _, re := range want {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("bench --grid output lacks %s:\n%s", re, r.stdout)
		}
	}
	if regexp.MustCompile(`(?m)^\S+\s+8\s+22\s`).MatchString(r.stdout) {
		t.Errorf("bench --grid measured K > E:\n%s", r.stdout)
	}
	b, err := os.ReadFile(png)
	if len(regexp.MustCompile(`(?m)^\S+\s+\d+\s+\d+\s+[\d.]+ +[\d.]+ +[\d.]+x`).FindAllString(r.stdout, -1)) > 0 {
		// At least one SIMD implementation ran: the heat map is written.
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("heat map %s: %v (%d bytes)", png, err, len(b))
		}
	}
	noTemps(t, dir)
	if r := moegate(t, "bench", "--quick"); r.code != 2 {
		t.Errorf("bench --quick without --grid: exit %d", r.code)
	}
	if r := moegate(t, "bench", "--grid", "--tokens", "1,2"); r.code != 2 || !strings.Contains(r.stderr, "one batch size") {
		t.Errorf("bench --grid --tokens 1,2: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestGridCells: the grid of issue 11, every score (sqrtsoftplus + bias
// among them) times every E x K with K <= E, each once.
func TestGridCells(t *testing.T) {
	var names []string
	for _, s := range gridScores {
		names = append(names, s.name)
	}
	if want := []string{"sigmoid+bias", "softmax-norm", "softmax+bias", "sqrtsoftplus+bias"}; !slices.Equal(names, want) {
		t.Fatalf("scores %v, want %v", names, want)
	}
	for _, quick := range []bool{false, true} {
		es, ks := gridExperts, gridK
		if quick {
			es, ks = quickExperts, quickK
		}
		want := 0
		for _, E := range es {
			for _, K := range ks {
				if K <= E {
					want++
				}
			}
		}
		cells := gridCells(quick)
		if len(cells) != want*len(gridScores) {
			t.Errorf("quick=%v: %d cells, want %d", quick, len(cells), want*len(gridScores))
		}
		seen := map[[3]int]bool{}
		perScore := make([]int, len(gridScores))
		for _, c := range cells {
			if c.K > c.E || !slices.Contains(es, c.E) || !slices.Contains(ks, c.K) {
				t.Errorf("quick=%v: cell %+v outside the grid", quick, c)
			}
			k := [3]int{c.score, c.E, c.K}
			if seen[k] {
				t.Errorf("quick=%v: cell %+v twice", quick, c)
			}
			seen[k] = true
			perScore[c.score]++
			cfg := gridScores[c.score].cfg(c.E, c.K)
			if err := cfg.Validate(); err != nil {
				t.Errorf("%s E=%d K=%d: %v", gridScores[c.score].name, c.E, c.K, err)
			}
		}
		for si, n := range perScore {
			if n != want {
				t.Errorf("quick=%v: %s has %d cells, want %d", quick, gridScores[si].name, n, want)
			}
		}
	}
	// The full grid: E in {8..4096}, K in {1..32}: 5+8+10+9*10 cells per score.
	if n := len(gridCells(false)); n != 4*113 {
		t.Errorf("full grid: %d cells, want 452", n)
	}
	// sqrtsoftplus + bias is deepseek-v4-flash's gate with E and K replaced.
	v4 := gridScores[3].cfg(256, 6)
	if p, err := route.LookupPreset("deepseek-v4-flash"); err != nil || v4 != p.Config {
		t.Errorf("sqrtsoftplus+bias at 256/6 = %v, want deepseek-v4-flash %v (%v)", v4, p.Config, err)
	}
}

func TestTokenList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		err  string
	}{
		{"1024", []int{1024}, ""},
		{"1,2,4,8,16,64,4096", []int{1, 2, 4, 8, 16, 64, 4096}, ""},
		{" 4 , 2", []int{4, 2}, ""},
		{"", nil, "not a whole number"},
		{"1,", nil, "not a whole number"},
		{"1,x", nil, "not a whole number"},
		{"0", nil, "at least 1"},
		{"1,-2", nil, "at least 1"},
		{"2,4,2", nil, "given twice"},
	} {
		var l tokenList
		err := l.Set(c.in)
		switch {
		case c.err == "" && (err != nil || !slices.Equal(l, c.want)):
			t.Errorf("Set(%q) = %v, %v; want %v", c.in, l, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Set(%q) = %v, %v; want an error with %q", c.in, l, err, c.err)
		}
		if err == nil && l.String() != strings.ReplaceAll(c.in, " ", "") {
			t.Errorf("Set(%q).String() = %q", c.in, l.String())
		}
	}
}

// TestBenchTokens: --tokens with a list prints ns per token for every
// preset and T, with the speed-up; one value keeps the tokens/s table;
// bad lists are refused with exit 2.
func TestBenchTokens(t *testing.T) {
	r := moegate(t, "bench", "--config", "mixtral-8x7b,deepseek-v3", "--tokens", "1,2,300", "--time", "3ms", "--rounds", "3")
	if r.code != 0 {
		t.Fatalf("bench --tokens 1,2,300: exit %d: %s", r.code, r.stderr)
	}
	for _, re := range []string{
		`ns per token \(at T=1: ns per call\)`,
		`median of 3 interleaved rounds`,
		`(?m)^mixtral-8x7b\s+8\s+2\s+1\s+[\d.]+`,
		`(?m)^mixtral-8x7b\s+8\s+2\s+300\s+[\d.]+`,
		`(?m)^deepseek-v3\s+256\s+8\s+2\s+[\d.]+`,
		`(?m)^SIMD slower than go: \d+ cells$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("bench --tokens list output lacks %s:\n%s", re, r.stdout)
		}
	}
	// The markdown tables: one row per preset, a cell per T.
	cell := `[\d.]+!?(?: / [\d.]+!?)*`
	mdRow := regexp.MustCompile(`(?m)^\| deepseek-v3 \| ` + cell + ` \| ` + cell + ` \| ` + cell + ` \|$`)
	if n := len(mdRow.FindAllString(r.stdout, -1)); n != 2 && !(n == 1 && len(route.Implementations()) == 1) {
		t.Errorf("%d markdown rows of deepseek-v3:\n%s", n, r.stdout)
	}
	// Every row of the table: the SIMD columns carry a speed-up, "!" where
	// it is below 1, and the list at the end has one line per "!".
	marks, rows := 0, 0
	for _, m := range regexp.MustCompile(`(?m)^\S+\s+\d+\s+\d+\s+\d+\s+[\d.]+((?:\s+[\d.]+\s+[\d.]+x!?)*)$`).FindAllStringSubmatch(r.stdout, -1) {
		rows++
		for _, f := range regexp.MustCompile(`([\d.]+)x(!?)`).FindAllStringSubmatch(m[1], -1) {
			up, err := strconv.ParseFloat(f[1], 64)
			if err != nil || (up < 1 && f[2] != "!") || (up > 1 && f[2] == "!") {
				t.Errorf("speed-up %sx marked %q", f[1], f[2])
			}
			if f[2] == "!" {
				marks++
			}
		}
	}
	if rows != 6 {
		t.Errorf("%d table rows, want 6:\n%s", rows, r.stdout)
	}
	if m := regexp.MustCompile(`SIMD slower than go: (\d+) cells`).FindStringSubmatch(r.stdout); m == nil || m[1] != strconv.Itoa(marks) {
		t.Errorf("%d marks, summary %v", marks, m)
	}
	r = moegate(t, "bench", "--config", "deepseek-v3", "--tokens", "64", "--time", "3ms")
	if r.code != 0 || !regexp.MustCompile(`(?m)^deepseek-v3\s+256\s+8\s+\S+`).MatchString(r.stdout) || !strings.Contains(r.stdout, "tokens/s") {
		t.Errorf("bench --tokens 64: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range []string{"1,x", "0", "2,2", "1,,2", "-1"} {
		if r := moegate(t, "bench", "--config", "deepseek-v3", "--tokens", bad); r.code != 2 || !strings.Contains(r.stderr, "-tokens") {
			t.Errorf("bench --tokens %q: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
	if r := moegate(t, "bench", "--config", "deepseek-v3", "--rounds", "0"); r.code != 2 {
		t.Errorf("bench --rounds 0: exit %d", r.code)
	}
}

// TestInterleave: the implementations run in rotating round-robin blocks
// after each one's warm-up and sizing, and the figures are per call.
func TestInterleave(t *testing.T) {
	defer lockThread()()
	m := newMeter(30*time.Millisecond, 3)
	var seq []int
	spin := func(n int) {
		x := 1.0
		for i := 0; i < n; i++ {
			x = x*1.0000001 + 1e-9
		}
		sink = x
	}
	fs := make([]caller, 3)
	for j := range fs {
		fs[j] = func(i int) error {
			if len(seq) == 0 || seq[len(seq)-1] != j {
				seq = append(seq, j)
			}
			spin(20000 * (1 + 3*j)) // caller j costs 1 + 3j units
			return nil
		}
	}
	ns, err := m.interleave(fs)
	if err != nil {
		t.Fatal(err)
	}
	// runs of calls: each caller's warm-up and sizing, then 3 rounds
	want := []int{0, 1, 2, 0, 1, 2, 1, 2, 0, 2, 0, 1}
	if !slices.Equal(seq, want) {
		t.Errorf("order of the blocks %v, want %v", seq, want)
	}
	// Per call: caller 2 costs 7 units, caller 0 one. Generous bounds: the
	// machine is shared.
	if r := ns[2] / ns[0]; r < 3.5 || r > 14 {
		t.Errorf("ns per call %v: ratio %.2f, want about 7", ns, r)
	}
	fail := []caller{func(int) error { return nil }, func(i int) error {
		if i == 5 {
			return os.ErrInvalid
		}
		return nil
	}}
	if _, err := m.interleave(fail); err != os.ErrInvalid {
		t.Errorf("a failing call: %v", err)
	}
}

var sink float64

// TestReferenceNotes: the notes under the presets table quote only the
// routers' clauses about running the go reference that apply to bench's
// calls (no forced ids; a bias only for gates that take one).
func TestReferenceNotes(t *testing.T) {
	impls := route.Implementations()
	order := append([]string{"go"}, impls[0])
	if impls[0] == "go" {
		if n := referenceNotes(route.Presets(), order[:1]); n != nil {
			t.Errorf("go only: notes %v", n)
		}
		return
	}
	for _, p := range route.Presets() {
		for _, n := range referenceNotes([]route.Preset{p}, order) {
			if !strings.HasPrefix(n, p.Name+": ") || !strings.Contains(n, "go reference") || strings.Contains(n, "forced ids") ||
				(!p.Config.SelectionBias && strings.Contains(n, "with a bias")) {
				t.Errorf("note %q", n)
			}
		}
	}
}
