package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/moegate/moegate/route"
)

const routeHelp = `moegate route: route router logits from a NumPy .npy file.

Reads --logits, a float32 array [T, E] (float64 and float16 are converted;
bfloat16 stored as uint16 needs --dtype bfloat16), and an optional --bias [E]
(the selection bias, e.g. DeepSeek-V3's e_score_correction_bias). Writes into
--out: experts.npy (int32 [T, K], each row in descending selection score),
weights.npy (float32 [T, K]) and load.npy (int64 [E], tokens per expert).
--config names the gate: a preset or a Hugging Face config.json.

Optional inputs, each checked against the gate and the logits:
  --ids FILE          forced routing (routing replay): int32 or int64 [T, K],
                      the experts each token goes to; weights and load are
                      computed for them exactly as for chosen experts
  --token-ids FILE    hash routing (DeepSeek-V4's hash layers): int32 or int64
  --table FILE        [T] token ids and a [vocab, K] table; token t goes to
                      the experts table[token_ids[t]] (give both)
  --mask FILE         bool or uint8 [T], 1 = a real token, 0 = padding: a
                      padding row gets ids -1 and weights 0 and adds no load
                      (its logits, ids and token id are not read)
  --expert-scale FILE float32 [E], a per-expert output scale (Gemma 4's
                      per_expert_scale): each weight is multiplied by the
                      scale of its expert
A gate that routes with a selection bias, run without --bias, uses a zero
bias, and one with a per-expert scale, run without --expert-scale, uses
scale 1; the command says so on stderr.

The three files are written whole or not at all (temporary names, then
rename). Bad input (a missing file, a dtype or shape that does not fit the
config, a NaN or infinite value, an expert id out of range or repeated in a
row, a token id outside the table, a mask value other than 0 or 1) is
reported with the file and the problem, exit status 2, and nothing is
written.

Example (runs as written, from the repository root):
  python3 -c "import numpy as np; np.save('/tmp/x.npy', np.random.default_rng(0).standard_normal((4, 256), dtype=np.float32))"
  moegate route --config deepseek-v3 --logits /tmp/x.npy --out /tmp/routed
`

