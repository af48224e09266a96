package route_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moegate/moegate/route"
)

func TestValidateRules(t *testing.T) {
	ok := route.Config{Experts: 256, TopK: 8, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	cases := []struct {
		name  string
		mod   func(*route.Config)
		field string
	}{
		{"no experts", func(c *route.Config) { c.Experts = 0 }, "Experts"},
		{"too many experts", func(c *route.Config) { c.Experts = route.MaxExperts + 1 }, "Experts"},
		{"k zero", func(c *route.Config) { c.TopK = 0 }, "TopK"},
		{"k > E", func(c *route.Config) { c.Groups, c.TopGroups, c.TopK = 0, 0, 257 }, "TopK"},
		{"bad score", func(c *route.Config) { c.Score = 7 }, "Score"},
		{"bad rule", func(c *route.Config) { c.GroupRule = 9 }, "GroupRule"},
		{"negative groups", func(c *route.Config) { c.Groups = -1 }, "Groups"},
		{"groups not dividing", func(c *route.Config) { c.Groups = 7 }, "Groups"},
		{"top2 with 1 per group", func(c *route.Config) { c.Groups, c.TopGroups, c.TopK = 256, 8, 8 }, "Groups"},
		{"keep zero", func(c *route.Config) { c.TopGroups = 0 }, "TopGroups"},
		{"keep > groups", func(c *route.Config) { c.TopGroups = 9 }, "TopGroups"},
		{"k > kept experts", func(c *route.Config) { c.TopGroups, c.TopK = 1, 33 }, "TopK"},
		{"keep without groups", func(c *route.Config) { c.Groups, c.TopGroups = 1, 2 }, "TopGroups"},
		{"nan scale", func(c *route.Config) { c.Scale = float32(math.NaN()) }, "Scale"},
		{"inf scale", func(c *route.Config) { c.Scale = float32(math.Inf(1)) }, "Scale"},
		{"negative scale", func(c *route.Config) { c.Scale = -1 }, "Scale"},
	}
	for _, tc := range cases {
		c := ok
		tc.mod(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: accepted %+v", tc.name, c)
			continue
		}
		var ce *route.ConfigError
		if !errors.Is(err, route.ErrConfig) || !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: got %v, want a ConfigError on %s wrapping ErrConfig", tc.name, err, tc.field)
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: message %q does not name %s", tc.name, err, tc.field)
		}
		if _, err := route.New(c); !errors.Is(err, route.ErrConfig) {
			t.Errorf("%s: New accepted an invalid config (%v)", tc.name, err)
		}
	}
	// GroupMax allows one expert per group.
	c := route.Config{Experts: 8, TopK: 2, Groups: 8, TopGroups: 2, GroupRule: route.GroupMax}
	if err := c.Validate(); err != nil {
		t.Errorf("GroupMax with singleton groups rejected: %v", err)
	}
}

