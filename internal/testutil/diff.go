package testutil

import (
	"errors"
	"fmt"
	"math"

	"github.com/moegate/moegate/route"
)

// Result is what one Route call produced.
type Result struct {
	IDs     []int32
	Weights []float32
	Load    []int64 // nil when routed without a load slice
	Err     error
}

// RouteCanaried routes in with r into fresh canary-guarded outputs sized for
// n = Tokens*TopK entries (withLoad: a load slice of E entries too). The
// error says which canary a kernel overwrote, if any.
func RouteCanaried(r route.Router, in route.Input, withLoad bool) (Result, error) {
	cfg := r.Config()
	n := max(in.Tokens, 0) * cfg.TopK
	e := -1
	if withLoad {
		e = cfg.Experts
	}
	c := NewCanaried(n, e)
	err := r.Route(route.Output{IDs: c.IDs, Weights: c.Weights, Load: c.Load}, in)
	return Result{IDs: c.IDs, Weights: c.Weights, Load: c.Load, Err: err}, c.Check()
}

// Differential routes in with ref and with got (each into its own
// canary-guarded outputs) and returns an error describing the first
// difference: ids, weight bits, loads, error identity, message and fields.
// It also checks the reference's outputs against the Router contract
// (unique ids in range, finite weights).
func Differential(ref, got route.Router, in route.Input, withLoad bool) error {
	want, err := RouteCanaried(ref, in, withLoad)
	if err != nil {
		return fmt.Errorf("reference: %v", err)
	}
	if err := CheckContract(want, ref.Config()); err != nil {
		return fmt.Errorf("reference: %v", err)
	}
	have, err := RouteCanaried(got, in, withLoad)
	if err != nil {
		return fmt.Errorf("%s: %v", got.Impl(), err)
	}
	if err := Diff(want, have, ref.Config().TopK); err != nil {
		return fmt.Errorf("%s vs reference: %v", got.Impl(), err)
	}
	return nil
}

// Diff compares two results bit for bit; K is used to name rows.
func Diff(want, got Result, K int) error {
	if err := DiffErr(want.Err, got.Err); err != nil {
		return err
	}
	if len(want.IDs) != len(got.IDs) || len(want.Weights) != len(got.Weights) {
		return fmt.Errorf("output lengths differ")
	}
	for i := range want.IDs {
		if want.IDs[i] != got.IDs[i] || math.Float32bits(want.Weights[i]) != math.Float32bits(got.Weights[i]) {
			t := i / K
			return fmt.Errorf("token %d slot %d: got id %d weight %v (%#08x), want id %d weight %v (%#08x)\n  got row  %v %v\n  want row %v %v",
				t, i%K, got.IDs[i], got.Weights[i], math.Float32bits(got.Weights[i]),
				want.IDs[i], want.Weights[i], math.Float32bits(want.Weights[i]),
				got.IDs[t*K:t*K+K], got.Weights[t*K:t*K+K], want.IDs[t*K:t*K+K], want.Weights[t*K:t*K+K])
		}
	}
	if (want.Load == nil) != (got.Load == nil) || len(want.Load) != len(got.Load) {
		return fmt.Errorf("load presence differs")
	}
	for e := range want.Load {
		if want.Load[e] != got.Load[e] {
			return fmt.Errorf("load[%d] = %d, want %d", e, got.Load[e], want.Load[e])
		}
	}
	return nil
}

// DiffErr compares errors by identity (nil, ErrShape, ErrNonFinite,
// ErrConfig, ErrUnsupported), message and NonFiniteError fields.
func DiffErr(want, got error) error {
	if (want == nil) != (got == nil) {
		return fmt.Errorf("error %v, want %v", got, want)
	}
	if want == nil {
		return nil
	}
	for _, s := range []error{route.ErrShape, route.ErrNonFinite, route.ErrConfig, route.ErrUnsupported, route.ErrForcedID} {
		if errors.Is(want, s) != errors.Is(got, s) {
			return fmt.Errorf("error %q, want %q (errors.Is(%v) differs)", got, want, s)
		}
	}
	if want.Error() != got.Error() {
		return fmt.Errorf("error %q, want %q", got, want)
	}
	var wn, gn *route.NonFiniteError
	if errors.As(want, &wn) != errors.As(got, &gn) {
		return fmt.Errorf("error %q, want %q (NonFiniteError type differs)", got, want)
	}
	if wn != nil && (wn.Input != gn.Input || wn.Token != gn.Token || wn.Expert != gn.Expert ||
		math.Float32bits(wn.Value) != math.Float32bits(gn.Value)) {
		return fmt.Errorf("NonFiniteError %+v, want %+v", *gn, *wn)
	}
	var wf, gf *route.ForcedIDError
	if errors.As(want, &wf) != errors.As(got, &gf) {
		return fmt.Errorf("error %q, want %q (ForcedIDError type differs)", got, want)
	}
	if wf != nil && *wf != *gf {
		return fmt.Errorf("ForcedIDError %+v, want %+v", *gf, *wf)
	}
	return nil
}

// CheckContract checks what the Router promises on every call, good or bad
// input: each row of K ids is unique and in [0, E), or a padding row (ids
// -1, weights +0), weights are finite and non-negative (the tests use
// non-negative expert scales), and loads (if any) sum to K per good token.
func CheckContract(res Result, cfg route.Config) error {
	K, E := cfg.TopK, cfg.Experts
	seen := make(map[int32]bool, K)
	for t := 0; t*K < len(res.IDs); t++ {
		clear(seen)
		if res.IDs[t*K] == -1 {
			for j := 0; j < K; j++ {
				if res.IDs[t*K+j] != -1 || math.Float32bits(res.Weights[t*K+j]) != 0 {
					return fmt.Errorf("token %d: padding row %v %v, want ids -1 and weights +0", t, res.IDs[t*K:t*K+K], res.Weights[t*K:t*K+K])
				}
			}
			continue
		}
		for j := 0; j < K; j++ {
			id, w := res.IDs[t*K+j], res.Weights[t*K+j]
			if id < 0 || int(id) >= E || seen[id] {
				return fmt.Errorf("token %d: bad or repeated id %d in %v", t, id, res.IDs[t*K:t*K+K])
			}
			seen[id] = true
			if f := float64(w); math.IsNaN(f) || math.IsInf(f, 0) || w < 0 {
				return fmt.Errorf("token %d: weight %v", t, w)
			}
		}
	}
	if res.Load != nil {
		var sum int64
		for _, c := range res.Load {
			if c < 0 {
				return fmt.Errorf("negative load %d", c)
			}
			sum += c
		}
		if sum%int64(K) != 0 || sum > int64(len(res.IDs)) {
			return fmt.Errorf("load sums to %d for %d ids (K=%d)", sum, len(res.IDs), K)
		}
	}
	return nil
}
