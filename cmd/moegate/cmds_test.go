package main

import (
	"bytes"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHelpExamples: every command's --help works and its example runs as
// written (with /tmp/ redirected to a test directory).
func TestHelpExamples(t *testing.T) {
	tmp := t.TempDir()
	pathDir := t.TempDir()
	// a "moegate" on PATH (a script, so that an emulator prefix carries over)
	script := "#!/bin/sh\nexec " + strings.Join(append(append([]string(nil), runPrefix...), filepath.Join(binDir, "moegate")), " ") + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(pathDir, "moegate"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	py := numpyPython()
	if py != "" {
		os.Symlink(py, filepath.Join(pathDir, "python3"))
	}
	env := append(os.Environ(), "PATH="+pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, name := range []string{"demo", "route", "balance", "bench", "info"} {
		t.Run(name, func(t *testing.T) {
			res := moegate(t, name, "--help")
			if res.code != 0 {
				t.Fatalf("--help: exit %d: %s", res.code, res.stderr)
			}
			if !strings.Contains(res.stdout, "Flags") {
				t.Errorf("--help shows no flags:\n%s", res.stdout)
			}
			i := strings.Index(res.stdout, "Example")
			if i < 0 {
				t.Fatalf("--help has no example:\n%s", res.stdout)
			}
			var lines []string
			for _, l := range strings.Split(res.stdout[i:], "\n")[1:] {
				if !strings.HasPrefix(l, "  ") {
					break
				}
				lines = append(lines, strings.TrimSpace(l))
			}
			if len(lines) == 0 {
				t.Fatal("empty example")
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "python3") && py == "" {
					t.Skip("the example needs python3 with numpy")
				}
				l = strings.ReplaceAll(l, "/tmp/", tmp+"/")
				cmd := exec.Command("sh", "-c", l)
				cmd.Env, cmd.Dir = env, tmp
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("example %q: %v\n%s", l, err, out)
				}
			}
		})
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"help", "route"}, {"version"}} {
		res := moegate(t, args...)
		if res.code != 0 || res.stdout == "" {
			t.Errorf("moegate %v: exit %d, stdout %q", args, res.code, res.stdout)
		}
	}
	if res := moegate(t, "frobnicate"); res.code != 2 || !strings.Contains(res.stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", res.code, res.stderr)
	}
}

var update = flag.Bool("update", false, "rewrite testdata/demo_tiny.golden")

// demoNumbers keeps the lines of a demo run that must not depend on the
// machine or the kernel: the table without throughput and kernel, and the
// summary.
func demoNumbers(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case strings.HasPrefix(l, "moegate demo:"), strings.HasPrefix(l, "Summary"),
			strings.HasPrefix(l, "routed "), strings.HasPrefix(l, "chart:"):
			continue
		case len(f) == 8 && regexp.MustCompile(`^\d+$`).MatchString(f[0]):
			l = strings.Join(f[:6], " ")
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// TestDemoGolden: a small demonstration prints exactly the numbers it
// printed when testdata/demo_tiny.golden was written (on amd64; the stream
// avoids fused multiply-adds, so arm64 must agree: run the tests under qemu).
func TestDemoGolden(t *testing.T) {
	res := moegate(t, "-steps", "30", "-batch", "1024", "-every", "5", "-seed", "7", "-out", "")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	got := demoNumbers(res.stdout)
	path := filepath.Join("testdata", "demo_tiny.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the demonstration's numbers changed (go test -run TestDemoGolden -update rewrites them if that is intended):\n%s\n--- want:\n%s", got, want)
	}
}