func runRoute(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("route", routeHelp, stdout, stderr)
	cfgSpec := configFlag(fs, "", "the gate: a preset name or the path of a Hugging Face config.json")
	logitsPath := fs.String("logits", "", "router logits, .npy [T, E]")
	biasPath := fs.String("bias", "", "optional selection bias, .npy [E]")
	idsPath := fs.String("ids", "", "optional forced expert ids, .npy int32/int64 [T, K]")
	tokPath := fs.String("token-ids", "", "optional token ids for hash routing, .npy int32/int64 [T] (with --table)")
	tablePath := fs.String("table", "", "hash routing table, .npy int32/int64 [vocab, K] (with --token-ids)")
	maskPath := fs.String("mask", "", "optional padding mask, .npy bool/uint8 [T] (1: a real token, 0: padding)")
	scalePath := fs.String("expert-scale", "", "optional per-expert output scale, .npy float32 [E]")
	outDir := fs.String("out", "", "output directory (created if missing)")
	dtype := fs.String("dtype", "", "how to read 16-bit integer data: bfloat16 or float16")
	impl := fs.String("impl", "", "implementation: go, avx2, avx512, neon (default: the fastest here)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return inputErrorf("unexpected argument %q (all inputs are flags; see --help)", fs.Arg(0))
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
	switch {
	case *tokPath != "" && *tablePath == "":
		return inputErrorf("--token-ids %s needs --table (the [vocab, K] table of hash routing)", *tokPath)
	case *tablePath != "" && *tokPath == "":
		return inputErrorf("--table %s needs --token-ids (the [T] token ids of hash routing)", *tablePath)
	case *idsPath != "" && *tokPath != "":
		return inputErrorf("--ids and --token-ids/--table both force the experts: give one")
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
	in := route.Input{Logits: x.Data, Tokens: T}
	if *biasPath != "" {
		b, err := readNPY(*biasPath, half)
		if err != nil {
			return err
		}
		if len(b.Shape) != 1 || b.Shape[0] != E {
			return inputErrorf("%s: shape %s: want (%d,) (one bias per expert) for %s", b.Path, shapeStr(b.Shape), E, cfgName)
		}
		in.Bias = b.Data
	}
	if *scalePath != "" {
		s, err := readNPY(*scalePath, half)
		if err != nil {
			return err
		}
		if len(s.Shape) != 1 || s.Shape[0] != E {
			return inputErrorf("%s: shape %s: want (%d,) (one scale per expert) for %s", s.Path, shapeStr(s.Shape), E, cfgName)
		}
		for i, v := range s.Data {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return inputErrorf("%s: expert_scale[%d] = %v: the per-expert scale must be finite", s.Path, i, v)
			}
		}
		in.ExpertScale = s.Data
	}
	if *maskPath != "" {
		m, shape, err := readMaskNPY(*maskPath)
		if err != nil {
			return err
		}
		if len(shape) != 1 || shape[0] != T {
			return inputErrorf("%s: shape %s: want (%d,) (one entry per token of %s)", *maskPath, shapeStr(shape), T, x.Path)
		}
		in.Mask = m
	}
	switch {
	case *idsPath != "":
		if in.ForcedIDs, err = forcedIDs(*idsPath, T, K, E, in.Mask, cfgName); err != nil {
			return err
		}
	case *tokPath != "":
		if in.ForcedIDs, err = hashedIDs(*tokPath, *tablePath, T, K, E, in.Mask, cfgName); err != nil {
			return err
		}
	}
	for _, n := range gateNotes(cfg, cfgName, in.Bias != nil, in.ExpertScale != nil) {
		fmt.Fprintf(stderr, "moegate route: %s\n", n)
	}

	out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
	if err := r.Route(out, in); err != nil {
		var nf *route.NonFiniteError
		var fe *route.ForcedIDError
		switch {
		case errors.As(err, &nf) && nf.Input == "bias":
			return inputErrorf("%s: bias[%d] = %v: the bias must be finite", *biasPath, nf.Expert, nf.Value)
		case errors.As(err, &nf) && nf.Input == "expert scale":
			return inputErrorf("%s: expert_scale[%d] = %v: the per-expert scale must be finite", *scalePath, nf.Expert, nf.Value)
		case errors.As(err, &nf) && nf.Input == "weights":
			src := "the routed scale"
			if *scalePath != "" {
				src = *scalePath
			}
			return inputErrorf("%s: token %d: the weight of expert %d overflows float32 (%v) with %s", x.Path, nf.Token, nf.Expert, nf.Value, src)
		case errors.As(err, &nf):
			return inputErrorf("%s: row %d (token %d), column %d (expert %d) = %v: logits must be finite",
				x.Path, nf.Token, nf.Token, nf.Expert, nf.Expert, nf.Value)
		case errors.As(err, &fe):
			return inputErrorf("%s: %v", cmp.Or(*idsPath, *tablePath), err)
		case errors.Is(err, route.ErrUnsupported):
			return fmt.Errorf("%s: %v", cfgName, err)
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
	how := ""
	switch {
	case *idsPath != "":
		how = fmt.Sprintf(", experts forced by %s", *idsPath)
	case *tokPath != "":
		how = fmt.Sprintf(", experts hashed by %s through %s", *tokPath, *tablePath)
	}
	if in.Mask != nil {
		pad := 0
		for _, m := range in.Mask {
			if !m {
				pad++
			}
		}
		how += fmt.Sprintf(", %d padding tokens (%s)", pad, *maskPath)
	}
	fmt.Fprintf(stdout, "routed %d tokens of %s%s with %s [%s] on %s%s\n", T, x.Path, conv, cfgName,
		describeGate(cfg, in.Bias != nil, in.ExpertScale != nil), r.Impl(), how)
	fmt.Fprintf(stdout, "wrote %s (int32 [%d, %d]), %s (float32 [%d, %d]), %s (int64 [%d])\n",
		filepath.Join(*outDir, "experts.npy"), T, K, filepath.Join(*outDir, "weights.npy"), T, K,
		filepath.Join(*outDir, "load.npy"), E)
	if T > 0 {
		fmt.Fprintf(stdout, "MaxVio of this batch: %.3f\n", maxVio(out.Load))
	}
	return nil
}

// gateNotes says what the command assumes for an input the gate routes
// with and the command line does not give.
func gateNotes(cfg route.Config, name string, haveBias, haveScale bool) []string {
	var notes []string
	if cfg.SelectionBias && !haveBias {
		notes = append(notes, fmt.Sprintf("%s routes with a per-expert selection bias; no --bias was given, so a zero bias is used", name))
	}
	if cfg.PerExpertScale && !haveScale {
		notes = append(notes, fmt.Sprintf("%s scales each weight by a per-expert output scale; no --expert-scale was given, so scale 1 is used", name))
	}
	if !cfg.PerExpertScale && haveScale {
		notes = append(notes, fmt.Sprintf("%s has no per-expert output scale; the --expert-scale given is applied all the same", name))
	}
	return notes
}

// describeGate is the gate's description with what this run uses for its
// selection bias and per-expert scale.
func describeGate(cfg route.Config, haveBias, haveScale bool) string {
	c := cfg
	c.SelectionBias, c.PerExpertScale = false, false
	s := c.String()
	switch {
	case cfg.SelectionBias && haveBias:
		s += " +bias(--bias)"
	case cfg.SelectionBias:
		s += " +bias(zero: no --bias)"
	case haveBias:
		s += " +bias(--bias)"
	}
	switch {
	case haveScale:
		s += " +expert-scale(--expert-scale)"
	case cfg.PerExpertScale:
		s += " +expert-scale(1: no --expert-scale)"
	}
	return s
}

// forcedIDs reads --ids, [T, K] expert ids, and checks each row of a real
// token (in [0, E), none repeated) as Route does; rows of padding tokens
// are not read.
func forcedIDs(path string, T, K, E int, mask []bool, cfgName string) ([]int32, error) {
	a, err := readIntNPY(path)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || a.Shape[0] != T || a.Shape[1] != K {
		return nil, inputErrorf("%s: shape %s: want (%d, %d) (tokens x top-k of %s)", path, shapeStr(a.Shape), T, K, cfgName)
	}
	ids := a.Data
	for t := range T {
		if mask != nil && !mask[t] {
			for j := range K {
				ids[t*K+j] = int32(j)
			}
		}
	}
	if T == 0 {
		return ids, nil
	}
	// route.HashIDs through the identity (token t takes row t) checks the
	// rows by the library's own rule.
	rows := make([]int32, T)
	for t := range rows {
		rows[t] = int32(t)
	}
	if err := route.HashIDs(make([]int32, T*K), rows, ids, K, E); err != nil {
		var fe *route.ForcedIDError
		if errors.As(err, &fe) {
			return nil, inputErrorf("%s: token %d, slot %d: expert id %d %s", path, fe.Token, fe.Slot, fe.ID, fe.Reason)
		}
		return nil, inputErrorf("%s: %v", path, err)
	}
	return ids, nil
}

// hashedIDs reads --token-ids [T] and --table [vocab, K] and returns the
// forced ids table[token_ids[t]] (DeepSeek-V4's hash routing); padding
// tokens' ids are not read.
func hashedIDs(tokPath, tablePath string, T, K, E int, mask []bool, cfgName string) ([]int32, error) {
	tok, err := readIntNPY(tokPath)
	if err != nil {
		return nil, err
	}
	if len(tok.Shape) != 1 || tok.Shape[0] != T {
		return nil, inputErrorf("%s: shape %s: want (%d,) (one token id per row of the logits)", tokPath, shapeStr(tok.Shape), T)
	}
	tab, err := readIntNPY(tablePath)
	if err != nil {
		return nil, err
	}
	if len(tab.Shape) != 2 || tab.Shape[1] != K || tab.Shape[0] < 1 {
		return nil, inputErrorf("%s: shape %s: want (vocab, %d) with vocab >= 1 (a row of top-k experts per token id for %s)", tablePath, shapeStr(tab.Shape), K, cfgName)
	}
	var real []int // tokens that are routed
	for t := range T {
		if mask == nil || mask[t] {
			real = append(real, t)
		}
	}
	ids := make([]int32, T*K)
	for t := range T {
		for j := range K {
			ids[t*K+j] = int32(j)
		}
	}
	tids := make([]int32, len(real))
	for i, t := range real {
		tids[i] = tok.Data[t]
	}
	dst := make([]int32, len(real)*K)
	if err := route.HashIDs(dst, tids, tab.Data, K, E); err != nil {
		var fe *route.ForcedIDError
		if errors.As(err, &fe) {
			t := real[fe.Token]
			if fe.Slot < 0 {
				return nil, inputErrorf("%s: token %d: token id %d is outside the vocabulary [0, %d) of the table %s", tokPath, t, fe.ID, tab.Shape[0], tablePath)
			}
			return nil, inputErrorf("%s: row %d (the token id of token %d in %s), slot %d: expert id %d %s", tablePath, tok.Data[t], t, tokPath, fe.Slot, fe.ID, fe.Reason)
		}
		return nil, inputErrorf("%s: %v", tablePath, err)
	}
	for i, t := range real {
		copy(ids[t*K:(t+1)*K], dst[i*K:(i+1)*K])
	}
	return ids, nil
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
