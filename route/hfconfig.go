package route

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// FromHFConfig builds a Config from a Hugging Face config.json, by the
// rules of the model's own code.
//
// The family is known by model_type (a multimodal file's text_config or
// llm_config is read when the top level has no experts, and its own
// model_type, if any, decides). For a known family, the rules its modeling
// code hard-codes are applied (HFFamilies lists them with their sources);
// a key the file states is read only where that code reads it, and a
// routing key the code ignores is refused when it contradicts the code
// (e.g. "scoring_func": "softmax" in a deepseek_v3 file, whose code always
// uses a sigmoid), since the model's different implementations would then
// disagree. A key the code reads that the file leaves out takes the value
// of the family's configuration class where moegate states that default
// (see HFFamilies); otherwise it is refused as missing. The expert count
// and the experts per token must always be stated.
//
// Any other model_type (or none) is refused unless the file states every
// routing rule itself, in DeepSeek's vocabulary:
//
//	n_routed_experts, num_local_experts or num_experts   experts (all stated ones agree)
//	num_experts_per_tok                                   experts per token
//	scoring_func         "sigmoid", "softmax" or "sqrtsoftplus"
//	topk_method          "noaux_tc" (selection bias, groups scored by the
//	                     sum of their two best), "group_limited_greedy" (no
//	                     bias, groups scored by their best), "greedy" (no
//	                     bias, no groups)
//	n_group, topk_group  groups and groups kept (1 and 1: no groups);
//	                     required unless topk_method is "greedy"
//	norm_topk_prob       true or false
//	routed_scaling_factor  the scale after normalisation (1.0: none)
//
// and moegate_norm_rule: how the K weights are divided by their sum,
// "sum+1e-20", "sum" or "max(sum,min)" (with moe_norm_min). A file that
// names a model_type must state it when it normalises anything but a
// softmax without a selection bias (for which the rules give the same
// bits); a file without a model_type is a gate written in DeepSeek's
// vocabulary, and its default is DeepSeek's "sum+1e-20". Optional:
// zero_expert_num (identity experts, the last columns) and
// moegate_per_expert_scale (true: a per-expert output scale, given to
// Route as Input.ExpertScale). The error for a file that lacks some of
// these lists what is missing.
//
// Counts that are negative, fractional, of the wrong JSON type or absurd
// (more than MaxExperts experts, more experts per token than experts, ...)
// are refused. Every error wraps ErrConfig; a *ConfigError names the key
// (prefixed with its nesting, e.g. "text_config.num_experts_per_tok").
func FromHFConfig(data []byte) (Config, error) {
	h, err := hfLoad(data)
	if err != nil {
		return Config{}, err
	}
	var c Config
	if fam, ok := hfFamilies[h.family()]; ok {
		if c, err = fam.read(h); err == nil {
			c, err = h.validate(c, fam.keys)
		}
	} else {
		c, err = hfGeneric(h)
	}
	if err != nil {
		return Config{}, err // never a half-read Config
	}
	return c, nil
}

// HFModelType returns the model_type FromHFConfig routes a config.json by
// (the nested one for a multimodal file whose text_config or llm_config
// holds the experts; "" when the file states none), and whether moegate
// knows that family.
func HFModelType(data []byte) (modelType string, known bool, err error) {
	h, err := hfLoad(data)
	if err != nil {
		return "", false, err
	}
	_, known = hfFamilies[h.family()]
	return h.modelType, known, nil
}

// HFFamilies returns the model_type values FromHFConfig knows, each with
// the routing rules it applies and where they come from.
func HFFamilies() map[string]string {
	out := make(map[string]string, len(hfFamilies))
	for name, f := range hfFamilies {
		out[name] = f.rules
	}
	return out
}

// hfFamily is one model family's reading of its config.json.
type hfFamily struct {
	rules string // the rules, with their source
	read  func(h *hfView) (Config, error)
	keys  map[string]string // Config field -> config.json key, for Validate's errors
}

