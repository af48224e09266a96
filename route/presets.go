package route

import (
	"fmt"
	"sort"
	"strings"
)

// Preset is a model family's gate, with where its numbers come from.
type Preset struct {
	Name    string   // canonical name, e.g. "deepseek-v3"
	Aliases []string // other accepted names
	Config  Config
	Source  string // the released config its numbers come from
}

// presets are taken from the models' released config.json files
// (DESIGN.md sections 1 and 1b), read by each family's own rules (see
// FromHFConfig): route/testdata/configs holds each one's config.json as
// released in shape, and the tests check that FromHFConfig gives exactly
// the preset. "secondary" marks a number whose only source here is a third
// party's copy of the file.
var presets = []Preset{
	{Name: "deepseek-v3", Aliases: []string{"deepseek-v3.1", "deepseek-r1"},
		Config: Config{Experts: 256, TopK: 8, Score: Sigmoid, Groups: 8, TopGroups: 4, GroupRule: GroupTop2Sum,
			Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "deepseek-ai/DeepSeek-V3 config.json: n_routed_experts 256, num_experts_per_tok 8, n_group 8, topk_group 4, scoring_func sigmoid, topk_method noaux_tc, norm_topk_prob true, routed_scaling_factor 2.5 (V3.1 and R1 identical); sum + 1e-20 (transformers deepseek_v3 DeepseekV3MoE)"},
	{Name: "kimi-k2", Aliases: []string{"kimi-k2-instruct"},
		Config: Config{Experts: 384, TopK: 8, Score: Sigmoid, Normalize: true, Scale: 2.827, SelectionBias: true},
		Source: "moonshotai/Kimi-K2-Instruct config.json: n_routed_experts 384, num_experts_per_tok 8, n_group 1, topk_group 1, scoring_func sigmoid, topk_method noaux_tc, norm_topk_prob true, routed_scaling_factor 2.827; DeepSeek-V3's code, sum + 1e-20"},
	{Name: "glm-4.5", Aliases: []string{"glm4.5"},
		Config: Config{Experts: 160, TopK: 8, Score: Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "zai-org/GLM-4.5 config.json: n_routed_experts 160, num_experts_per_tok 8, n_group 1, topk_group 1, norm_topk_prob true, routed_scaling_factor 2.5; sigmoid with e_score_correction_bias, sum + 1e-20 (transformers Glm4MoeMoE)"},
	{Name: "deepseek-v2", Aliases: []string{"deepseek-v2-chat"},
		Config: Config{Experts: 160, TopK: 6, Score: Softmax, Groups: 8, TopGroups: 3, GroupRule: GroupMax, Scale: 16},
		Source: "deepseek-ai/DeepSeek-V2 config.json: n_routed_experts 160, num_experts_per_tok 6, n_group 8, topk_group 3, topk_method group_limited_greedy, scoring_func softmax, norm_topk_prob false, routed_scaling_factor 16.0"},
	{Name: "deepseek-v2-lite",
		Config: Config{Experts: 64, TopK: 6, Score: Softmax, Scale: 1},
		Source: "deepseek-ai/DeepSeek-V2-Lite config.json: n_routed_experts 64, num_experts_per_tok 6, n_group 1, topk_group 1, topk_method greedy, scoring_func softmax, norm_topk_prob false, routed_scaling_factor 1.0"},
	{Name: "qwen3-moe", Aliases: []string{"qwen3-30b-a3b", "qwen3-235b-a22b"},
		Config: Config{Experts: 128, TopK: 8, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1},
		Source: "Qwen/Qwen3-30B-A3B and Qwen3-235B-A22B config.json: num_experts 128, num_experts_per_tok 8, norm_topk_prob true; softmax router, top-k /= sum (no epsilon: transformers Qwen3MoeSparseMoeBlock)"},
	{Name: "qwen1.5-moe", Aliases: []string{"qwen1.5-moe-a2.7b"},
		Config: Config{Experts: 60, TopK: 4, Score: Softmax, Scale: 1},
		Source: "Qwen/Qwen1.5-MoE-A2.7B config.json: num_experts 60, num_experts_per_tok 4, norm_topk_prob false (softmax router)"},
	{Name: "mixtral-8x7b", Aliases: []string{"mixtral"},
		Config: Config{Experts: 8, TopK: 2, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1},
		Source: "mistralai/Mixtral-8x7B-v0.1 config.json: num_local_experts 8, num_experts_per_tok 2; MixtralTopKRouter renormalises the top-k softmax by its sum (no epsilon)"},
	{Name: "gpt-oss-20b",
		Config: Config{Experts: 32, TopK: 4, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1},
		Source: "openai/gpt-oss-20b config.json: num_local_experts 32, num_experts_per_tok 4; softmax over the K chosen logits, which equals softmax then w / sum in exact arithmetic (moegate computes the latter)"},
	{Name: "llama4-scout", Aliases: []string{"llama4", "llama-4-scout"},
		Config: Config{Experts: 16, TopK: 1, Score: Sigmoid, Scale: 1},
		Source: "meta-llama/Llama-4-Scout-17B-16E config.json text_config: num_local_experts 16, num_experts_per_tok 1; top-1 on logits, weight sigmoid(logit), no normalisation"},
	{Name: "llama4-maverick", Aliases: []string{"llama-4-maverick"},
		Config: Config{Experts: 128, TopK: 1, Score: Sigmoid, Scale: 1},
		Source: "meta-llama/Llama-4-Maverick-17B-128E config.json text_config: num_local_experts 128, num_experts_per_tok 1; top-1 on logits, weight sigmoid(logit)"},
	// The 2026 generation (DESIGN.md section 1b, issue 9).
	{Name: "deepseek-v3.2",
		Config: Config{Experts: 256, TopK: 8, Score: Sigmoid, Groups: 8, TopGroups: 4, GroupRule: GroupTop2Sum,
			Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "deepseek-ai/DeepSeek-V3.2 config.json (copy in transformers src/transformers/models/deepseek_v32/deepseek_files/config.json at a10b6fa8): the V3 router unchanged, n_routed_experts 256, num_experts_per_tok 8, n_group 8, topk_group 4, norm_topk_prob true, routed_scaling_factor 2.5; DeepseekV32 reuses DeepseekV3's MoE block"},
	{Name: "deepseek-v4-flash",
		Config: Config{Experts: 256, TopK: 6, Score: SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		Source: "deepseek-ai/DeepSeek-V4-Flash config.json: n_routed_experts 256, num_experts_per_tok 6, scoring_func sqrtsoftplus, routed_scaling_factor 1.5 (the defaults of transformers' DeepseekV4Config, checkpoint DeepSeek-V4-Flash-Base); DeepseekV4TopKRouter: bias-corrected top-k, no groups, always w / (sum + 1e-20), times the scale (transformers modular_deepseek_v4.py). The first 3 layers route by hash: see HashIDs"},
	{Name: "deepseek-v4-pro",
		Config: Config{Experts: 384, TopK: 6, Score: SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		Source: "deepseek-ai/DeepSeek-V4-Pro config.json: n_routed_experts 384, num_experts_per_tok 6, n_group null, scoring_func sqrtsoftplus, routed_scaling_factor 1.5 (secondary: tt-metal PR 48846; flashinfer issue 5190 quotes V4.1-Flash's text_config with the same router; one other third-party issue, anthony-chaudhary/fak 4841, says 2.5: unverified against the released file, use --config with it when in doubt); rules as deepseek-v4-flash"},
	{Name: "glm-4.5-air", Aliases: []string{"glm4.5-air"},
		Config: Config{Experts: 128, TopK: 8, Score: Sigmoid, Normalize: true, Scale: 1, SelectionBias: true},
		Source: "zai-org/GLM-4.5-Air config.json: n_routed_experts 128, num_experts_per_tok 8, n_group 1, topk_group 1, norm_topk_prob true, routed_scaling_factor 1.0 (secondary: THUDM slime scripts/models/glm4.5-106B-A12B.sh, 128 experts, top-8, sigmoid with expert bias and no top-k scaling factor); rules as glm-4.5"},
	{Name: "glm-5",
		Config: Config{Experts: 256, TopK: 8, Score: Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "zai-org/GLM-5 config.json: n_routed_experts 256, num_experts_per_tok 8, n_group 1, topk_group 1, norm_topk_prob true, routed_scaling_factor 2.5 (the defaults of transformers' GlmMoeDsaConfig, checkpoint zai-org/GLM-5, modular_glm_moe_dsa.py at 01f8fa55); DeepSeek-V3's MoE block: sigmoid, bias, sum + 1e-20"},
	{Name: "minimax-m2",
		Config: Config{Experts: 256, TopK: 8, Score: Sigmoid, Normalize: true, NormRule: NormSum, Scale: 1, SelectionBias: true},
		Source: "MiniMaxAI/MiniMax-M2 config.json: num_local_experts 256, num_experts_per_tok 8, scoring_func sigmoid, use_routing_bias true (the defaults of transformers' MiniMaxM2Config); MiniMaxM2TopKRouter: sigmoid + e_score_correction_bias to choose, w / sum (no epsilon), no scale (transformers modular_minimax_m2.py)"},
	{Name: "qwen3-next", Aliases: []string{"qwen3-next-80b-a3b"},
		Config: Config{Experts: 512, TopK: 10, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1},
		Source: "Qwen/Qwen3-Next-80B-A3B config.json: num_experts 512, num_experts_per_tok 10, norm_topk_prob true; softmax, top-k /= sum (transformers qwen3_next, the Qwen2-MoE router)"},
	{Name: "qwen3.5-moe", Aliases: []string{"qwen3.5-35b-a3b"},
		Config: Config{Experts: 256, TopK: 8, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1},
		Source: "Qwen/Qwen3.5-35B-A3B config.json text_config: num_experts 256, num_experts_per_tok 8 (secondary: copies of the file and of the router quoted by third parties); Qwen3_5MoeTopKRouter: softmax, top-k, always /= sum (transformers qwen3_5_moe)"},
	{Name: "longcat-flash", Aliases: []string{"longcat-flash-chat"},
		Config: Config{Experts: 768, TopK: 12, Score: Softmax, Scale: 6, SelectionBias: true, ZeroExperts: 256},
		Source: "meituan-longcat/LongCat-Flash-Chat config.json: n_routed_experts 512, zero_expert_num 256, zero_expert_type identity, moe_topk 12, routed_scaling_factor 6.0 (secondary: third-party copies of the file); LongcatFlashTopkRouter: softmax over the 768 columns, bias-corrected top-k, weights the unbiased probabilities times the scale, no normalisation; ids >= 512 are identity experts (transformers modular_longcat_flash.py; vLLM zero_expert_router.py)"},
	{Name: "ling-2.0",
		Config: Config{Experts: 256, TopK: 8, Score: Sigmoid, Groups: 8, TopGroups: 4, GroupRule: GroupTop2Sum,
			Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "inclusionAI Ling 2.0 config.json (bailing_moe_v2): num_experts 256, num_experts_per_tok 8, n_group 8, topk_group 4, score_function sigmoid, moe_router_enable_expert_bias true, norm_topk_prob true, routed_scaling_factor 2.5; the DeepSeek-V3 rule, sum + 1e-20 (secondary: Ling-V2 README and third-party fixtures; transformers has no bailing_moe_v2)"},
	{Name: "ernie-4.5", Aliases: []string{"ernie-4.5-21b-a3b"},
		Config: Config{Experts: 64, TopK: 6, Score: Softmax, Normalize: true, NormRule: NormClamp, NormMin: 1e-12, Scale: 1, SelectionBias: true},
		Source: "baidu/ERNIE-4.5-21B-A3B-PT config.json: moe_num_experts 64, moe_k 6 (secondary: third-party fixtures quoting the file); moe_norm_min 1e-12 (Ernie4_5_MoeConfig default); Ernie4_5_MoeTopKRouter: softmax, top-k on probability + e_score_correction_bias, weights the probabilities / max(sum, moe_norm_min), no scale (transformers modular_ernie4_5_moe.py)"},
	{Name: "gemma-4", Aliases: []string{"gemma-4-26b-a4b"},
		Config: Config{Experts: 128, TopK: 8, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1, PerExpertScale: true},
		Source: "google/gemma-4-26B-A4B config.json text_config: enable_moe_block true, num_experts 128, top_k_experts 8 (secondary: HF copies; ollama x/models/gemma4); Gemma4TextRouter: softmax, top-k, /= sum, then * per_expert_scale[id] (transformers modular_gemma4.py)"},
	{Name: "nemotron-3-super", Aliases: []string{"nemotron-3-super-120b-a12b"},
		Config: Config{Experts: 512, TopK: 22, Score: Sigmoid, Normalize: true, Scale: 5, SelectionBias: true},
		Source: "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B config.json (nemotron_h): n_routed_experts 512, num_experts_per_tok 22, n_group 1, topk_group 1, norm_topk_prob true, routed_scaling_factor 5.0 (secondary: Megatron-Bridge and other third-party fixtures quoting the file); NemotronH routes as DeepSeek-V3: sigmoid, bias, sum + 1e-20 (transformers modular_nemotron_h.py)"},
	{Name: "gpt-oss-120b",
		Config: Config{Experts: 128, TopK: 4, Score: Softmax, Normalize: true, NormRule: NormSum, Scale: 1},
		Source: "openai/gpt-oss-120b config.json: num_local_experts 128, num_experts_per_tok 4; rules as gpt-oss-20b"},
}

// clone returns p with its own Aliases.
func (p Preset) clone() Preset {
	p.Aliases = append([]string(nil), p.Aliases...)
	return p
}

// Presets returns every preset, in a stable order. The result is the
// caller's: editing it does not change the presets.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	for i, p := range presets {
		out[i] = p.clone()
	}
	return out
}

// PresetNames returns the canonical preset names, sorted.
func PresetNames() []string {
	out := make([]string, len(presets))
	for i, p := range presets {
		out[i] = p.Name
	}
	sort.Strings(out)
	return out
}

// LookupPreset returns the preset with the given name or alias
// (case-insensitive).
func LookupPreset(name string) (Preset, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range presets {
		if p.Name == n {
			return p.clone(), nil
		}
		for _, a := range p.Aliases {
			if a == n {
				return p.clone(), nil
			}
		}
	}
	return Preset{}, fmt.Errorf("%w: no preset named %q (have %s)", ErrConfig, name, strings.Join(PresetNames(), ", "))
}
