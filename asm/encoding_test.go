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

// encCase is one WORD macro of neon_arm64.h with the instruction the ARM
// reference manual says it must be, in GNU syntax (as `go tool objdump -gnu`
// prints it, through golang.org/x/arch's arm64 decoder). The expected text is
// written from the manual's syntax, independently of the encoding, so a wrong
// opcode, a swapped operand or a misplaced register field fails the test.
type encCase struct {
	macro string // macro name
	nargs int    // register arguments (Go order: sources, then destination)
	gnu   string // printf template over the register numbers m, n, d (or n, d)
}

var neonEncodings = []encCase{
	{"VFADD4S", 3, "fadd v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFSUB4S", 3, "fsub v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFMUL4S", 3, "fmul v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFDIV4S", 3, "fdiv v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFMAX4S", 3, "fmax v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFMIN4S", 3, "fmin v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFCMGT4S", 3, "fcmgt v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFCMGE4S", 3, "fcmge v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VCMGT4S", 3, "cmgt v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VCMHI4S", 3, "cmhi v%[3]d.4s, v%[2]d.4s, v%[1]d.4s"},
	{"VFMAXV4S", 2, "fmaxv s%[2]d, v%[1]d.4s"},
	{"VFSQRT4S", 2, "fsqrt v%[2]d.4s, v%[1]d.4s"},
	{"VSCVTF4S", 2, "scvtf v%[2]d.4s, v%[1]d.4s"},
}

// Register triples that put a distinct value, including 0 and 31, in each field.
var encRegs = [][3]int{{1, 2, 3}, {31, 0, 17}, {0, 31, 8}, {16, 8, 31}, {5, 19, 0}}

// TestNEONEncodings assembles every WORD macro of neon_arm64.h for arm64 and
// checks the disassembly of each word. It needs the Go toolchain (`go` in
// PATH); it runs on any host, including amd64 CI.
func TestNEONEncodings(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain in PATH: cannot assemble neon_arm64.h")
	}
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	header, err := os.ReadFile(filepath.Join(pkgDir, "neon_arm64.h"))
	if err != nil {
		t.Fatal(err)
	}
	// Every macro defined in the header must have a case here.
	defined := regexp.MustCompile(`(?m)^#define\s+(\w+)\(`).FindAllStringSubmatch(string(header), -1)
	have := map[string]bool{"VSSHR4S": true} // checked below, every shift
	for _, c := range neonEncodings {
		have[c.macro] = true
	}
	for _, d := range defined {
		if !have[d[1]] {
			t.Errorf("macro %s in neon_arm64.h has no case in neonEncodings", d[1])
		}
	}

	var src strings.Builder
	var want []string
	src.WriteString("#include \"textflag.h\"\n#include \"neon_arm64.h\"\nTEXT ·encodings(SB), NOSPLIT, $0\n")
	for _, c := range neonEncodings {
		for _, r := range encRegs {
			if c.nargs == 3 {
				fmt.Fprintf(&src, "\t%s(%d, %d, %d)\n", c.macro, r[0], r[1], r[2])
				want = append(want, fmt.Sprintf(c.gnu, r[0], r[1], r[2]))
			} else {
				fmt.Fprintf(&src, "\t%s(%d, %d)\n", c.macro, r[0], r[1])
				want = append(want, fmt.Sprintf(c.gnu, r[0], r[1]))
			}
		}
	}
	// SSHR: every shift amount.
	for sh := 1; sh <= 32; sh++ {
		fmt.Fprintf(&src, "\tVSSHR4S(%d, %d, %d)\n", sh, sh%32, (sh*7)%32)
		want = append(want, fmt.Sprintf("sshr v%d.4s, v%d.4s, #%d", (sh*7)%32, sh%32, sh))
	}
	src.WriteString("\tRET\n")

	dir := t.TempDir()
	sFile := filepath.Join(dir, "enc.s")
	oFile := filepath.Join(dir, "enc.o")
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
