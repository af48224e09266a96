package route

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// FromHFConfig builds a Config from a Hugging Face config.json. It reads
// n_routed_experts, num_local_experts or num_experts (the first present);
// num_experts_per_tok; n_group and topk_group; scoring_func ("sigmoid" or
// "softmax"); norm_topk_prob; routed_scaling_factor; and topk_method
// ("noaux_tc": DeepSeek-V3 style, top-2-sum groups and a selection bias;
// "group_limited_greedy": DeepSeek-V2 style, max groups; "greedy": no
// groups). A multimodal config's text_config is read when the top level has
// no experts (Llama 4). Where a family hard-codes a rule instead of
// stating it, model_type decides: mixtral and gpt_oss renormalise, llama4
// and glm4_moe score with a sigmoid, glm4_moe routes with a bias. The result
// is validated.
func FromHFConfig(data []byte) (Config, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return Config{}, fmt.Errorf("%w: config.json: %v", ErrConfig, err)
	}
	h := hfView(top)
	if !h.has("n_routed_experts", "num_local_experts", "num_experts") {
		if raw, ok := top["text_config"]; ok {
			var inner map[string]json.RawMessage
			if err := json.Unmarshal(raw, &inner); err != nil {
				return Config{}, fmt.Errorf("%w: config.json text_config: %v", ErrConfig, err)
			}
			if _, ok := inner["model_type"]; !ok {
				inner["model_type"] = top["model_type"]
			}
			h = hfView(inner)
		}
	}
	var c Config
	var err error
	key, ok := h.first("n_routed_experts", "num_local_experts", "num_experts")
	if !ok {
		return Config{}, &ConfigError{Field: "config.json", Value: "(missing)", Rule: "needs n_routed_experts, num_local_experts or num_experts"}
	}
	if c.Experts, err = h.int(key); err != nil {
		return Config{}, err
	}
	if !h.has("num_experts_per_tok") {
		return Config{}, &ConfigError{Field: "num_experts_per_tok", Value: "(missing)", Rule: "config.json must state the experts per token"}
	}
	if c.TopK, err = h.int("num_experts_per_tok"); err != nil {
		return Config{}, err
	}
	modelType, _ := h.str("model_type")
	modelType = strings.ToLower(modelType)

	c.Score = Softmax
	switch {
	case strings.HasPrefix(modelType, "llama4"), strings.HasPrefix(modelType, "glm4_moe"):
		c.Score = Sigmoid
	}
	if h.has("scoring_func") {
		sf, err := h.str("scoring_func")
		if err != nil {
			return Config{}, err
		}
		switch strings.ToLower(sf) {
		case "sigmoid":
			c.Score = Sigmoid
		case "softmax":
			c.Score = Softmax
		default:
			return Config{}, &ConfigError{Field: "scoring_func", Value: sf, Rule: `must be "sigmoid" or "softmax"`}
		}
	}
	switch {
	case strings.HasPrefix(modelType, "mixtral"), strings.HasPrefix(modelType, "gpt_oss"):
		c.Normalize = true
	}
	if h.has("norm_topk_prob") {
		if c.Normalize, err = h.bool("norm_topk_prob"); err != nil {
			return Config{}, err
		}
	}
	c.Scale = 1
	if h.has("routed_scaling_factor") {
		f, err := h.float("routed_scaling_factor")
		if err != nil {
			return Config{}, err
		}
		c.Scale = float32(f)
	}
	if h.has("n_group") {
		if c.Groups, err = h.int("n_group"); err != nil {
			return Config{}, err
		}
	}
	if h.has("topk_group") {
		if c.TopGroups, err = h.int("topk_group"); err != nil {
			return Config{}, err
		}
	}
	method := ""
	if h.has("topk_method") {
		if method, err = h.str("topk_method"); err != nil {
			return Config{}, err
		}
	}
	switch method {
	case "noaux_tc":
		c.GroupRule = GroupTop2Sum
		c.SelectionBias = true
	case "group_limited_greedy":
		c.GroupRule = GroupMax
	case "greedy", "":
		if method == "greedy" {
			c.Groups, c.TopGroups = 0, 0
		}
	default:
		return Config{}, &ConfigError{Field: "topk_method", Value: method, Rule: `must be "noaux_tc", "group_limited_greedy" or "greedy"`}
	}
	if strings.HasPrefix(modelType, "glm4_moe") {
		c.SelectionBias = true
	}
	if c.Groups <= 1 {
		c.Groups, c.TopGroups = 0, 0
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

type hfView map[string]json.RawMessage

func (h hfView) has(keys ...string) bool {
	_, ok := h.first(keys...)
	return ok
}

func (h hfView) first(keys ...string) (string, bool) {
	for _, k := range keys {
		if v, ok := h[k]; ok && string(v) != "null" {
			return k, true
		}
	}
	return "", false
}

func (h hfView) int(k string) (int, error) {
	var f float64
	if err := json.Unmarshal(h[k], &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return 0, &ConfigError{Field: k, Value: string(h[k]), Rule: "must be an integer"}
	}
	return int(f), nil
}

func (h hfView) float(k string) (float64, error) {
	var f float64
	if err := json.Unmarshal(h[k], &f); err != nil {
		return 0, &ConfigError{Field: k, Value: string(h[k]), Rule: "must be a number"}
	}
	return f, nil
}

func (h hfView) bool(k string) (bool, error) {
	var b bool
	if err := json.Unmarshal(h[k], &b); err != nil {
		return false, &ConfigError{Field: k, Value: string(h[k]), Rule: "must be true or false"}
	}
	return b, nil
}

func (h hfView) str(k string) (string, error) {
	var s string
	raw, ok := h[k]
	if !ok {
		return "", nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &ConfigError{Field: k, Value: string(raw), Rule: "must be a string"}
	}
	return s, nil
}