// The sources cited below are huggingface/transformers files, read at the
// commits named (src/transformers/models/<family>/...).
var hfFamilies = map[string]hfFamily{
	"deepseek_v2": {
		rules: "softmax; topk_method \"greedy\" (default: no groups) or \"group_limited_greedy\" (n_group, topk_group, groups scored by their best); " +
			"no selection bias; no normalisation (the code ignores norm_topk_prob: true is refused, as DeepSeek's own code and vLLM would renormalise); " +
			"routed_scaling_factor (default 1.0). Source: modular_deepseek_v2.py (DeepseekV2Moe, DeepseekV2Config) at 000c33fd",
		read: hfDeepseekV2,
		keys: keysDeepseek,
	},
	"deepseek_v3": {
		rules: "sigmoid always (scoring_func is not read); e_score_correction_bias always (topk_method is not read); groups n_group (default 8), " +
			"topk_group (default 4), scored by the sum of their two best; norm_topk_prob (default true), sum + 1e-20; routed_scaling_factor (default 2.5). " +
			"Source: modular_deepseek_v3.py (DeepseekV3MoE.route_tokens_to_experts) at 000c33fd, configuration_deepseek_v3.py at 001f85b3",
		read: hfDeepseekV3Like(&hfDefaults{nGroup: 8, topkGroup: 4, norm: true, scale: 2.5}),
		keys: keysDeepseek,
	},
	"deepseek_v32": {
		rules: "as deepseek_v3 (DeepseekV32 reuses DeepseekV3's MoE block); n_group, topk_group, norm_topk_prob and routed_scaling_factor must be stated. " +
			"Source: models/deepseek_v32 (modular_deepseek_v32.py at dbc11658)",
		read: hfDeepseekV3Like(nil),
		keys: keysDeepseek,
	},
	"kimi_k2": {
		rules: "as deepseek_v3 (Kimi K2 runs DeepSeek-V3's code, which refuses any scoring_func but sigmoid and any topk_method but noaux_tc); " +
			"n_group, topk_group, norm_topk_prob and routed_scaling_factor must be stated. Source: moonshotai/Kimi-K2-Instruct config.json and modeling_deepseek.py",
		read: hfDeepseekV3Like(nil),
		keys: keysDeepseek,
	},
	"glm4_moe": {
		rules: "as deepseek_v3 (Glm4MoeMoE: sigmoid, e_score_correction_bias, top-2-sum groups, sum + 1e-20); n_group (default 1), topk_group " +
			"(default 1), norm_topk_prob (default true), routed_scaling_factor (default 1.0). Source: models/glm4_moe/modeling_glm4_moe.py, " +
			"configuration_glm4_moe.py at c7ec229a",
		read: hfDeepseekV3Like(&hfDefaults{nGroup: 1, topkGroup: 1, norm: true, scale: 1}),
		keys: keysDeepseek,
	},
	"glm_moe_dsa": {
		rules: "as deepseek_v3 (GlmMoeDsa reuses DeepseekV32's decoder layer and so DeepseekV3's MoE block); n_group (default 1), topk_group (default 1), " +
			"routed_scaling_factor (default 2.5), norm_topk_prob (default true). Source: modular_glm_moe_dsa.py (GlmMoeDsaConfig) at 01f8fa55; " +
			"configuration_glm_moe_dsa.py at 008e5743 (norm_topk_prob: bool = True)",
		read: hfDeepseekV3Like(&hfDefaults{nGroup: 1, topkGroup: 1, norm: true, scale: 2.5}),
		keys: keysDeepseek,
	},
	"nemotron_h": {
		rules: "as deepseek_v3 (NemotronHTopkRouter is DeepseekV3TopkRouter; its MoE routes as DeepseekV3MoE); n_group (default 1), topk_group " +
			"(default 1), norm_topk_prob (default true), routed_scaling_factor (default 1.0); the gate may be nested under llm_config. " +
			"Source: models/nemotron_h/modular_nemotron_h.py, configuration_nemotron_h.py at 13923c63",
		read: hfDeepseekV3Like(&hfDefaults{nGroup: 1, topkGroup: 1, norm: true, scale: 1}),
		keys: keysDeepseek,
	},
	"deepseek_v4": {
		rules: "scoring_func \"sqrtsoftplus\" (default) or \"sigmoid\"; the selection bias always; no groups (n_group and topk_group above 1 are refused); " +
			"always normalised, sum + 1e-20 (norm_topk_prob false is refused); routed_scaling_factor (default 1.5); the gate may be nested under " +
			"text_config (V4.1). Hash-routed layers (mlp_layer_types \"hash_moe\") take ids from a table: see HashIDs. " +
			"Source: modular_deepseek_v4.py (DeepseekV4TopKRouter) at 02356fec, configuration_deepseek_v4.py at 015c0781",
		read: hfDeepseekV4,
		keys: keysDeepseek,
	},
	"minimax_m2": {
		rules: "sigmoid and e_score_correction_bias always; no groups; always normalised by the plain sum; no routed scale. scoring_func, use_routing_bias, " +
			"norm_topk_prob, n_group and routed_scaling_factor are not read and are refused if they contradict that. " +
			"Source: modular_minimax_m2.py (MiniMaxM2TopKRouter) at 001f85b3",
		read: hfMiniMaxM2,
		keys: map[string]string{"Experts": "num_local_experts", "TopK": "num_experts_per_tok"},
	},
	"qwen2_moe": {
		rules: "softmax; no bias, groups or scale; norm_topk_prob (default false), plain sum. Source: models/qwen2_moe (Qwen2MoeTopKRouter), " +
			"configuration_qwen2_moe.py at 008e5743",
		read: hfQwen(false, &hfFalse),
		keys: keysQwen,
	},
	"qwen3_moe": {
		rules: "as qwen2_moe, norm_topk_prob default false. Source: models/qwen3_moe (Qwen3MoeSparseMoeBlock), configuration_qwen3_moe.py at 008e5743",
		read:  hfQwen(false, &hfFalse),
		keys:  keysQwen,
	},
	"qwen3_next": {
		rules: "as qwen2_moe, norm_topk_prob default true. Source: models/qwen3_next (Qwen3NextSparseMoeBlock), configuration_qwen3_next.py at 008e5743",
		read:  hfQwen(false, &hfTrue),
		keys:  keysQwen,
	},
	"qwen3_5_moe": {
		rules: "softmax; no bias, groups or scale; always normalised by the plain sum (norm_topk_prob false is refused); the gate is nested under " +
			"text_config. Source: models/qwen3_5_moe (Qwen3_5MoeTopKRouter)",
		read: hfQwen(true, nil),
		keys: keysQwen,
	},
	"longcat_flash": {
		rules: "softmax over n_routed_experts + zero_expert_num columns (the last zero_expert_num are identity experts; zero_expert_type must be " +
			"\"identity\"); e_score_correction_bias always; top moe_topk; no groups; no normalisation (norm_topk_prob true is refused); " +
			"routed_scaling_factor (must be stated). Source: models/longcat_flash/modular_longcat_flash.py (LongcatFlashTopkRouter, LongcatFlashExperts)",
		read: hfLongcat,
		keys: map[string]string{"Experts": "n_routed_experts", "TopK": "moe_topk", "ZeroExperts": "zero_expert_num", "Scale": "routed_scaling_factor"},
	},
	"ernie4_5_moe": {
		rules: "softmax over moe_num_experts; the selection bias (moe_statics) always, added to the probabilities; top moe_k; no groups; always normalised " +
			"by max(sum, moe_norm_min) (default 1e-12); no scale. Source: models/ernie4_5_moe/modular_ernie4_5_moe.py (Ernie4_5_MoeTopKRouter), " +
			"configuration_ernie4_5_moe.py",
		read: hfErnie,
		keys: map[string]string{"Experts": "moe_num_experts", "TopK": "moe_k", "NormMin": "moe_norm_min"},
	},
	"bailing_moe_v2": {
		rules: "score_function \"sigmoid\"; moe_router_enable_expert_bias; groups n_group, topk_group scored by the sum of their two best; " +
			"normalised (sum + 1e-20) whenever num_experts_per_tok > 1, norm_topk_prob not read (refused if it contradicts); routed_scaling_factor; all must be stated. Source: secondary (inclusionAI/Ling-V2 modeling_bailing_moe_v2.py as quoted by " +
			"fixtures; transformers has no bailing_moe_v2)",
		read: hfBailing,
		keys: map[string]string{"Experts": "num_experts", "TopK": "num_experts_per_tok", "Groups": "n_group", "TopGroups": "topk_group", "Scale": "routed_scaling_factor"},
	},
	"gemma4": {
		rules: "text_config with enable_moe_block; softmax over num_experts; top top_k_experts; always normalised by the plain sum, then each weight " +
			"multiplied by per_expert_scale[id] (PerExpertScale); no bias, groups or scale. Source: models/gemma4/modular_gemma4.py (Gemma4TextRouter)",
		read: hfGemma4,
		keys: map[string]string{"Experts": "num_experts", "TopK": "top_k_experts"},
	},
	"gpt_oss": {
		rules: "softmax over the K best logits: the same choice as softmax then top-K, weights renormalised by the plain sum (equal in exact " +
			"arithmetic; moegate computes the latter); no bias, groups or scale. Source: models/gpt_oss (GptOssTopKRouter)",
		read: hfGptOss,
		keys: map[string]string{"Experts": "num_local_experts", "TopK": "num_experts_per_tok"},
	},
	"llama4": {
		rules: "text_config; top-K on the logits, weight sigmoid(logit) (the same as sigmoid then top-K); no normalisation, bias, groups or scale. " +
			"Source: models/llama4 (Llama4Router)",
		read: hfSimple(Sigmoid, false),
		keys: map[string]string{"Experts": "num_local_experts", "TopK": "num_experts_per_tok"},
	},
	"mixtral": {
		rules: "softmax, top-K, always normalised by the plain sum; no bias, groups or scale. Source: models/mixtral (MixtralTopKRouter)",
		read:  hfSimple(Softmax, true),
		keys:  map[string]string{"Experts": "num_local_experts", "TopK": "num_experts_per_tok"},
	},
}

