package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// parseInterleaved parses args with fs, flags and positional arguments in
// any order (the flag package alone stops at the first positional
// argument); "--" ends the flags. Afterwards fs.Args() holds the positional
// arguments in their order.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		used := len(args) - len(rest)
		if used > 0 && args[used-1] == "--" && !(used >= 2 && takesValue(fs, args[used-2])) {
			pos = append(pos, rest...) // after "--", all positional
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// takesValue reports whether arg is a flag of fs that consumes the next
// argument as its value.
func takesValue(fs *flag.FlagSet, arg string) bool {
	if !strings.HasPrefix(arg, "-") || strings.Contains(arg, "=") {
		return false
	}
	f := fs.Lookup(strings.TrimLeft(arg, "-"))
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

// configFlag defines --config, the gate of every subcommand (a preset name
// or the path of a Hugging Face config.json), with --preset as its alias.
func configFlag(fs *flag.FlagSet, def, usage string) *string {
	p := new(string)
	fs.StringVar(p, "config", def, usage)
	fs.StringVar(p, "preset", def, "the same as --config")
	return p
}

// checkFloat32 refuses a flag value that float32 cannot hold: beyond its
// range (it would become infinite) or below its smallest normal number
// (it would become 0 or lose precision as a subnormal).
func checkFloat32(name string, v float64) error {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return inputErrorf("%s = %v: want a number", name, v)
	case a > math.MaxFloat32:
		return inputErrorf("%s = %g overflows float32 (largest %g)", name, v, float32(math.MaxFloat32))
	case a != 0 && a < 0x1p-126:
		return inputErrorf("%s = %g underflows float32 (smallest normal number %g)", name, v, float32(0x1p-126))
	}
	return nil
}

// checkBatch refuses a batch of tokens whose buffers (bytesPerToken each)
// overflow the routing API's int32 count of tokens*K or cannot fit in the
// memory this machine has available, before anything is allocated.
func checkBatch(name string, tokens, K int, bytesPerToken int64) error {
	if tokens < 1 {
		return inputErrorf("%s = %d: want at least 1", name, tokens)
	}
	if int64(tokens) > math.MaxInt32/int64(K) {
		return inputErrorf("%s = %d: tokens x top-k (%d) must fit in int32 (at most %d tokens)", name, tokens, K, math.MaxInt32/K)
	}
	need := float64(tokens) * float64(bytesPerToken)
	if avail := availableMemory(); need > float64(avail) {
		return inputErrorf("%s = %d needs %s of buffers; this machine has %s available", name, tokens, byteSize(need), byteSize(float64(avail)))
	}
	return nil
}

// availableMemory is MemAvailable from /proc/meminfo, or 1 TiB where that
// cannot be read.
func availableMemory() int64 {
	const fallback = 1 << 40
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb <= 0 {
				return fallback
			}
			return kb << 10
		}
	}
	return fallback
}

func byteSize(n float64) string {
	for _, u := range []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"} {
		if n < 1024 {
			return fmt.Sprintf("%.3g %s", n, u)
		}
		n /= 1024
	}
	return fmt.Sprintf("%.3g EiB", n)
}
