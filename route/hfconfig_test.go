package route_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moegate/moegate/route"
)

// hfFiles: each released-shape config.json under testdata/configs, the
// Config its family's code routes with, and the routing keys that the code
// does not read or takes a default for (removing any one of them must not
// change the result).
var hfFiles = []struct {
	file      string
	want      route.Config
	removable []string
}{
	{"deepseek-v3", route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		[]string{"scoring_func", "topk_method", "n_group", "topk_group", "norm_topk_prob", "routed_scaling_factor"}},
	{"deepseek-v3.2", route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		[]string{"scoring_func", "topk_method"}},
	{"deepseek-v2", route.Config{Experts: 160, TopK: 6, Score: route.Softmax, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax, Scale: 16},
		[]string{"scoring_func", "norm_topk_prob"}},
	{"deepseek-v2-lite", route.Config{Experts: 64, TopK: 6, Score: route.Softmax, Scale: 1},
		[]string{"scoring_func", "topk_method", "n_group", "topk_group", "norm_topk_prob", "routed_scaling_factor"}},
	{"deepseek-v4-flash", route.Config{Experts: 256, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		[]string{"scoring_func", "topk_method", "norm_topk_prob", "routed_scaling_factor"}},
	{"deepseek-v4-pro", route.Config{Experts: 384, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		[]string{"scoring_func", "topk_method", "n_group", "topk_group", "norm_topk_prob", "routed_scaling_factor"}},
	{"deepseek-v4.1-flash", route.Config{Experts: 384, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		[]string{"scoring_func", "topk_method", "n_group", "topk_group", "norm_topk_prob", "routed_scaling_factor", "model_type"}},
	{"kimi-k2", route.Config{Experts: 384, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.827, SelectionBias: true},
		[]string{"scoring_func", "topk_method"}},
	{"glm-4.5", route.Config{Experts: 160, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		[]string{"n_group", "topk_group", "norm_topk_prob"}},
	{"glm-4.5-air", route.Config{Experts: 128, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 1, SelectionBias: true},
		[]string{"n_group", "topk_group", "norm_topk_prob", "routed_scaling_factor"}},
	{"glm-5", route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		[]string{"n_group", "topk_group", "routed_scaling_factor"}},
	{"minimax-m2", route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, NormRule: route.NormSum, Scale: 1, SelectionBias: true},
		[]string{"scoring_func", "use_routing_bias"}},
	{"qwen3-moe", route.Config{Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}, nil},
	{"qwen1.5-moe", route.Config{Experts: 60, TopK: 4, Score: route.Softmax, Scale: 1}, []string{"norm_topk_prob"}},
	{"qwen3-next", route.Config{Experts: 512, TopK: 10, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}, []string{"norm_topk_prob"}},
	{"qwen3.5-moe", route.Config{Experts: 256, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}, []string{"model_type"}},
	{"longcat-flash", route.Config{Experts: 768, TopK: 12, Score: route.Softmax, Scale: 6, SelectionBias: true, ZeroExperts: 256},
		[]string{"zero_expert_type"}},
	{"ling-2.0", route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true}, nil},
	{"ernie-4.5", route.Config{Experts: 64, TopK: 6, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12, Scale: 1, SelectionBias: true}, nil},
	{"gemma-4", route.Config{Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1, PerExpertScale: true}, []string{"model_type"}},
	{"nemotron-3-super", route.Config{Experts: 512, TopK: 22, Score: route.Sigmoid, Normalize: true, Scale: 5, SelectionBias: true},
		[]string{"n_group", "topk_group", "norm_topk_prob"}},
	{"gpt-oss-20b", route.Config{Experts: 32, TopK: 4, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}, []string{"experts_per_token"}},
	{"gpt-oss-120b", route.Config{Experts: 128, TopK: 4, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}, []string{"experts_per_token"}},
	{"mixtral-8x7b", route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}, nil},
	{"llama4-scout", route.Config{Experts: 16, TopK: 1, Score: route.Sigmoid, Scale: 1}, []string{"model_type"}},
	{"llama4-maverick", route.Config{Experts: 128, TopK: 1, Score: route.Sigmoid, Scale: 1}, []string{"model_type"}},
}

func readHFFile(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "configs", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// gate returns the object that holds the experts (a nested text_config or
// llm_config, or the top level).
func gate(m map[string]any) map[string]any {
	for _, k := range []string{"text_config", "llm_config"} {
		if in, ok := m[k].(map[string]any); ok {
			return in
		}
	}
	return m
}

func fromHF(t *testing.T, m map[string]any) (route.Config, error) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return route.FromHFConfig(b)
}

// TestFromHFConfigFiles: every family as its released config.json is
// shaped, nesting included, and the same with each key its code does not
// need removed.
func TestFromHFConfigFiles(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range hfFiles {
		seen[tc.file+".json"] = true
		m := readHFFile(t, tc.file)
		got, err := fromHF(t, m)
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v\nwant %+v", tc.file, got, tc.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%s: %v", tc.file, err)
		}
		for _, k := range tc.removable {
			m := readHFFile(t, tc.file)
			g := gate(m)
			if _, ok := g[k]; !ok {
				t.Errorf("%s: has no %s to remove", tc.file, k)
				continue
			}
			delete(g, k)
			got, err := fromHF(t, m)
			if err != nil || got != tc.want {
				t.Errorf("%s without %s: got %+v, %v; want %+v", tc.file, k, got, err, tc.want)
			}
		}
	}
	ents, err := os.ReadDir(filepath.Join("testdata", "configs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") && !seen[e.Name()] {
			t.Errorf("testdata/configs/%s is not tested", e.Name())
		}
	}
}

