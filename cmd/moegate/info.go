package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/moegate/moegate/route"
)

const infoHelp = `moegate info: the CPU (as github.com/klauspost/cpuid reports it), the routing
implementations this machine and build can run, the one each preset uses, and
the version.

Example (runs as written):
  moegate info
`

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", infoHelp, stdout, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return inputErrorf("unexpected argument %q", fs.Arg(0))
	}
	c := cpuid.CPU
	fmt.Fprintf(stdout, "moegate %s\n", version())
	fmt.Fprintf(stdout, "go:      %s %s/%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "cpu:     %s\n", route.CPUName())
	fmt.Fprintf(stdout, "         vendor %s, family %d model %d, %d CPUs usable here", c.VendorString, c.Family, c.Model, runtime.NumCPU())
	if lvl := c.X64Level(); lvl > 0 {
		fmt.Fprintf(stdout, ", x86-64-v%d", lvl)
	}
	fmt.Fprintln(stdout)
	if c.Cache.L1D > 0 || c.Cache.L2 > 0 || c.Cache.L3 > 0 {
		fmt.Fprintf(stdout, "         cache L1d %s, L2 %s, L3 %s\n", kib(c.Cache.L1D), kib(c.Cache.L2), kib(c.Cache.L3))
	}
	feats := c.FeatureSet()
	sort.Strings(feats)
	fmt.Fprintf(stdout, "features: %s\n", wrap(strings.Join(feats, " "), 78, "          "))
	fmt.Fprintf(stdout, "\nimplementations here (fastest first): %s\n", strings.Join(implNames(), ", "))
	fmt.Fprintf(stdout, "\n%-18s %-8s %s\n", "preset", "kernel", "gate")
	for _, p := range route.Presets() {
		r, err := route.New(p.Config)
		if err != nil {
			return fmt.Errorf("preset %s: %v", p.Name, err)
		}
		fmt.Fprintf(stdout, "%-18s %-8s %v\n", p.Name, r.Impl(), r.Config())
	}
	return nil
}

func implNames() []string {
	var out []string
	for _, i := range route.Implementations() {
		out = append(out, fmt.Sprintf("%s [%s]", i, route.ImplFeatures(i)))
	}
	return out
}

func kib(n int) string {
	switch {
	case n <= 0:
		return "?"
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(w) > width-len(indent) {
				b.WriteString("\n" + indent)
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}
