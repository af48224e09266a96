package route

import (
	"errors"
	"fmt"
	"math"
)

// ScoreFunc is how a router turns logits into affinity scores.
type ScoreFunc uint8

const (
	Sigmoid ScoreFunc = iota // s_i = 1/(1+e^-x_i): DeepSeek-V3, Kimi K2, GLM-4.5, Llama 4
	Softmax                  // s_i = softmax(x)_i over all experts: Mixtral, Qwen, DeepSeek-V2
	// SqrtSoftplus: s_i = sqrt(softplus(x_i)), torch's softplus (beta 1,
	// threshold 20: x > 20 ? x : log1p(e^x)): DeepSeek-V4.
	SqrtSoftplus
)

func (f ScoreFunc) String() string {
	switch f {
	case Sigmoid:
		return "sigmoid"
	case Softmax:
		return "softmax"
	case SqrtSoftplus:
		return "sqrtsoftplus"
	}
	return fmt.Sprintf("ScoreFunc(%d)", uint8(f))
}

// NormRule is how Normalize divides the K weights by their sum (summed
// left to right in float32).
type NormRule uint8

const (
	// NormEps: w / (sum + 1e-20). DeepSeek-V3/V3.2/V4, Kimi K2, GLM, Ling,
	// Nemotron, Megatron-LM.
	NormEps NormRule = iota
	// NormSum: w / sum. MiniMax-M2, Mixtral, Qwen's and Gemma 4's HF
	// blocks. (A sum of 0, where the model's own code would divide 0 by 0,
	// gives weights 0.)
	NormSum
	// NormClamp: w / max(sum, NormMin). ERNIE-4.5 (moe_norm_min, 1e-12).
	NormClamp
)

func (r NormRule) String() string {
	switch r {
	case NormEps:
		return "sum+1e-20"
	case NormSum:
		return "sum"
	case NormClamp:
		return "max(sum,min)"
	}
	return fmt.Sprintf("NormRule(%d)", uint8(r))
}

// GroupRule is how an expert group is scored for node-limited routing.
type GroupRule uint8

const (
	GroupTop2Sum GroupRule = iota // sum of the group's two best selection scores (DeepSeek-V3)
	GroupMax                      // the group's best selection score (DeepSeek-V2)
)

func (r GroupRule) String() string {
	switch r {
	case GroupTop2Sum:
		return "top2sum"
	case GroupMax:
		return "max"
	}
	return fmt.Sprintf("GroupRule(%d)", uint8(r))
}

// MaxExperts bounds Config.Experts; expert ids are int32 and kernels keep
// indices in 32 bits.
const MaxExperts = 1 << 24