// TestFromHFConfigRequiredKeys: removing a key the family's code reads and
// has no stated default for is refused, naming the key.
func TestFromHFConfigRequiredKeys(t *testing.T) {
	cases := []struct{ file, key string }{
		{"deepseek-v3", "n_routed_experts"},
		{"deepseek-v3", "num_experts_per_tok"},
		{"deepseek-v3.2", "n_group"},
		{"deepseek-v3.2", "norm_topk_prob"},
		{"kimi-k2", "routed_scaling_factor"},
		{"glm-4.5", "n_routed_experts"},
		{"deepseek-v2", "n_group"}, // group_limited_greedy needs it
		{"deepseek-v2", "topk_group"},
		{"minimax-m2", "num_local_experts"},
		{"qwen3-moe", "num_experts"},
		{"qwen1.5-moe", "num_experts_per_tok"},
		{"qwen3-next", "num_experts"},
		{"qwen3.5-moe", "num_experts_per_tok"},
		{"longcat-flash", "moe_topk"},
		{"longcat-flash", "routed_scaling_factor"},
		{"ling-2.0", "score_function"},
		{"ling-2.0", "moe_router_enable_expert_bias"},
		{"ling-2.0", "n_group"},
		{"ernie-4.5", "moe_k"},
		{"gemma-4", "top_k_experts"},
		{"gemma-4", "enable_moe_block"},
		{"nemotron-3-super", "n_routed_experts"},
		{"mixtral-8x7b", "num_experts_per_tok"},
	}
	for _, tc := range cases {
		m := readHFFile(t, tc.file)
		g := gate(m)
		prefix := ""
		if _, ok := m["text_config"]; ok {
			prefix = "text_config."
		}
		delete(g, tc.key)
		_, err := fromHF(t, m)
		var ce *route.ConfigError
		if !errors.Is(err, route.ErrConfig) || !errors.As(err, &ce) || !strings.HasPrefix(ce.Field, prefix) ||
			!strings.Contains(ce.Field, tc.key) {
			t.Errorf("%s without %s: got %v, want a ConfigError naming %s%s", tc.file, tc.key, err, prefix, tc.key)
		}
	}
}

