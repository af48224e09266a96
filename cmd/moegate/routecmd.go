package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/moegate/moegate/route"
)

const routeHelp = `moegate route: route router logits from a NumPy .npy file.

Reads --logits, a float32 array [T, E] (float64 and float16 are converted;
bfloat16 stored as uint16 needs --dtype bfloat16), and an optional --bias [E]
(the selection bias, e.g. DeepSeek-V3's e_score_correction_bias). Writes into
--out: experts.npy (int32 [T, K], each row in descending selection score),
weights.npy (float32 [T, K]) and load.npy (int64 [E], tokens per expert).
The three files are written whole or not at all (temporary names, then
rename). Bad input (a missing file, a dtype or shape that does not fit the
config, a NaN or infinite value) is reported with the file and the problem,
exit status 2, and nothing is written.

Example (runs as written, from the repository root):
  python3 -c "import numpy as np; np.save('/tmp/x.npy', np.random.default_rng(0).standard_normal((4, 256), dtype=np.float32))"
  moegate route --config deepseek-v3 --logits /tmp/x.npy --out /tmp/routed
`

func runRoute(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("route", routeHelp, stdout, stderr)
	cfgSpec := fs.String("config", "", "a preset name or the path of a Hugging Face config.json")
	logitsPath := fs.String("logits", "", "router logits, .npy [T, E]")
	biasPath := fs.String("bias", "", "optional selection bias, .npy [E]")
	outDir := fs.String("out", "", "output directory (created if missing)")
	dtype := fs.String("dtype", "", "how to read 16-bit integer data: bfloat16 or float16")
	impl := fs.String("impl", "", "implementation: go, avx2, avx512, neon (default: the fastest here)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return inputErrorf("unexpected argument %q (flags go before nothing else; see --help)", fs.Arg(0))
	}
	cfg, cfgName, err := loadConfig(*cfgSpec)
	if err != nil {
		return err
	}
	if *logitsPath == "" {
		return inputErrorf("--logits is required")
	}
	if *outDir == "" {
		return inputErrorf("--out is required")
	}
	half, err := parseHalf(*dtype)
	if err != nil {
		return err
	}
	r, err := newRouter(cfg, *impl)
	if err != nil {
		return err
	}
	E, K := cfg.Experts, cfg.TopK

	x, err := readNPY(*logitsPath, half)
	if err != nil {
		return err
	}
	if len(x.Shape) != 2 || x.Shape[1] != E {
		return inputErrorf("%s: shape %s: want [T, %d] (tokens x experts) for %s", x.Path, shapeStr(x.Shape), E, cfgName)
	}
	T := x.Shape[0]
	var bias []float32
	if *biasPath != "" {
		b, err := readNPY(*biasPath, half)
		if err != nil {
			return err
		}
		if len(b.Shape) != 1 || b.Shape[0] != E {
			return inputErrorf("%s: shape %s: want (%d,) (one bias per expert) for %s", b.Path, shapeStr(b.Shape), E, cfgName)
		}
		bias = b.Data
	}

	out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
	if err := r.Route(out, route.Input{Logits: x.Data, Tokens: T, Bias: bias}); err != nil {
		var nf *route.NonFiniteError
		if errors.As(err, &nf) {
			if nf.Token < 0 {
				return inputErrorf("%s: bias[%d] = %v: the bias must be finite", *biasPath, nf.Expert, nf.Value)
			}
			return inputErrorf("%s: row %d (token %d), column %d (expert %d) = %v: logits must be finite",
				x.Path, nf.Token, nf.Token, nf.Expert, nf.Expert, nf.Value)
		}
		return inputErrorf("%s: %v", x.Path, err)
	}
	files := []outFile{
		{"experts.npy", encodeNPY("<i4", []int{T, K}, int32Bytes(out.IDs))},
		{"weights.npy", encodeNPY("<f4", []int{T, K}, float32Bytes(out.Weights))},
		{"load.npy", encodeNPY("<i8", []int{E}, int64Bytes(out.Load))},
	}
	if err := writeAll(*outDir, files); err != nil {
		return err
	}
	conv := ""
	if x.Descr != "<f4" {
		conv = fmt.Sprintf(" (converted from %s)", x.Descr)
	}
	fmt.Fprintf(stdout, "routed %d tokens of %s%s with %s [%v] on %s\n", T, x.Path, conv, cfgName, cfg, r.Impl())
	fmt.Fprintf(stdout, "wrote %s (int32 [%d, %d]), %s (float32 [%d, %d]), %s (int64 [%d])\n",
		filepath.Join(*outDir, "experts.npy"), T, K, filepath.Join(*outDir, "weights.npy"), T, K,
		filepath.Join(*outDir, "load.npy"), E)
	if T > 0 {
		fmt.Fprintf(stdout, "MaxVio of this batch: %.3f\n", maxVio(out.Load))
	}
	return nil
}

// newRouter returns the router on the named implementation, or the fastest.
func newRouter(cfg route.Config, impl string) (route.Router, error) {
	var r route.Router
	var err error
	if impl == "" {
		r, err = route.New(cfg)
	} else {
		r, err = route.NewImpl(cfg, impl)
	}
	if err != nil {
		return nil, inputErrorf("%v", err)
	}
	return r, nil
}

// maxVio is (max load - mean load) / mean load (DESIGN.md section 2).
func maxVio(load []int64) float64 {
	var sum, mx int64
	for _, v := range load {
		sum += v
		mx = max(mx, v)
	}
	if sum == 0 || len(load) == 0 {
		return 0
	}
	mean := float64(sum) / float64(len(load))
	return (float64(mx) - mean) / mean
}