var (
	keysDeepseek = map[string]string{"Experts": "n_routed_experts", "TopK": "num_experts_per_tok", "Groups": "n_group",
		"TopGroups": "topk_group", "Scale": "routed_scaling_factor"}
	keysQwen = map[string]string{"Experts": "num_experts", "TopK": "num_experts_per_tok"}
)

// Nested model types that route as their family.
var hfAliases = map[string]string{
	"qwen3_5_moe_text": "qwen3_5_moe",
	"gemma4_text":      "gemma4",
	"llama4_text":      "llama4",
}

// hfDefaults are a configuration class's defaults for the rule keys; nil:
// every rule key must be stated.
type hfDefaults struct {
	nGroup, topkGroup int
	norm              bool
	scale             float64
}

func hfDeepseekV3Like(d *hfDefaults) func(h *hfView) (Config, error) {
	return func(h *hfView) (Config, error) {
		c, err := h.counts("n_routed_experts|num_local_experts", "num_experts_per_tok")
		if err != nil {
			return c, err
		}
		c.Score, c.SelectionBias, c.NormRule = Sigmoid, true, NormEps
		if err := h.fixedStr("scoring_func", "sigmoid"); err != nil {
			return c, err
		}
		if err := h.fixedStr("topk_method", "noaux_tc"); err != nil {
			return c, err
		}
		var dg, dk *int
		var dn *bool
		var ds *float64
		if d != nil {
			dg, dk, dn, ds = &d.nGroup, &d.topkGroup, &d.norm, &d.scale
		}
		if err := h.groups(&c, dg, dk, GroupTop2Sum); err != nil {
			return c, err
		}
		if c.Normalize, err = h.boolOr("norm_topk_prob", dn); err != nil {
			return c, err
		}
		c.Scale, err = h.scaleOr("routed_scaling_factor", ds)
		return c, err
	}
}