// TestFromHFConfigDefaults: a rule key left out takes the family's
// configuration-class default, which may differ from the released value.
func TestFromHFConfigDefaults(t *testing.T) {
	cases := []struct {
		file, key string
		mod       func(*route.Config)
	}{
		{"qwen3-moe", "norm_topk_prob", func(c *route.Config) { c.Normalize, c.NormRule = false, 0 }}, // Qwen3MoeConfig: false
		{"glm-4.5", "routed_scaling_factor", func(c *route.Config) { c.Scale = 1 }},                   // Glm4MoeConfig: 1.0
		{"nemotron-3-super", "routed_scaling_factor", func(c *route.Config) { c.Scale = 1 }},          // NemotronHConfig: 1.0
		{"deepseek-v2", "routed_scaling_factor", func(c *route.Config) { c.Scale = 1 }},               // DeepseekV2Config: 1.0
		{"deepseek-v2", "topk_method", func(c *route.Config) { c.Groups, c.TopGroups, c.GroupRule = 0, 0, 0 }},
		{"ernie-4.5", "moe_norm_min", nil}, // not in the file: 1e-12
	}
	for _, tc := range cases {
		m := readHFFile(t, tc.file)
		want, err := fromHF(t, m)
		if err != nil {
			t.Fatal(err)
		}
		if tc.mod != nil {
			tc.mod(&want)
		}
		delete(gate(m), tc.key)
		got, err := fromHF(t, m)
		if err != nil || got != want {
			t.Errorf("%s without %s: got %+v, %v; want %+v", tc.file, tc.key, got, err, want)
		}
	}
}

type hfCase struct {
	name, json string
	want       route.Config
}

func checkHFCases(t *testing.T, cases []hfCase) {
	t.Helper()
	for _, tc := range cases {
		got, err := route.FromHFConfig([]byte(tc.json))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// TestFromHFConfigIssue9: the configs issue 9 found read wrongly.
func TestFromHFConfigIssue9(t *testing.T) {
	v3 := route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true}
	checkHFCases(t, []hfCase{
		{"glm_moe_dsa is a sigmoid", `{"model_type":"glm_moe_dsa","n_routed_experts":256,"num_experts_per_tok":8,"norm_topk_prob":true}`,
			route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true}},
		{"nemotron_h is a sigmoid", `{"model_type":"nemotron_h","n_routed_experts":512,"num_experts_per_tok":22,"n_group":1,"topk_group":1,
			"norm_topk_prob":true,"routed_scaling_factor":5.0}`,
			route.Config{Experts: 512, TopK: 22, Score: route.Sigmoid, Normalize: true, Scale: 5, SelectionBias: true}},
		{"minimax_m2 renormalises", `{"model_type":"minimax_m2","num_local_experts":256,"num_experts_per_tok":8}`,
			route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, NormRule: route.NormSum, Scale: 1, SelectionBias: true}},
		{"deepseek_v3 without scoring_func", `{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":8,
			"topk_group":4,"topk_method":"noaux_tc","norm_topk_prob":true,"routed_scaling_factor":2.5}`, v3},
		{"deepseek_v3 without topk_method", `{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":8,
			"topk_group":4,"scoring_func":"sigmoid","norm_topk_prob":true,"routed_scaling_factor":2.5}`, v3},
		{"deepseek_v3 with only its counts", `{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8}`, v3},
		{"deepseek_v2 without topk_method is greedy", `{"model_type":"deepseek_v2","n_routed_experts":160,"num_experts_per_tok":6,
			"n_group":8,"topk_group":3,"routed_scaling_factor":16.0}`,
			route.Config{Experts: 160, TopK: 6, Score: route.Softmax, Scale: 16}},
		{"nemotron_h nested under llm_config", `{"model_type":"NemotronH_Nano_VL_V2","llm_config":{"model_type":"nemotron_h",
			"n_routed_experts":128,"num_experts_per_tok":6,"n_group":1,"topk_group":1,"norm_topk_prob":true,"routed_scaling_factor":2.5}}`,
			route.Config{Experts: 128, TopK: 6, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true}},
		{"longcat without zero experts", `{"model_type":"longcat_flash","n_routed_experts":512,"zero_expert_num":null,"moe_topk":12,
			"routed_scaling_factor":6.0}`,
			route.Config{Experts: 512, TopK: 12, Score: route.Softmax, Scale: 6, SelectionBias: true}},
		{"ernie moe_norm_min stated", `{"model_type":"ernie4_5_moe","moe_num_experts":64,"moe_k":8,"moe_norm_min":1e-6}`,
			route.Config{Experts: 64, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-6, Scale: 1, SelectionBias: true}},
		{"deepseek_v4 with a sigmoid", `{"model_type":"deepseek_v4","n_routed_experts":256,"num_experts_per_tok":6,"scoring_func":"sigmoid"}`,
			route.Config{Experts: 256, TopK: 6, Score: route.Sigmoid, Normalize: true, Scale: 1.5, SelectionBias: true}},
		{"num_local_experts, DeepseekV3Config's alias", `{"model_type":"deepseek_v3","num_local_experts":256,"num_experts_per_tok":8}`, v3},
		{"model_type case", `{"model_type":"Mixtral","num_local_experts":8,"num_experts_per_tok":2}`,
			route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}},
	})
}