func TestDemoTiny(t *testing.T) {
	png := filepath.Join(t.TempDir(), "chart.png")
	res := moegate(t, "-steps", "12", "-batch", "512", "-every", "4", "-seed", "3", "-out", png, "-progress")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "] 12/12") {
		t.Errorf("no progress bar on stderr: %q", res.stderr)
	}
	for _, w := range []string{"kernel", "MaxVio_global", "no balancing", "sign rule (u=0.001)", "linear rule", "chart: " + png} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, res.stdout)
		}
	}
	rows := regexp.MustCompile(`(?m)^\s+(4|8|12)\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s`).FindAllString(res.stdout, -1)
	if len(rows) != 3 {
		t.Errorf("want table rows at steps 4, 8, 12; got %q\n%s", rows, res.stdout)
	}
	b, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("chart: %v, % x", err, b[:min(8, len(b))])
	}
	// same seed, same stream, same numbers
	res2 := moegate(t, "-steps", "12", "-batch", "512", "-every", "4", "-seed", "3", "-out", "")
	strip := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "tokens/s") && !strings.Contains(l, "chart:") {
				// drop the throughput column
				f := strings.Fields(l)
				if len(f) == 8 {
					l = strings.Join(f[:6], " ")
				}
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if strip(res.stdout) != strip(res2.stdout) {
		t.Errorf("two runs with the same seed differ:\n%s\n---\n%s", res.stdout, res2.stdout)
	}
	// every preset, including gates smaller than the stream's structure
	for _, p := range []string{"mixtral-8x7b", "llama4-scout", "gpt-oss-20b", "deepseek-v2", "kimi-k2"} {
		if r := moegate(t, "demo", "-preset", p, "-steps", "3", "-batch", "128", "-out", ""); r.code != 0 {
			t.Errorf("demo -preset %s: exit %d: %s", p, r.code, r.stderr)
		}
	}
	for _, bad := range [][]string{{"-steps", "0"}, {"-u", "-1"}, {"-preset", "nope"}, {"-batch", "x"}, {"extra"}} {
		if r := moegate(t, bad...); r.code != 2 {
			t.Errorf("demo %v: exit %d, want 2 (%s)", bad, r.code, r.stderr)
		}
	}
}

