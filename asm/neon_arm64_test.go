//go:build gc && !purego

package asm

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestNEONDispatch fails if, on a CPU with ASIMD, the NEON kernels are not
// offered and chosen: dispatch must not silently fall back to Go. The CPU's
// features are read independently of x/sys/cpu, from AT_HWCAP in
// /proc/self/auxv (which qemu-user emulates for the CPU it models).
func TestNEONDispatch(t *testing.T) {
	hw, ok := auxvHWCAP()
	const hwcapASIMD = 1 << 1
	switch {
	case ok && hw&hwcapASIMD != 0 && !cpu.ARM64.HasASIMD:
		if strings.Contains(os.Getenv("GODEBUG"), "cpu.asimd=off") {
			if Supported(NEON) {
				t.Fatal("GODEBUG=cpu.asimd=off but NEON is still offered")
			}
			t.Skip("ASIMD turned off by GODEBUG=cpu.asimd=off: the Go path runs, as asked")
		}
		t.Fatalf("AT_HWCAP %#x has ASIMD but x/sys/cpu says no", hw)
	case ok && hw&hwcapASIMD == 0:
		if Supported(NEON) {
			t.Fatalf("AT_HWCAP %#x lacks ASIMD but NEON is offered", hw)
		}
		t.Skip("CPU without ASIMD: the NEON kernels cannot run here")
	case !ok && !cpu.ARM64.HasASIMD:
		t.Skip("CPU without ASIMD (no auxv to cross-check): the NEON kernels cannot run here")
	}
	if !hasNEON {
		t.Fatal("cpu.ARM64.HasASIMD but hasNEON is false")
	}
	if !Supported(NEON) || Best() != NEON {
		t.Fatalf("Available() = %v on an ASIMD CPU, want NEON first", Available())
	}
	p := Plan{E: 8, K: 2, Groups: 1, TopGroups: 1, Scale: 1}
	if Choose(NEON, &p).Impl() != NEON {
		t.Fatal("Choose(NEON) declined on an ASIMD CPU")
	}
	t.Logf("AT_HWCAP %#x (read: %v); Available() = %v", hw, ok, Available())
}

// auxvHWCAP returns AT_HWCAP from /proc/self/auxv.
func auxvHWCAP() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 0, false
	}
	const atHWCAP = 16
	for i := 0; i+16 <= len(b); i += 16 {
		k := binary.LittleEndian.Uint64(b[i:])
		v := binary.LittleEndian.Uint64(b[i+8:])
		if k == atHWCAP {
			return v, true
		}
		if k == 0 {
			break
		}
	}
	return 0, false
}
