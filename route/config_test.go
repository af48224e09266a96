package route_test

import (
	"errors"
	"math"
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
	want := map[string]route.Config{
		"deepseek-v3":      {Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		"deepseek-r1":      {Experts: 256, TopK: 8, Score: route.Sigmoid, Groups: 8, TopGroups: 4, Normalize: true, Scale: 2.5, SelectionBias: true},
		"kimi-k2":          {Experts: 384, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.827, SelectionBias: true},
		"glm-4.5":          {Experts: 160, TopK: 8, Score: route.Sigmoid, Normalize: true, Scale: 2.5, SelectionBias: true},
		"deepseek-v2":      {Experts: 160, TopK: 6, Score: route.Softmax, Groups: 8, TopGroups: 3, GroupRule: route.GroupMax, Scale: 16},
		"deepseek-v2-lite": {Experts: 64, TopK: 6, Score: route.Softmax, Scale: 1},
		"qwen3-moe":        {Experts: 128, TopK: 8, Score: route.Softmax, Normalize: true, Scale: 1},
		"qwen1.5-moe":      {Experts: 60, TopK: 4, Score: route.Softmax, Scale: 1},
		"mixtral-8x7b":     {Experts: 8, TopK: 2, Score: route.Softmax, Normalize: true, Scale: 1},
		"gpt-oss-20b":      {Experts: 32, TopK: 4, Score: route.Softmax, Normalize: true, Scale: 1},
		"llama4-scout":     {Experts: 16, TopK: 1, Score: route.Sigmoid, Scale: 1},
		"llama4-maverick":  {Experts: 128, TopK: 1, Score: route.Sigmoid, Scale: 1},
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
	for _, p := range route.Presets() {
		if err := p.Config.Validate(); err != nil {
			t.Errorf("preset %s invalid: %v", p.Name, err)
		}
	}
	if _, err := route.LookupPreset("gpt-5"); !errors.Is(err, route.ErrConfig) {
		t.Errorf("unknown preset: %v", err)
	}
}