func hfDeepseekV2(h *hfView) (Config, error) {
	c, err := h.counts("n_routed_experts", "num_experts_per_tok")
	if err != nil {
		return c, err
	}
	c.Score = Softmax
	if err := h.fixedStr("scoring_func", "softmax"); err != nil {
		return c, err
	}
	method := "greedy"
	if h.has("topk_method") {
		if method, err = h.str("topk_method"); err != nil {
			return c, err
		}
	}
	switch method {
	case "greedy":
	case "group_limited_greedy":
		if err := h.groups(&c, nil, nil, GroupMax); err != nil {
			return c, err
		}
	default:
		return c, h.errf("topk_method", `deepseek_v2's code knows "greedy" and "group_limited_greedy"`)
	}
	if h.has("norm_topk_prob") {
		b, err := h.bool("norm_topk_prob")
		if err != nil {
			return c, err
		}
		if b {
			return c, h.errf("norm_topk_prob", "transformers' DeepseekV2Moe never renormalises, while DeepSeek's own code and vLLM would: the file is ambiguous")
		}
	}
	one := 1.0
	c.Scale, err = h.scaleOr("routed_scaling_factor", &one)
	return c, err
}

func hfDeepseekV4(h *hfView) (Config, error) {
	c, err := h.counts("n_routed_experts|num_local_experts", "num_experts_per_tok")
	if err != nil {
		return c, err
	}
	sf := "sqrtsoftplus"
	if h.has("scoring_func") {
		if sf, err = h.str("scoring_func"); err != nil {
			return c, err
		}
	}
	switch sf {
	case "sqrtsoftplus":
		c.Score = SqrtSoftplus
	case "sigmoid":
		c.Score = Sigmoid
	default:
		return c, h.errf("scoring_func", `must be "sqrtsoftplus" or "sigmoid" for deepseek_v4`)
	}
	c.SelectionBias = true
	if err := h.fixedStr("topk_method", "noaux_tc"); err != nil {
		return c, err
	}
	for _, k := range []string{"n_group", "topk_group"} {
		if h.has(k) && !h.null(k) {
			n, err := h.int(k)
			if err != nil {
				return c, err
			}
			if n != 1 {
				return c, h.errf(k, "DeepseekV4TopKRouter has no expert groups (null or 1 only)")
			}
		}
	}
	if err := h.fixedBool("norm_topk_prob", true); err != nil {
		return c, err
	}
	c.Normalize, c.NormRule = true, NormEps
	d := 1.5
	c.Scale, err = h.scaleOr("routed_scaling_factor", &d)
	return c, err
}