// TestFromHFConfigGeneric: a model_type moegate does not know is accepted
// when the file states every rule.
func TestFromHFConfigGeneric(t *testing.T) {
	checkHFCases(t, []hfCase{
		{"noaux_tc", `{"model_type":"future_moe","n_routed_experts":256,"num_experts_per_tok":8,"scoring_func":"sigmoid",
			"topk_method":"noaux_tc","n_group":8,"topk_group":4,"norm_topk_prob":true,"moegate_norm_rule":"sum+1e-20","routed_scaling_factor":2.5}`,
			route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true}},
		{"no model_type: DeepSeek's rule", `{"n_routed_experts":256,"num_experts_per_tok":8,"scoring_func":"sigmoid",
			"topk_method":"noaux_tc","n_group":8,"topk_group":4,"norm_topk_prob":true,"routed_scaling_factor":2.5}`,
			route.Config{Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true}},
		{"a softmax without bias needs no rule", `{"model_type":"future_moe","num_experts":128,"num_experts_per_tok":8,"scoring_func":"softmax",
			"topk_method":"greedy","norm_topk_prob":true,"routed_scaling_factor":1}`,
			route.Config{Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, Scale: 1}},
		{"no model_type (the command's golden configs)", `{"n_routed_experts":60,"num_experts_per_tok":4,"scoring_func":"softmax","n_group":1,
			"topk_group":1,"topk_method":"greedy","norm_topk_prob":false,"routed_scaling_factor":1}`,
			route.Config{Experts: 60, TopK: 4, Score: route.Softmax, Scale: 1}},
		{"greedy needs no groups", `{"model_type":"x","num_experts":8,"num_experts_per_tok":2,"scoring_func":"softmax","topk_method":"greedy",
			"norm_topk_prob":true,"moegate_norm_rule":"sum","routed_scaling_factor":1.0}`,
			route.Config{Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: route.NormSum, Scale: 1}},
		{"group_limited_greedy", `{"model_type":"x","n_routed_experts":160,"num_experts_per_tok":6,"scoring_func":"softmax",
			"topk_method":"group_limited_greedy","n_group":8,"topk_group":3,"norm_topk_prob":false,"routed_scaling_factor":16}`,
			route.Config{Experts: 160, TopK: 6, Score: route.Softmax, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax, Scale: 16}},
		{"everything", `{"model_type":"x","num_local_experts":768,"num_experts_per_tok":12,"scoring_func":"sqrtsoftplus",
			"topk_method":"noaux_tc","n_group":1,"topk_group":1,"norm_topk_prob":true,"moegate_norm_rule":"max(sum,min)","moe_norm_min":1e-12,
			"routed_scaling_factor":6,"zero_expert_num":256,"moegate_per_expert_scale":true}`,
			route.Config{Experts: 768, TopK: 12, Score: route.SqrtSoftplus, Normalize: true, NormRule: route.NormClamp, NormMin: 1e-12,
				Scale: 6, SelectionBias: true, ZeroExperts: 256, PerExpertScale: true}},
	})
}

func TestFromHFConfigUnknownType(t *testing.T) {
	for _, js := range []string{
		`{"model_type":"future_moe","num_experts":8,"num_experts_per_tok":2}`,
		`{"num_experts":8,"num_experts_per_tok":2,"norm_topk_prob":true}`,
		`{"model_type":"future_moe","text_config":{"num_experts":8,"num_experts_per_tok":2}}`,
	} {
		_, err := route.FromHFConfig([]byte(js))
		var ce *route.ConfigError
		if !errors.Is(err, route.ErrConfig) || !errors.As(err, &ce) || !strings.HasSuffix(ce.Field, "model_type") {
			t.Errorf("%s: got %v, want a ConfigError on model_type", js, err)
			continue
		}
		msg := err.Error()
		for _, w := range []string{"scoring_func", "topk_method", "n_group", "routed_scaling_factor", "deepseek_v3", "longcat_flash"} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q does not mention %s", js, msg, w)
			}
		}
		if strings.Contains(js, "norm_topk_prob") == strings.Contains(msg, "norm_topk_prob (true or false)") {
			t.Errorf("%s: message %q lists norm_topk_prob wrongly", js, msg)
		}
	}
}