// Config describes one MoE gate. The zero value is not valid: Experts and
// TopK are required. Validate states every rule.
type Config struct {
	Experts int       // routed experts E
	TopK    int       // experts chosen per token K
	Score   ScoreFunc // affinity function
	// Groups splits the experts into equal groups for node-limited routing;
	// 0 or 1 means no groups. TopGroups groups are kept per token, scored by
	// GroupRule; every expert of another group is ineligible.
	Groups    int
	TopGroups int
	GroupRule GroupRule
	// Normalize divides the K weights by their sum before scaling, by
	// NormRule (the zero value NormEps: sum + 1e-20).
	Normalize bool
	NormRule  NormRule
	// NormMin is NormClamp's floor for the sum (> 0, finite); 0 otherwise.
	NormMin float32
	// Scale is the routed scaling factor applied to every weight after
	// normalisation; 0 means 1.
	Scale float32
	// SelectionBias records that the model routes with a per-expert
	// selection bias (DeepSeek-V3's e_score_correction_bias, topk_method
	// "noaux_tc"), which the balance package maintains. Route takes a bias
	// (or none) with every call either way; tools use this to tell whether
	// one is expected.
	SelectionBias bool
	// ZeroExperts says that the last ZeroExperts of the Experts columns are
	// zero-computation experts (LongCat-Flash: 512 real + 256 identity
	// experts, Experts = 768). They are scored, biased, chosen, weighted and
	// counted in Load like any other column; a framework applies an id
	// >= Experts-ZeroExperts as the identity: out += w * x.
	ZeroExperts int
	// PerExpertScale records that the model multiplies each chosen
	// expert's weight by a learned per-expert factor (Gemma 4's
	// per_expert_scale), which Route takes as Input.ExpertScale.
	PerExpertScale bool
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("moegate: invalid config")

// ConfigError names the field of a Config that breaks a rule.
type ConfigError struct {
	Field string // e.g. "TopK"
	Value string // the offending value
	Rule  string // the rule broken
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("moegate: invalid config: %s = %s: %s", e.Field, e.Value, e.Rule)
}

func (e *ConfigError) Unwrap() error { return ErrConfig }

func cfgErr(field string, v any, rule string, args ...any) error {
	return &ConfigError{Field: field, Value: fmt.Sprint(v), Rule: fmt.Sprintf(rule, args...)}
}

// groups returns the effective number of groups (>= 1).
func (c Config) groups() int {
	if c.Groups <= 1 {
		return 1
	}
	return c.Groups
}

func (c Config) topGroups() int {
	if c.groups() == 1 {
		return 1
	}
	return c.TopGroups
}

func (c Config) scale() float32 {
	if c.Scale == 0 {
		return 1
	}
	return c.Scale
}

// Validate checks the rules of a gate (transformers issue 48647 lists them):
// 1 <= Experts <= MaxExperts; 1 <= TopK <= Experts; a known Score and
// GroupRule; Groups >= 0 dividing Experts; with Groups > 1,
// 1 <= TopGroups <= Groups, TopK <= TopGroups*Experts/Groups and, for
// GroupTop2Sum, at least 2 experts per group; without groups TopGroups is 0
// or 1; Scale finite and >= 0 (0 means 1). The error wraps ErrConfig and is
// a *ConfigError naming the field.
func (c Config) Validate() error {
	if c.Experts < 1 || c.Experts > MaxExperts {
		return cfgErr("Experts", c.Experts, "must be in [1, %d]", MaxExperts)
	}
	if c.TopK < 1 || c.TopK > c.Experts {
		return cfgErr("TopK", c.TopK, "must be in [1, Experts=%d]", c.Experts)
	}
	if c.Score > SqrtSoftplus {
		return cfgErr("Score", c.Score, "must be Sigmoid, Softmax or SqrtSoftplus")
	}
	if c.NormRule > NormClamp {
		return cfgErr("NormRule", c.NormRule, "must be NormEps, NormSum or NormClamp")
	}
	if m := float64(c.NormMin); c.NormRule == NormClamp {
		if !(m > 0) || math.IsInf(m, 0) {
			return cfgErr("NormMin", c.NormMin, "must be finite and > 0 with NormClamp")
		}
	} else if m != 0 {
		return cfgErr("NormMin", c.NormMin, "must be 0 unless NormRule is NormClamp")
	}
	if c.ZeroExperts < 0 || c.ZeroExperts >= c.Experts {
		return cfgErr("ZeroExperts", c.ZeroExperts, "must be in [0, Experts=%d)", c.Experts)
	}
	if c.GroupRule > GroupMax {
		return cfgErr("GroupRule", c.GroupRule, "must be GroupTop2Sum or GroupMax")
	}
	if c.Groups < 0 {
		return cfgErr("Groups", c.Groups, "must be >= 0 (0 or 1: no groups)")
	}
	if c.Groups <= 1 {
		if c.TopGroups < 0 || c.TopGroups > 1 {
			return cfgErr("TopGroups", c.TopGroups, "must be 0 or 1 without groups (Groups=%d)", c.Groups)
		}
	} else {
		if c.Experts%c.Groups != 0 {
			return cfgErr("Groups", c.Groups, "must divide Experts=%d", c.Experts)
		}
		per := c.Experts / c.Groups
		if c.GroupRule == GroupTop2Sum && per < 2 {
			return cfgErr("Groups", c.Groups, "leaves %d expert per group; GroupTop2Sum needs at least 2", per)
		}
		if c.TopGroups < 1 || c.TopGroups > c.Groups {
			return cfgErr("TopGroups", c.TopGroups, "must be in [1, Groups=%d]", c.Groups)
		}
		if c.TopK > c.TopGroups*per {
			return cfgErr("TopK", c.TopK, "exceeds the %d experts of TopGroups=%d groups of %d", c.TopGroups*per, c.TopGroups, per)
		}
	}
	if s := float64(c.Scale); math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		return cfgErr("Scale", c.Scale, "must be finite and >= 0 (0 means 1)")
	}
	return nil
}

func (c Config) String() string {
	s := fmt.Sprintf("E=%d K=%d %s", c.Experts, c.TopK, c.Score)
	if c.groups() > 1 {
		s += fmt.Sprintf(" groups=%d keep=%d (%s)", c.Groups, c.TopGroups, c.GroupRule)
	}
	if c.SelectionBias {
		s += " +bias"
	}
	if c.Normalize {
		s += " normalized"
		if c.NormRule != NormEps {
			s += "(" + c.NormRule.String() + ")"
		}
		if c.NormRule == NormClamp {
			s += fmt.Sprintf("[min=%g]", c.NormMin)
		}
	}
	if c.ZeroExperts > 0 {
		s += fmt.Sprintf(" zero-experts=%d", c.ZeroExperts)
	}
	if c.PerExpertScale {
		s += " +expert-scale"
	}
	if c.scale() != 1 {
		s += fmt.Sprintf(" scale=%g", c.scale())
	}
	return s
}
