package asm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// halfEncodings: every WORD macro of half_arm64.h, with the instruction the
// ARM reference manual gives for it (GNU syntax, written from the manual's
// syntax, independently of the encoding).
var halfEncodings = []struct {
	macro, gnu string // gnu: printf template over the register numbers n, d
}{
	{"VSHLL16", "shll v%[2]d.4s, v%[1]d.4h, #16"},
	{"VSHLL216", "shll2 v%[2]d.4s, v%[1]d.8h, #16"},
	{"VFCVTL4S", "fcvtl v%[2]d.4s, v%[1]d.4h"},
	{"VFCVTL24S", "fcvtl2 v%[2]d.4s, v%[1]d.8h"},
}

// TestHalfNEONEncodings assembles every macro of half_arm64.h for arm64 and
// checks `go tool objdump -gnu` of each word (as TestNEONEncodings does for
// neon_arm64.h); it runs on any host with the Go toolchain.
func TestHalfNEONEncodings(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain in PATH: cannot assemble half_arm64.h")
	}
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	header, err := os.ReadFile(filepath.Join(pkgDir, "half_arm64.h"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range halfEncodings {
		have[c.macro] = true
	}
	for _, d := range regexp.MustCompile(`(?m)^#define\s+(\w+)\(`).FindAllStringSubmatch(string(header), -1) {
		if !have[d[1]] {
			t.Errorf("macro %s in half_arm64.h has no case in halfEncodings", d[1])
		}
	}
	var src strings.Builder
	var want []string
	src.WriteString("#include \"textflag.h\"\n#include \"half_arm64.h\"\nTEXT ·encodings(SB), NOSPLIT, $0\n")
	for _, c := range halfEncodings {
		for _, r := range encRegs {
			fmt.Fprintf(&src, "\t%s(%d, %d)\n", c.macro, r[0], r[1])
			want = append(want, fmt.Sprintf(c.gnu, r[0], r[1]))
		}
	}
	src.WriteString("\tRET\n")

	dir := t.TempDir()
	sFile, oFile := filepath.Join(dir, "enc.s"), filepath.Join(dir, "enc.o")
	if err := os.WriteFile(sFile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	goroot, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	env := append(os.Environ(), "GOARCH=arm64", "GOOS=linux")
	asmCmd := exec.Command(goBin, "tool", "asm", "-I", pkgDir,
		"-I", filepath.Join(strings.TrimSpace(string(goroot)), "pkg", "include"),
		"-p", "main", "-o", oFile, sFile)
	asmCmd.Env = env
	if out, err := asmCmd.CombinedOutput(); err != nil {
		t.Fatalf("go tool asm: %v\n%s", err, out)
	}
	dumpCmd := exec.Command(goBin, "tool", "objdump", "-gnu", oFile)
	dumpCmd.Env = env
	out, err := dumpCmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool objdump: %v\n%s", err, out)
	}
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		i := strings.Index(line, "// ")
		if i < 0 || !strings.Contains(line, "enc.s:") {
			continue
		}
		got = append(got, strings.Join(strings.Fields(line[i+3:]), " "))
	}
	if len(got) != len(want)+1 { // + RET
		t.Fatalf("objdump printed %d instructions, want %d:\n%s", len(got), len(want)+1, out)
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("instruction %d: objdump says %q, want %q", i, got[i], w)
		}
	}
}