func hfMiniMaxM2(h *hfView) (Config, error) {
	c, err := h.counts("num_local_experts|num_experts", "num_experts_per_tok")
	if err != nil {
		return c, err
	}
	c.Score, c.SelectionBias, c.Normalize, c.NormRule, c.Scale = Sigmoid, true, true, NormSum, 1
	for _, err := range []error{
		h.fixedStr("scoring_func", "sigmoid"),
		h.fixedBool("use_routing_bias", true),
		h.fixedBool("norm_topk_prob", true),
		h.noGroups(),
		h.fixedNum("routed_scaling_factor", 1),
	} {
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

var hfTrue, hfFalse = true, false

func hfQwen(always bool, normDefault *bool) func(h *hfView) (Config, error) {
	return func(h *hfView) (Config, error) {
		c, err := h.counts("num_experts", "num_experts_per_tok")
		if err != nil {
			return c, err
		}
		c.Score, c.Scale = Softmax, 1
		for _, err := range []error{
			h.fixedStr("scoring_func", "softmax"), h.noGroups(), h.fixedNum("routed_scaling_factor", 1),
		} {
			if err != nil {
				return c, err
			}
		}
		if always {
			if err := h.fixedBool("norm_topk_prob", true); err != nil {
				return c, err
			}
			c.Normalize = true
		} else if c.Normalize, err = h.boolOr("norm_topk_prob", normDefault); err != nil {
			return c, err
		}
		if c.Normalize {
			c.NormRule = NormSum
		}
		return c, nil
	}
}

func hfLongcat(h *hfView) (Config, error) {
	real, err := h.count("n_routed_experts", "Experts", 1, MaxExperts)
	if err != nil {
		return Config{}, err
	}
	zero := 0
	if h.has("zero_expert_num") && !h.null("zero_expert_num") { // the code reads `zero_expert_num or 0`
		if zero, err = h.count("zero_expert_num", "ZeroExperts", 0, MaxExperts-real); err != nil {
			return Config{}, err
		}
	}
	c := Config{Experts: real + zero, ZeroExperts: zero}
	if c.TopK, err = h.count("moe_topk", "TopK", 1, c.Experts); err != nil {
		return c, err
	}
	if zero > 0 {
		if err := h.fixedStr("zero_expert_type", "identity"); err != nil {
			return c, err
		}
	}
	c.Score, c.SelectionBias = Softmax, true
	for _, err := range []error{
		h.fixedStr("scoring_func", "softmax"), h.fixedBool("norm_topk_prob", false), h.noGroups(),
	} {
		if err != nil {
			return c, err
		}
	}
	c.Scale, err = h.scaleOr("routed_scaling_factor", nil)
	return c, err
}

func hfErnie(h *hfView) (Config, error) {
	c, err := h.counts("moe_num_experts", "moe_k")
	if err != nil {
		return c, err
	}
	c.Score, c.SelectionBias, c.Normalize, c.NormRule, c.Scale = Softmax, true, true, NormClamp, 1
	floor := 1e-12
	if h.has("moe_norm_min") {
		if floor, err = h.float("moe_norm_min"); err != nil {
			return c, err
		}
	}
	if f := float32(floor); !(f > 0) || math.IsInf(float64(f), 0) {
		return c, h.errf("moe_norm_min", "must be > 0 and finite in float32")
	}
	c.NormMin = float32(floor)
	return c, nil
}

func hfBailing(h *hfView) (Config, error) {
	c, err := h.counts("num_experts", "num_experts_per_tok")
	if err != nil {
		return c, err
	}
	if !h.has("score_function") {
		return c, h.missing("score_function", `bailing_moe_v2 states its score function ("sigmoid")`)
	}
	sf, err := h.str("score_function")
	if err != nil {
		return c, err
	}
	if sf != "sigmoid" {
		return c, h.errf("score_function", `moegate knows Ling 2.0's "sigmoid" router only`)
	}
	c.Score, c.NormRule = Sigmoid, NormEps
	if c.SelectionBias, err = h.boolOr("moe_router_enable_expert_bias", nil); err != nil {
		return c, err
	}
	if err := h.groups(&c, nil, nil, GroupTop2Sum); err != nil {
		return c, err
	}
	// BailingMoeV2Gate normalises whenever top_k > 1 and never reads
	// norm_topk_prob (vLLM's port honours it; the model does not): a
	// stated value that contradicts the code is refused.
	c.Normalize = c.TopK > 1
	if err := h.fixedBool("norm_topk_prob", c.Normalize); err != nil {
		return c, err
	}
	c.Scale, err = h.scaleOr("routed_scaling_factor", nil)
	return c, err
}

func hfGemma4(h *hfView) (Config, error) {
	moe, err := h.boolOr("enable_moe_block", nil)
	if err != nil {
		return Config{}, err
	}
	if !moe {
		return Config{}, h.errf("enable_moe_block", "this Gemma 4 has no MoE block: nothing to route")
	}
	c, err := h.counts("num_experts", "top_k_experts")
	if err != nil {
		return c, err
	}
	c.Score, c.Normalize, c.NormRule, c.PerExpertScale, c.Scale = Softmax, true, NormSum, true, 1
	return c, nil
}

func hfGptOss(h *hfView) (Config, error) {
	c, err := h.counts("num_local_experts", "num_experts_per_tok|experts_per_token")
	if err != nil {
		return c, err
	}
	c.Score, c.Normalize, c.NormRule, c.Scale = Softmax, true, NormSum, 1
	return c, nil
}

func hfSimple(score ScoreFunc, norm bool) func(h *hfView) (Config, error) {
	return func(h *hfView) (Config, error) {
		c, err := h.counts("num_local_experts", "num_experts_per_tok")
		if err != nil {
			return c, err
		}
		c.Score, c.Normalize, c.Scale = score, norm, 1
		if norm {
			c.NormRule = NormSum
		}
		return c, nil
	}
}

// hfGeneric reads a config.json of a model_type moegate does not know: it
// must state every rule (see FromHFConfig).
func hfGeneric(h *hfView) (Config, error) {
	// Bad counts first: they are the more specific error.
	if _, err := h.counts("n_routed_experts|num_local_experts|num_experts", "num_experts_per_tok"); err != nil {
		if ce, ok := err.(*ConfigError); !ok || ce.Value != "(missing)" {
			return Config{}, err
		}
	}
	var lack []string
	need := func(ok bool, what string) {
		if !ok {
			lack = append(lack, what)
		}
	}
	need(h.has("n_routed_experts") || h.has("num_local_experts") || h.has("num_experts"), "the experts (n_routed_experts, num_local_experts or num_experts)")
	need(h.has("num_experts_per_tok"), "num_experts_per_tok")
	need(h.has("scoring_func"), `scoring_func ("sigmoid", "softmax" or "sqrtsoftplus")`)
	need(h.has("topk_method"), `topk_method (the selection bias and group rule: "noaux_tc", "group_limited_greedy" or "greedy")`)
	method, _ := h.str("topk_method")
	if method != "greedy" {
		need(h.has("n_group") && h.has("topk_group"), "n_group and topk_group (1 and 1: no groups)")
	}
	need(h.has("norm_topk_prob"), "norm_topk_prob (true or false)")
	if h.has("model_type") && !h.has("moegate_norm_rule") {
		// A named model's code decides how it divides by the sum. For a
		// softmax without a bias both rules give the same bits (the K
		// best probabilities sum to at least 1/E, which absorbs 1e-20);
		// otherwise the file must say.
		norm, _ := h.bool("norm_topk_prob")
		sf, _ := h.str("scoring_func")
		need(!norm || (sf == "softmax" && method != "noaux_tc"),
			`moegate_norm_rule (how the K weights are divided by their sum: "sum+1e-20", "sum" or "max(sum,min)")`)
	}
	need(h.has("routed_scaling_factor"), "routed_scaling_factor (1.0: none)")
	if len(lack) > 0 {
		v := strconv.Quote(h.modelType)
		if !h.has("model_type") {
			v = "(missing)"
		}
		return Config{}, &ConfigError{Field: h.path + "model_type", Value: v,
			Rule: fmt.Sprintf("not a family moegate knows (%s); a config.json of another type must state every routing rule itself, "+
				"and this one does not state %s", strings.Join(hfFamilyNames(), ", "), strings.Join(lack, "; "))}
	}
	c, err := h.counts("n_routed_experts|num_local_experts|num_experts", "num_experts_per_tok")
	if err != nil {
		return c, err
	}
	sf, err := h.str("scoring_func")
	if err != nil {
		return c, err
	}
	switch sf {
	case "sigmoid":
		c.Score = Sigmoid
	case "softmax":
		c.Score = Softmax
	case "sqrtsoftplus":
		c.Score = SqrtSoftplus
	default:
		return c, h.errf("scoring_func", `must be "sigmoid", "softmax" or "sqrtsoftplus"`)
	}
	if method, err = h.str("topk_method"); err != nil {
		return c, err
	}
	switch method {
	case "noaux_tc":
		c.SelectionBias = true
		err = h.groups(&c, nil, nil, GroupTop2Sum)
	case "group_limited_greedy":
		err = h.groups(&c, nil, nil, GroupMax)
	case "greedy":
		err = h.noGroups()
	default:
		err = h.errf("topk_method", `must be "noaux_tc", "group_limited_greedy" or "greedy"`)
	}
	if err != nil {
		return c, err
	}
	if c.Normalize, err = h.bool("norm_topk_prob"); err != nil {
		return c, err
	}
	rule := "sum+1e-20"
	if h.has("moegate_norm_rule") {
		if rule, err = h.str("moegate_norm_rule"); err != nil {
			return c, err
		}
	}
	if c.Normalize {
		switch rule {
		case "sum+1e-20":
			c.NormRule = NormEps
		case "sum":
			c.NormRule = NormSum
		case "max(sum,min)":
			c.NormRule = NormClamp
			if !h.has("moe_norm_min") {
				return c, h.missing("moe_norm_min", `moegate_norm_rule "max(sum,min)" needs its floor`)
			}
			floor, err := h.float("moe_norm_min")
			if err != nil {
				return c, err
			}
			if f := float32(floor); !(f > 0) || math.IsInf(float64(f), 0) {
				return c, h.errf("moe_norm_min", "must be > 0 and finite in float32")
			}
			c.NormMin = float32(floor)
		default:
			return c, h.errf("moegate_norm_rule", `must be "sum+1e-20", "sum" or "max(sum,min)"`)
		}
	} else if h.has("moegate_norm_rule") {
		return c, h.errf("moegate_norm_rule", "states a normalisation rule while norm_topk_prob is false")
	}
	if c.Scale, err = h.scaleOr("routed_scaling_factor", nil); err != nil {
		return c, err
	}
	if h.has("zero_expert_num") && !h.null("zero_expert_num") {
		if c.ZeroExperts, err = h.count("zero_expert_num", "ZeroExperts", 0, c.Experts-1); err != nil {
			return c, err
		}
	}
	if h.has("moegate_per_expert_scale") {
		if c.PerExpertScale, err = h.bool("moegate_per_expert_scale"); err != nil {
			return c, err
		}
	}
	return h.validate(c, map[string]string{"Experts": h.expertsKey, "TopK": "num_experts_per_tok", "Groups": "n_group",
		"TopGroups": "topk_group", "Scale": "routed_scaling_factor", "ZeroExperts": "zero_expert_num", "NormMin": "moe_norm_min"})
}

func hfFamilyNames() []string {
	out := make([]string, 0, len(hfFamilies))
	for k := range hfFamilies {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hfView is the object that holds the gate (the top level or a nested
// text_config/llm_config), with the path that prefixes its keys in errors.
type hfView struct {
	m          map[string]json.RawMessage
	path       string // "" or "text_config." etc.
	modelType  string
	expertsKey string // the key the experts were read from
}

// hfNests are the keys under which a multimodal config.json nests its
// language model's config.
var hfNests = []string{"text_config", "llm_config"}

var hfExpertKeys = []string{"n_routed_experts", "num_local_experts", "num_experts", "moe_num_experts"}

func hfLoad(data []byte) (*hfView, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: config.json: %v", ErrConfig, err)
	}
	if top == nil {
		return nil, fmt.Errorf("%w: config.json: not a JSON object", ErrConfig)
	}
	h := &hfView{m: top}
	mt, err := h.str("model_type")
	if err != nil {
		return nil, err
	}
	h.modelType = mt
	hasExperts := func(m map[string]json.RawMessage) bool {
		for _, k := range hfExpertKeys {
			if _, ok := m[k]; ok {
				return true
			}
		}
		return false
	}
	if hasExperts(top) {
		return h, nil
	}
	for _, nest := range hfNests {
		raw, ok := top[nest]
		if !ok || string(raw) == "null" {
			continue
		}
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(raw, &inner); err != nil || inner == nil {
			return nil, &ConfigError{Field: nest, Value: abbrev(raw), Rule: "must be a JSON object"}
		}
		if !hasExperts(inner) {
			continue
		}
		in := &hfView{m: inner, path: nest + ".", modelType: mt}
		if _, ok := inner["model_type"]; ok {
			if in.modelType, err = in.str("model_type"); err != nil {
				return nil, err
			}
		}
		return in, nil
	}
	return h, nil
}

func (h *hfView) family() string {
	t := strings.ToLower(h.modelType)
	if a, ok := hfAliases[t]; ok {
		return a
	}
	return t
}

func (h *hfView) has(k string) bool { _, ok := h.m[k]; return ok }

func (h *hfView) null(k string) bool { return string(h.m[k]) == "null" }

func abbrev(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

func (h *hfView) errf(k, rule string, args ...any) error {
	return &ConfigError{Field: h.path + k, Value: abbrev(h.m[k]), Rule: fmt.Sprintf(rule, args...)}
}

func (h *hfView) missing(k, why string) error {
	return &ConfigError{Field: h.path + k, Value: "(missing)", Rule: fmt.Sprintf("config.json must state it (model_type %q): %s", h.modelType, why)}
}

func (h *hfView) int(k string) (int, error) {
	var f float64
	if err := json.Unmarshal(h.m[k], &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, h.errf(k, "must be an integer")
	}
	if math.Abs(f) > 1<<31 {
		return 0, h.errf(k, "is absurd (more than 2^31)")
	}
	return int(f), nil
}

// count reads a required integer in [lo, hi], the Config field named.
func (h *hfView) count(k, field string, lo, hi int) (int, error) {
	if !h.has(k) {
		return 0, h.missing(k, "the code reads it")
	}
	n, err := h.int(k)
	if err != nil {
		return 0, err
	}
	if n < lo || n > hi {
		return 0, h.errf(k, "%s must be in [%d, %d]", field, lo, hi)
	}
	return n, nil
}

// first returns the first of the "|"-separated keys the file states, and
// refuses a file whose stated ones differ.
func (h *hfView) first(keys string) (string, error) {
	var got string
	for _, k := range strings.Split(keys, "|") {
		if !h.has(k) {
			continue
		}
		if got == "" {
			got = k
		} else if string(h.m[k]) != string(h.m[got]) {
			return "", h.errf(k, "differs from %s = %s", h.path+got, abbrev(h.m[got]))
		}
	}
	if got == "" {
		return "", h.missing(strings.ReplaceAll(keys, "|", " or "), "the code reads it")
	}
	return got, nil
}

// counts reads the experts and experts per token.
func (h *hfView) counts(expertKeys, kKeys string) (Config, error) {
	var c Config
	ek, err := h.first(expertKeys)
	if err != nil {
		return c, err
	}
	h.expertsKey = ek
	if c.Experts, err = h.count(ek, "Experts", 1, MaxExperts); err != nil {
		return c, err
	}
	kk, err := h.first(kKeys)
	if err != nil {
		return c, err
	}
	c.TopK, err = h.count(kk, "TopK", 1, c.Experts)
	return c, err
}

// groups reads n_group and topk_group (the given defaults when absent;
// required without one) for a code that groups with rule.
func (h *hfView) groups(c *Config, dg, dk *int, rule GroupRule) error {
	read := func(k, field string, d *int, hi int) (int, error) {
		if !h.has(k) {
			if d == nil {
				return 0, h.missing(k, "the code groups the experts by it")
			}
			return *d, nil
		}
		return h.count(k, field, 1, hi)
	}
	g, err := read("n_group", "Groups", dg, c.Experts)
	if err != nil {
		return err
	}
	k, err := read("topk_group", "TopGroups", dk, g)
	if err != nil {
		return err
	}
	if k > g { // torch.topk over the groups would fail
		if !h.has("topk_group") {
			return &ConfigError{Field: h.path + "topk_group", Value: fmt.Sprintf("(missing: default %d)", k),
				Rule: fmt.Sprintf("exceeds n_group = %d; state it", g)}
		}
		return h.errf("topk_group", "exceeds n_group = %d", g)
	}
	if g > 1 {
		c.Groups, c.TopGroups, c.GroupRule = g, k, rule
	}
	return nil
}

// noGroups refuses n_group or topk_group above 1 for a code without groups.
func (h *hfView) noGroups() error {
	for _, k := range []string{"n_group", "topk_group"} {
		if h.has(k) && !h.null(k) {
			n, err := h.int(k)
			if err != nil {
				return err
			}
			if n != 1 {
				return h.errf(k, "model_type %q routes without expert groups (1 or null only)", h.modelType)
			}
		}
	}
	return nil
}

func (h *hfView) float(k string) (float64, error) {
	var f float64
	if err := json.Unmarshal(h.m[k], &f); err != nil {
		return 0, h.errf(k, "must be a number")
	}
	return f, nil
}

// scaleOr reads a routed scale: finite and > 0 in float32.
func (h *hfView) scaleOr(k string, d *float64) (float32, error) {
	var f float64
	if !h.has(k) {
		if d == nil {
			return 0, h.missing(k, "the code scales the weights by it")
		}
		f = *d
	} else {
		var err error
		if f, err = h.float(k); err != nil {
			return 0, err
		}
	}
	s := float32(f)
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return 0, h.errf(k, "must be > 0 and finite in float32")
	}
	return s, nil
}

func (h *hfView) bool(k string) (bool, error) {
	var b bool
	if err := json.Unmarshal(h.m[k], &b); err != nil || h.null(k) {
		return false, h.errf(k, "must be true or false")
	}
	return b, nil
}

func (h *hfView) boolOr(k string, d *bool) (bool, error) {
	if !h.has(k) {
		if d == nil {
			return false, h.missing(k, "the code reads it")
		}
		return *d, nil
	}
	return h.bool(k)
}

func (h *hfView) str(k string) (string, error) {
	raw, ok := h.m[k]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || string(raw) == "null" {
		return "", h.errf(k, "must be a string")
	}
	return s, nil
}

// fixedStr refuses a stated value of a key the family's code does not read
// that contradicts what the code hard-codes (case-insensitive).
func (h *hfView) fixedStr(k, want string) error {
	if !h.has(k) || h.null(k) {
		return nil
	}
	s, err := h.str(k)
	if err != nil {
		return err
	}
	if !strings.EqualFold(s, want) {
		return h.errf(k, "model_type %q's code always uses %q (it does not read this key)", h.modelType, want)
	}
	return nil
}

func (h *hfView) fixedBool(k string, want bool) error {
	if !h.has(k) || h.null(k) {
		return nil
	}
	b, err := h.bool(k)
	if err != nil {
		return err
	}
	if b != want {
		return h.errf(k, "model_type %q's code always behaves as %v (it does not read this key)", h.modelType, want)
	}
	return nil
}

func (h *hfView) fixedNum(k string, want float64) error {
	if !h.has(k) || h.null(k) {
		return nil
	}
	f, err := h.float(k)
	if err != nil {
		return err
	}
	if f != want {
		return h.errf(k, "model_type %q's code has no such factor (only %g agrees with it)", h.modelType, want)
	}
	return nil
}

// validate runs Config.Validate and names the config.json key of a broken
// rule.
func (h *hfView) validate(c Config, keys map[string]string) (Config, error) {
	if err := c.Validate(); err != nil {
		if ce, ok := err.(*ConfigError); ok {
			if k, ok := keys[ce.Field]; ok {
				if ce.Field == "Experts" && h.expertsKey != "" {
					k = h.expertsKey
				}
				return Config{}, &ConfigError{Field: h.path + k, Value: ce.Value, Rule: ce.Field + " " + ce.Rule}
			}
		}
		return Config{}, err
	}
	return c, nil
}
