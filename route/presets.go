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
// (DESIGN.md section 1).
var presets = []Preset{
	{Name: "deepseek-v3", Aliases: []string{"deepseek-v3.1", "deepseek-r1"},
		Config: Config{Experts: 256, TopK: 8, Score: Sigmoid, Groups: 8, TopGroups: 4, GroupRule: GroupTop2Sum,
			Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "deepseek-ai/DeepSeek-V3 config.json: n_routed_experts 256, num_experts_per_tok 8, n_group 8, topk_group 4, scoring_func sigmoid, topk_method noaux_tc, norm_topk_prob true, routed_scaling_factor 2.5 (V3.1 and R1 identical)"},
	{Name: "kimi-k2", Aliases: []string{"kimi-k2-instruct"},
		Config: Config{Experts: 384, TopK: 8, Score: Sigmoid, Normalize: true, Scale: 2.827, SelectionBias: true},
		Source: "moonshotai/Kimi-K2-Instruct config.json: n_routed_experts 384, num_experts_per_tok 8, n_group 1, topk_group 1, scoring_func sigmoid, topk_method noaux_tc, norm_topk_prob true, routed_scaling_factor 2.827"},
	{Name: "glm-4.5", Aliases: []string{"glm4.5", "glm-4.5-air"},
		Config: Config{Experts: 160, TopK: 8, Score: Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		Source: "zai-org/GLM-4.5 config.json: n_routed_experts 160, num_experts_per_tok 8, n_group 1, topk_group 1, norm_topk_prob true, routed_scaling_factor 2.5; sigmoid with e_score_correction_bias (Glm4MoeTopkRouter). GLM-4.5-Air has 128 experts: use -config with its config.json"},
	{Name: "deepseek-v2", Aliases: []string{"deepseek-v2-chat"},
		Config: Config{Experts: 160, TopK: 6, Score: Softmax, Groups: 8, TopGroups: 3, GroupRule: GroupMax, Scale: 16},
		Source: "deepseek-ai/DeepSeek-V2 config.json: n_routed_experts 160, num_experts_per_tok 6, n_group 8, topk_group 3, topk_method group_limited_greedy, scoring_func softmax, norm_topk_prob false, routed_scaling_factor 16.0"},
	{Name: "deepseek-v2-lite",
		Config: Config{Experts: 64, TopK: 6, Score: Softmax, Scale: 1},
		Source: "deepseek-ai/DeepSeek-V2-Lite config.json: n_routed_experts 64, num_experts_per_tok 6, n_group 1, topk_group 1, topk_method greedy, scoring_func softmax, norm_topk_prob false, routed_scaling_factor 1.0"},
	{Name: "qwen3-moe", Aliases: []string{"qwen3-30b-a3b", "qwen3-235b-a22b"},
		Config: Config{Experts: 128, TopK: 8, Score: Softmax, Normalize: true, Scale: 1},
		Source: "Qwen/Qwen3-30B-A3B and Qwen3-235B-A22B config.json: num_experts 128, num_experts_per_tok 8, norm_topk_prob true (softmax router)"},
	{Name: "qwen1.5-moe", Aliases: []string{"qwen1.5-moe-a2.7b"},
		Config: Config{Experts: 60, TopK: 4, Score: Softmax, Scale: 1},
		Source: "Qwen/Qwen1.5-MoE-A2.7B config.json: num_experts 60, num_experts_per_tok 4, norm_topk_prob false (softmax router)"},
	{Name: "mixtral-8x7b", Aliases: []string{"mixtral"},
		Config: Config{Experts: 8, TopK: 2, Score: Softmax, Normalize: true, Scale: 1},
		Source: "mistralai/Mixtral-8x7B-v0.1 config.json: num_local_experts 8, num_experts_per_tok 2; MixtralSparseMoeBlock renormalises the top-k softmax"},
	{Name: "gpt-oss-20b",
		Config: Config{Experts: 32, TopK: 4, Score: Softmax, Normalize: true, Scale: 1},
		Source: "openai/gpt-oss-20b config.json: num_local_experts 32, num_experts_per_tok 4; softmax over the K chosen logits, which equals softmax then renormalise"},
	{Name: "llama4-scout", Aliases: []string{"llama4", "llama-4-scout"},
		Config: Config{Experts: 16, TopK: 1, Score: Sigmoid, Scale: 1},
		Source: "meta-llama/Llama-4-Scout-17B-16E config.json text_config: num_local_experts 16, num_experts_per_tok 1; top-1 on logits, weight sigmoid(logit), no normalisation"},
	{Name: "llama4-maverick", Aliases: []string{"llama-4-maverick"},
		Config: Config{Experts: 128, TopK: 1, Score: Sigmoid, Scale: 1},
		Source: "meta-llama/Llama-4-Maverick-17B-128E config.json text_config: num_local_experts 128, num_experts_per_tok 1; top-1 on logits, weight sigmoid(logit)"},
}

// Presets returns every preset, in a stable order.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	copy(out, presets)
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
			return p, nil
		}
		for _, a := range p.Aliases {
			if a == n {
				return p, nil
			}
		}
	}
	return Preset{}, fmt.Errorf("%w: no preset named %q (have %s)", ErrConfig, name, strings.Join(PresetNames(), ", "))
}