func TestPresets(t *testing.T) {
	sum, clamp := route.NormSum, route.NormClamp
	want := map[string]route.Config{
		"deepseek-v3":       {Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		"deepseek-r1":       {Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		"deepseek-v3.2":     {Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		"deepseek-v4-flash": {Experts: 256, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		"deepseek-v4-pro":   {Experts: 384, TopK: 6, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true},
		"kimi-k2":           {Experts: 384, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.827, SelectionBias: true},
		"glm-4.5":           {Experts: 160, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		"glm-4.5-air":       {Experts: 128, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 1, SelectionBias: true},
		"glm-5":             {Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		"minimax-m2":        {Experts: 256, TopK: 8, Score: route.Sigmoid, Normalize: true, NormRule: sum, Scale: 1, SelectionBias: true},
		"deepseek-v2":       {Experts: 160, TopK: 6, Score: route.Softmax, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax, Scale: 16},
		"deepseek-v2-lite":  {Experts: 64, TopK: 6, Score: route.Softmax, Scale: 1},
		"qwen3-moe":         {Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1},
		"qwen3-next":        {Experts: 512, TopK: 10, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1},
		"qwen3.5-moe":       {Experts: 256, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1},
		"qwen1.5-moe":       {Experts: 60, TopK: 4, Score: route.Softmax, Scale: 1},
		"longcat-flash":     {Experts: 768, TopK: 12, Score: route.Softmax, Scale: 6, SelectionBias: true, ZeroExperts: 256},
		"ling-2.0":          {Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		"ernie-4.5":         {Experts: 64, TopK: 6, Score: route.Softmax, Normalize: true, NormRule: clamp, NormMin: 1e-12, Scale: 1, SelectionBias: true},
		"gemma-4":           {Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1, PerExpertScale: true},
		"nemotron-3-super":  {Experts: 512, TopK: 22, Score: route.Sigmoid, Normalize: true, Scale: 5, SelectionBias: true},
		"mixtral-8x7b":      {Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1},
		"gpt-oss-20b":       {Experts: 32, TopK: 4, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1},
		"gpt-oss-120b":      {Experts: 128, TopK: 4, Score: route.Softmax, Normalize: true, NormRule: sum, Scale: 1},
		"llama4-scout":      {Experts: 16, TopK: 1, Score: route.Sigmoid, Scale: 1},
		"llama4-maverick":   {Experts: 128, TopK: 1, Score: route.Sigmoid, Scale: 1},
	}
	for name, c := range want {
		p, err := route.LookupPreset(strings.ToUpper(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Config != c {
			t.Errorf("%s: got %+v, want %+v", name, p.Config, c)
		}
		if p.Source == "" {
			t.Errorf("%s: no source", name)
		}
	}
	names := route.PresetNames()
	for _, n := range names {
		if _, ok := want[n]; !ok {
			t.Errorf("preset %s is not in this test", n)
		}
	}
	seen := map[string]string{}
	for _, p := range route.Presets() {
		if err := p.Config.Validate(); err != nil {
			t.Errorf("preset %s invalid: %v", p.Name, err)
		}
		for _, n := range append([]string{p.Name}, p.Aliases...) {
			if other, dup := seen[n]; dup {
				t.Errorf("name %s used by %s and %s", n, other, p.Name)
			}
			seen[n] = p.Name
			if q, err := route.LookupPreset(n); err != nil || q.Name != p.Name {
				t.Errorf("LookupPreset(%s) = %s, %v; want %s", n, q.Name, err, p.Name)
			}
		}
	}
	if _, err := route.LookupPreset("gpt-5"); !errors.Is(err, route.ErrConfig) {
		t.Errorf("unknown preset: %v", err)
	}
}

// TestPresetsFromConfigFiles: each preset is exactly what FromHFConfig
// reads from its model's config.json (testdata/configs/<name>.json), so
// the presets and the family rules cannot drift apart.
func TestPresetsFromConfigFiles(t *testing.T) {
	for _, p := range route.Presets() {
		b, err := os.ReadFile(filepath.Join("testdata", "configs", p.Name+".json"))
		if err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
			continue
		}
		c, err := route.FromHFConfig(b)
		if err != nil {
			t.Errorf("preset %s: its config.json: %v", p.Name, err)
			continue
		}
		if c != p.Config {
			t.Errorf("preset %s is %+v; its config.json reads %+v", p.Name, p.Config, c)
		}
		if strings.Contains(p.Source, "secondary") != strings.Contains(p.Source, "(secondary") {
			t.Errorf("preset %s: say \"(secondary: ...)\" with the copy it comes from: %s", p.Name, p.Source)
		}
	}
}

// TestPresetsCopies: what Presets and LookupPreset return is the caller's.
func TestPresetsCopies(t *testing.T) {
	before, err := route.LookupPreset("deepseek-v3")
	if err != nil {
		t.Fatal(err)
	}
	ps := route.Presets()
	for i := range ps {
		for j := range ps[i].Aliases {
			ps[i].Aliases[j] = "edited"
		}
		ps[i].Config.Experts = 3
		ps[i].Name = "edited"
	}
	got, err := route.LookupPreset("deepseek-v3")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, before) {
		t.Fatalf("editing Presets() changed LookupPreset: %+v, was %+v", got, before)
	}
	if _, err := route.LookupPreset("deepseek-r1"); err != nil {
		t.Fatalf("an alias lost through Presets(): %v", err)
	}
	got.Aliases[0] = "edited"
	if again, _ := route.LookupPreset("deepseek-v3"); !reflect.DeepEqual(again, before) {
		t.Fatalf("editing LookupPreset's result changed the preset: %+v", again)
	}
	if ps2 := route.Presets(); ps2[0].Name == "edited" || ps2[0].Aliases[0] == "edited" {
		t.Fatalf("Presets() shares its slices: %+v", ps2[0])
	}
}