func TestBalanceResume(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "s.bin")
	one := moegate(t, "balance", "--synthetic", "6", "--batch", "512", "--bias-out", filepath.Join(dir, "b1.npy"))
	if one.code != 0 {
		t.Fatalf("exit %d: %s", one.code, one.stderr)
	}
	a := moegate(t, "balance", "--synthetic", "3", "--batch", "512", "--state", state)
	b := moegate(t, "balance", "--synthetic", "3", "--batch", "512", "--state", state, "--bias-out", filepath.Join(dir, "b2.npy"))
	if a.code != 0 || b.code != 0 {
		t.Fatalf("exit %d %d: %s %s", a.code, b.code, a.stderr, b.stderr)
	}
	if !strings.Contains(b.stdout, "resumed from") {
		t.Errorf("second run did not resume:\n%s", b.stdout)
	}
	steps := func(s string) []string {
		return regexp.MustCompile(`(?m)^\s+\d+\s+synthetic step \d+.*$`).FindAllString(s, -1)
	}
	whole, split := steps(one.stdout), append(steps(a.stdout), steps(b.stdout)...)
	if len(whole) != 6 || strings.Join(whole, "\n") != strings.Join(split, "\n") {
		t.Errorf("6 steps at once:\n%s\n3+3 resumed:\n%s", strings.Join(whole, "\n"), strings.Join(split, "\n"))
	}
	b1, _ := os.ReadFile(filepath.Join(dir, "b1.npy"))
	b2, _ := os.ReadFile(filepath.Join(dir, "b2.npy"))
	if len(b1) == 0 || !bytes.Equal(b1, b2) {
		t.Errorf("final bias differs between 6 steps and 3+3 resumed")
	}
	// the bias feeds moegate route
	x := filepath.Join(dir, "x.npy")
	writeFile(t, x, specNPY(1, "<f4", false, []int{3, 256}, f32data(testLogits(3, 256, 9))))
	if r := moegate(t, "route", "--config", "deepseek-v3", "--logits", x, "--bias", filepath.Join(dir, "b2.npy"), "--out", filepath.Join(dir, "o")); r.code != 0 {
		t.Errorf("route with the saved bias: exit %d: %s", r.code, r.stderr)
	}

	good, _ := os.ReadFile(state)
	for name, corrupt := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"flipped":   flip(good, len(good)/3),
		"empty":     {},
		"garbage":   []byte("not a state file at all"),
		"trailing":  append(append([]byte(nil), good...), 0),
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(t.TempDir(), "s.bin"), corrupt)
			r := moegate(t, "balance", "--synthetic", "2", "--batch", "256", "--state", p)
			if r.code != 2 || !strings.Contains(r.stderr, "corrupt") || !strings.Contains(r.stderr, p) {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if now, _ := os.ReadFile(p); !bytes.Equal(now, corrupt) {
				t.Errorf("the refused state file was changed")
			}
		})
	}
	t.Run("other model", func(t *testing.T) {
		r := moegate(t, "balance", "--config", "kimi-k2", "--synthetic", "1", "--batch", "64", "--state", state)
		if r.code != 2 || !strings.Contains(r.stderr, "256 experts") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

func TestBalanceFiles(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := 0; i < 3; i++ {
		p := filepath.Join(dir, string(rune('a'+i))+".npy")
		writeFile(t, p, specNPY(1, "<f4", false, []int{64, 256}, f32data(testLogits(64, 256, uint64(i)))))
		files = append(files, p)
	}
	state := filepath.Join(dir, "state.bin")
	r := moegate(t, append([]string{"balance", "--config", "deepseek-v3", "--rule", "linear", "--u", "0.0001", "--state", state}, files...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := len(regexp.MustCompile(`(?m)^\s+\d+\s+\S+\.npy\s+64\s`).FindAllString(r.stdout, -1)); n != 3 {
		t.Errorf("want 3 step lines, got %d:\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stdout, "linear rule") {
		t.Errorf("rule not reported:\n%s", r.stdout)
	}
	// a bad file in the sequence: exit 2, the state is not saved
	bad := testLogits(64, 256, 5)
	bad[10*256+3] = float32(math.NaN())
	badp := writeFile(t, filepath.Join(dir, "bad.npy"), specNPY(1, "<f4", false, []int{64, 256}, f32data(bad)))
	before, _ := os.ReadFile(state)
	r = moegate(t, "balance", "--state", state, files[0], badp)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.npy") || !strings.Contains(r.stderr, "token 10") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
		t.Error("state saved although a step failed")
	}
	noTemps(t, dir)
	for _, args := range [][]string{
		{"balance"},
		{"balance", "--synthetic", "2", files[0]},
		{"balance", "--synthetic", "2", "--rule", "cubic"},
		{"balance", "--synthetic", "2", "--u", "0"},
		{"balance", filepath.Join(dir, "missing.npy")},
	} {
		if r := moegate(t, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestBenchInfo(t *testing.T) {
	r := moegate(t, "bench", "--preset", "mixtral-8x7b,deepseek-v3", "--time", "5ms", "--tokens", "64")
	if r.code != 0 {
		t.Fatalf("bench: exit %d: %s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^deepseek-v3\s+256\s+8\s+\S+`).MatchString(r.stdout) || !strings.Contains(r.stdout, "cpu:") {
		t.Errorf("bench output:\n%s", r.stdout)
	}
	if r := moegate(t, "bench", "--preset", "nope"); r.code != 2 {
		t.Errorf("bench --preset nope: exit %d", r.code)
	}
	r = moegate(t, "info")
	if r.code != 0 {
		t.Fatalf("info: exit %d: %s", r.code, r.stderr)
	}
	for _, w := range []string{"cpu:", "implementations here", "deepseek-v3", "kimi-k2", "moegate "} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("info lacks %q:\n%s", w, r.stdout)
		}
	}
}