// TestFromHFConfigUnknownNormRule: a named model_type that states every
// other rule in DeepSeek's vocabulary still has to say how its code
// divides by the sum.
func TestFromHFConfigUnknownNormRule(t *testing.T) {
	js := `{"model_type":"frobnicator_moe","n_routed_experts":256,"num_experts_per_tok":8,"n_group":8,"topk_group":4,
		"scoring_func":"sigmoid","topk_method":"noaux_tc","norm_topk_prob":true,"routed_scaling_factor":2.5}`
	_, err := route.FromHFConfig([]byte(js))
	if !errors.Is(err, route.ErrConfig) || !strings.Contains(err.Error(), "moegate_norm_rule") ||
		strings.Contains(err.Error(), "scoring_func (") {
		t.Fatalf("got %v; want a refusal that lists moegate_norm_rule only", err)
	}
}

// TestFromHFConfigBad: bad counts, wrong JSON types and stated rules that
// contradict the family's code, each refused naming its key.
func TestFromHFConfigBad(t *testing.T) {
	const gen = `"scoring_func":"sigmoid","topk_method":"noaux_tc","norm_topk_prob":true,"routed_scaling_factor":2.5`
	cases := []struct{ json, field string }{
		{`{`, ""},
		{`[1,2]`, ""},
		{`null`, ""},
		{`{"model_type":5,"n_routed_experts":8}`, "model_type"},
		{`{"model_type":"llama4","text_config":[1]}`, "text_config"},
		// counts
		{`{"model_type":"deepseek_v3","n_routed_experts":-256,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":0,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":1e12,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":33554432,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":64.5,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":"256","num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":true,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":null,"num_experts_per_tok":8}`, "n_routed_experts"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":257}`, "num_experts_per_tok"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":0}`, "num_experts_per_tok"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":-8}`, "num_experts_per_tok"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":-8}`, "n_group"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":0}`, "n_group"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":null}`, "n_group"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":7,"topk_group":4}`, "n_group"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":8,"topk_group":9}`, "topk_group"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":8,"topk_group":-1}`, "topk_group"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"n_group":2}`, "topk_group"}, // default 4 > 2
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":64,"n_group":8,"topk_group":1}`, "num_experts_per_tok"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"routed_scaling_factor":-2.5}`, "routed_scaling_factor"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"routed_scaling_factor":0}`, "routed_scaling_factor"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"routed_scaling_factor":1e39}`, "routed_scaling_factor"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"routed_scaling_factor":1e-50}`, "routed_scaling_factor"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"routed_scaling_factor":"2.5"}`, "routed_scaling_factor"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"norm_topk_prob":"yes"}`, "norm_topk_prob"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"norm_topk_prob":null}`, "norm_topk_prob"},
		{`{"model_type":"longcat_flash","n_routed_experts":512,"zero_expert_num":-1,"moe_topk":12,"routed_scaling_factor":6}`, "zero_expert_num"},
		{`{"model_type":"longcat_flash","n_routed_experts":512,"zero_expert_num":256,"moe_topk":769,"routed_scaling_factor":6}`, "moe_topk"},
		{`{"model_type":"ernie4_5_moe","moe_num_experts":[64,64],"moe_k":6}`, "moe_num_experts"},
		{`{"model_type":"ernie4_5_moe","moe_num_experts":64,"moe_k":6,"moe_norm_min":0}`, "moe_norm_min"},
		{`{"model_type":"ernie4_5_moe","moe_num_experts":64,"moe_k":6,"moe_norm_min":-1e-12}`, "moe_norm_min"},
		{`{"model_type":"ernie4_5_moe","moe_num_experts":64,"moe_k":6,"moe_norm_min":1e-50}`, "moe_norm_min"},
		{`{"model_type":"minimax_m2","num_local_experts":256,"num_experts":128,"num_experts_per_tok":8}`, "num_experts"},
		{`{"model_type":"gpt_oss","num_local_experts":32,"num_experts_per_tok":4,"experts_per_token":2}`, "experts_per_token"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_local_experts":128,"num_experts_per_tok":8}`, "num_local_experts"},
		{`{"model_type":"qwen3_5_moe","text_config":{"num_experts":256,"num_experts_per_tok":300}}`, "text_config.num_experts_per_tok"},
		// stated rules the family's code contradicts
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"scoring_func":"softmax"}`, "scoring_func"},
		{`{"model_type":"deepseek_v3","n_routed_experts":256,"num_experts_per_tok":8,"topk_method":"greedy"}`, "topk_method"},
		{`{"model_type":"kimi_k2","n_routed_experts":384,"num_experts_per_tok":8,"topk_method":"group_limited_greedy"}`, "topk_method"},
		{`{"model_type":"deepseek_v2","n_routed_experts":64,"num_experts_per_tok":6,"norm_topk_prob":true}`, "norm_topk_prob"},
		{`{"model_type":"deepseek_v2","n_routed_experts":64,"num_experts_per_tok":6,"topk_method":"noaux_tc"}`, "topk_method"},
		{`{"model_type":"deepseek_v2","n_routed_experts":64,"num_experts_per_tok":6,"scoring_func":"sigmoid"}`, "scoring_func"},
		{`{"model_type":"deepseek_v4","n_routed_experts":256,"num_experts_per_tok":6,"n_group":8,"topk_group":4}`, "n_group"},
		{`{"model_type":"deepseek_v4","n_routed_experts":256,"num_experts_per_tok":6,"norm_topk_prob":false}`, "norm_topk_prob"},
		{`{"model_type":"deepseek_v4","n_routed_experts":256,"num_experts_per_tok":6,"scoring_func":"softmax"}`, "scoring_func"},
		{`{"model_type":"minimax_m2","num_local_experts":256,"num_experts_per_tok":8,"use_routing_bias":false}`, "use_routing_bias"},
		{`{"model_type":"minimax_m2","num_local_experts":256,"num_experts_per_tok":8,"routed_scaling_factor":2}`, "routed_scaling_factor"},
		{`{"model_type":"minimax_m2","num_local_experts":256,"num_experts_per_tok":8,"scoring_func":"softmax"}`, "scoring_func"},
		{`{"model_type":"qwen3_moe","num_experts":128,"num_experts_per_tok":8,"norm_topk_prob":true,"scoring_func":"sigmoid"}`, "scoring_func"},
		{`{"model_type":"qwen3_moe","num_experts":128,"num_experts_per_tok":8,"norm_topk_prob":true,"n_group":8}`, "n_group"},
		{`{"model_type":"qwen3_5_moe","text_config":{"num_experts":256,"num_experts_per_tok":8,"norm_topk_prob":false}}`, "text_config.norm_topk_prob"},
		{`{"model_type":"longcat_flash","n_routed_experts":512,"zero_expert_num":256,"moe_topk":12,"routed_scaling_factor":6,"norm_topk_prob":true}`, "norm_topk_prob"},
		{`{"model_type":"longcat_flash","n_routed_experts":512,"zero_expert_num":256,"zero_expert_type":"copy","moe_topk":12,"routed_scaling_factor":6}`, "zero_expert_type"},
		{`{"model_type":"bailing_moe_v2","num_experts":256,"num_experts_per_tok":8,"score_function":"softmax"}`, "score_function"},
		{`{"model_type":"gemma4","text_config":{"enable_moe_block":false,"num_experts":null,"top_k_experts":null}}`, "text_config.enable_moe_block"},
		// the generic path
		{`{"num_experts":8,"num_experts_per_tok":2,` + gen + `,"n_group":1}`, "model_type"},
		// a named model's normalisation rule is its code's: it must be stated
		{`{"model_type":"frobnicator_moe","n_routed_experts":256,"num_experts_per_tok":8,"n_group":8,"topk_group":4,` + gen + `}`, "model_type"},
		{`{"model_type":"frobnicator_moe","num_experts":64,"num_experts_per_tok":8,"n_group":1,"topk_group":1,"scoring_func":"softmax",
			"topk_method":"noaux_tc","norm_topk_prob":true,"routed_scaling_factor":1}`, "model_type"},
		{`{"num_experts":8,"num_experts_per_tok":2,"scoring_func":"relu","topk_method":"greedy","norm_topk_prob":true,"routed_scaling_factor":1}`, "scoring_func"},
		{`{"num_experts":8,"num_experts_per_tok":2,"scoring_func":"softmax","topk_method":"magic","n_group":1,"topk_group":1,"norm_topk_prob":true,"routed_scaling_factor":1}`, "topk_method"},
		{`{"num_experts":8,"num_experts_per_tok":2,"scoring_func":"softmax","topk_method":"greedy","n_group":2,"norm_topk_prob":true,"routed_scaling_factor":1}`, "n_group"},
		{`{"num_experts":64,"num_experts_per_tok":8,` + gen + `,"n_group":5,"topk_group":2}`, "n_group"},
		{`{"num_experts":64,"num_experts_per_tok":8,` + gen + `,"n_group":1,"topk_group":1,"moegate_norm_rule":"l2"}`, "moegate_norm_rule"},
		{`{"num_experts":64,"num_experts_per_tok":8,` + gen + `,"n_group":1,"topk_group":1,"moegate_norm_rule":"max(sum,min)"}`, "moe_norm_min"},
		{`{"num_experts":64,"num_experts_per_tok":8,` + gen + `,"n_group":1,"topk_group":1,"zero_expert_num":64}`, "zero_expert_num"},
		{`{"num_experts":64,"num_experts_per_tok":8,` + gen + `,"n_group":1,"topk_group":1,"moegate_per_expert_scale":1}`, "moegate_per_expert_scale"},
		{`{"num_experts":64,"n_routed_experts":32,"num_experts_per_tok":8,` + gen + `,"n_group":1,"topk_group":1}`, "num_experts"},
		{`{"n_routed_experts":256,"num_experts_per_tok":300}`, "num_experts_per_tok"}, // a bad count before the missing rules
		{`{"n_routed_experts":-1,"num_experts_per_tok":2}`, "n_routed_experts"},
	}
	for _, tc := range cases {
		c, err := route.FromHFConfig([]byte(tc.json))
		if !errors.Is(err, route.ErrConfig) {
			t.Errorf("%s: got %+v, %v; want ErrConfig", tc.json, c, err)
			continue
		}
		if c != (route.Config{}) {
			t.Errorf("%s: error with a non-zero Config %+v", tc.json, c)
		}
		var ce *route.ConfigError
		if tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field) {
			t.Errorf("%s: got %v, want a ConfigError on %s", tc.json, err, tc.field)
		}
		if tc.field != "" && !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: message %q does not name %s", tc.json, err, tc.field)
		}
	}
}

func TestHFModelType(t *testing.T) {
	cases := []struct {
		json, typ string
		known     bool
	}{
		{`{"model_type":"deepseek_v3","n_routed_experts":256}`, "deepseek_v3", true},
		{`{"model_type":"gemma4","text_config":{"model_type":"gemma4_text","num_experts":128}}`, "gemma4_text", true},
		{`{"model_type":"NemotronH_Nano_VL_V2","llm_config":{"model_type":"nemotron_h","n_routed_experts":128}}`, "nemotron_h", true},
		{`{"model_type":"deepseek_v4","text_config":{"n_routed_experts":384}}`, "deepseek_v4", true},
		{`{"model_type":"future_moe"}`, "future_moe", false},
		{`{}`, "", false},
	}
	for _, tc := range cases {
		typ, known, err := route.HFModelType([]byte(tc.json))
		if err != nil || typ != tc.typ || known != tc.known {
			t.Errorf("%s: got %q, %v, %v; want %q, %v", tc.json, typ, known, err, tc.typ, tc.known)
		}
	}
	fams := route.HFFamilies()
	var names []string
	for n, rules := range fams {
		names = append(names, n)
		if !strings.Contains(rules, "ource") {
			t.Errorf("%s: rules without a source: %q", n, rules)
		}
	}
	sort.Strings(names)
	want := "bailing_moe_v2 deepseek_v2 deepseek_v3 deepseek_v32 deepseek_v4 ernie4_5_moe gemma4 glm4_moe glm_moe_dsa gpt_oss kimi_k2 " +
		"llama4 longcat_flash minimax_m2 mixtral nemotron_h qwen2_moe qwen3_5_moe qwen3_moe qwen3_next"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("families:\n got %s\nwant %s", got, want)
	}
}
