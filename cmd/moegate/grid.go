package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/moegate/moegate/route"
)

// The grid of issue 11: every (experts, K, score) cell at T tokens per
// call, on every implementation, ns per token and the speed-up over the
// Go reference.
var (
	gridExperts = []int{8, 16, 32, 64, 128, 160, 256, 384, 512, 768, 1024, 4096}
	gridK       = []int{1, 2, 4, 6, 8, 10, 12, 16, 22, 32}
	// --quick: a few cells, for tests and a first look.
	quickExperts = []int{8, 64, 512}
	quickK       = []int{1, 8, 22}
)

// gridScore is one score column of the grid.
type gridScore struct {
	name string
	cfg  func(E, K int) route.Config
}

// gridScores: sqrtsoftplus + bias (DeepSeek-V4) joins once the reference
// implements route.SqrtSoftplus (today route.New refuses it).
var gridScores = []gridScore{
	{"sigmoid+bias", func(E, K int) route.Config {
		return route.Config{Experts: E, TopK: K, Score: route.Sigmoid, Normalize: true, SelectionBias: true}
	}},
	{"softmax-norm", func(E, K int) route.Config {
		return route.Config{Experts: E, TopK: K, Score: route.Softmax, Normalize: true}
	}},
	{"softmax+bias", func(E, K int) route.Config {
		return route.Config{Experts: E, TopK: K, Score: route.Softmax, SelectionBias: true}
	}},
}

// gridCell is one measured cell: ns per token for each implementation of
// order (NaN where the implementation is not measured).
type gridCell struct {
	score, E, K int
	ns          []float64
}

// runGrid measures the grid and prints one line per cell; png, when not
// empty, receives the heat maps (one per score and SIMD implementation).
func runGrid(stdout io.Writer, order []string, quick bool, T int, dur time.Duration, png string) error {
	es, ks := gridExperts, gridK
	if quick {
		es, ks = quickExperts, quickK
	}
	clock := "wall time"
	if _, ok := threadClock(); ok {
		clock = "CPU time of the thread"
	}
	defer lockThread()()
	fmt.Fprintf(stdout, "ns/token (speed-up over go), one goroutine, %d tokens per call, >= %v per cell, %s\n", T, dur, clock)
	fmt.Fprintf(stdout, "sqrtsoftplus+bias: not measured (the Go reference does not implement it yet)\n\n")
	fmt.Fprintf(stdout, "%-13s %5s %3s", "score", "E", "K")
	for _, i := range order {
		if i == "go" {
			fmt.Fprintf(stdout, " %10s", "go")
		} else {
			fmt.Fprintf(stdout, " %10s %7s", i, "speedup")
		}
	}
	fmt.Fprintln(stdout)
	rng := rand.New(rand.NewPCG(11, 12))
	var cells []gridCell
	for si, sc := range gridScores {
		for _, E := range es {
			x := make([]float32, T*E)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			bias := make([]float32, E)
			for i := range bias {
				bias[i] = float32(rng.NormFloat64() * 0.01)
			}
			for _, K := range ks {
				if K > E {
					continue
				}
				cfg := sc.cfg(E, K)
				in := route.Input{Logits: x, Tokens: T}
				if cfg.SelectionBias {
					in.Bias = bias
				}
				out := route.Output{IDs: make([]int32, T*K), Weights: make([]float32, T*K), Load: make([]int64, E)}
				c := gridCell{score: si, E: E, K: K, ns: make([]float64, len(order))}
				fmt.Fprintf(stdout, "%-13s %5d %3d", sc.name, E, K)
				for ii, impl := range order {
					r, err := route.NewImpl(cfg, impl)
					if err != nil {
						return err
					}
					if err := r.Route(out, in); err != nil { // warm up
						return err
					}
					n := 0
					start := time.Now()
					c0, ok := threadClock()
					for time.Since(start) < dur {
						r.Route(out, in)
						n++
					}
					el := time.Since(start).Nanoseconds()
					if c1, _ := threadClock(); ok {
						el = c1 - c0
					}
					c.ns[ii] = float64(el) / float64(n*T)
					if impl == "go" {
						fmt.Fprintf(stdout, " %10.1f", c.ns[ii])
					} else {
						fmt.Fprintf(stdout, " %10.1f %6.1fx", c.ns[ii], c.ns[0]/c.ns[ii])
					}
				}
				fmt.Fprintln(stdout)
				cells = append(cells, c)
			}
		}
	}
	if png == "" || len(order) < 2 {
		return nil
	}
	if err := writeGridPNG(png, order, es, ks, cells); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nheat map: %s\n", png)
	return nil
}

// heatGrid is one panel's values, log2 of the speed-up (NaN: no cell).
type heatGrid struct {
	es, ks []int
	z      [][]float64 // [E index][K index]
}

func (g heatGrid) Dims() (c, r int)   { return len(g.ks), len(g.es) }
func (g heatGrid) Z(c, r int) float64 { return g.z[r][c] }
func (g heatGrid) X(c int) float64    { return float64(c) }
func (g heatGrid) Y(r int) float64    { return float64(r) }

// writeGridPNG draws, for each score (rows) and SIMD implementation
// (columns), the cells' speed-up over go as colour (log scale, 1x to 32x
// and beyond) with "speed-up / ns per token" written in each cell. The
// file is written by temporary name and rename.
func writeGridPNG(path string, order []string, es, ks []int, cells []gridCell) error {
	nimpl := len(order) - 1 // order[0] is go
	plots := make([][]*plot.Plot, len(gridScores))
	cmap := moreland.SmoothBlueRed()
	cmap.SetMin(0)
	cmap.SetMax(5)
	pal := cmap.Palette(128)
	for si, sc := range gridScores {
		plots[si] = make([]*plot.Plot, nimpl)
		for ii := 1; ii <= nimpl; ii++ {
			g := heatGrid{es: es, ks: ks, z: make([][]float64, len(es))}
			for r := range g.z {
				g.z[r] = make([]float64, len(ks))
				for c := range g.z[r] {
					g.z[r][c] = math.NaN()
				}
			}
			var lab plotter.XYLabels
			for _, c := range cells {
				if c.score != si {
					continue
				}
				r, col := indexOf(es, c.E), indexOf(ks, c.K)
				up := c.ns[0] / c.ns[ii]
				g.z[r][col] = math.Min(math.Max(math.Log2(up), 0), 5)
				lab.XYs = append(lab.XYs, plotter.XY{X: float64(col), Y: float64(r)})
				lab.Labels = append(lab.Labels, fmt.Sprintf("%.1fx\n%s", up, nsLabel(c.ns[ii])))
			}
			p := plot.New()
			p.Title.Text = fmt.Sprintf("%s, %s: speed-up over go / ns per token (colour: blue 1x, red >= 32x)", order[ii], sc.name)
			p.X.Label.Text = "K"
			p.Y.Label.Text = "experts"
			h := plotter.NewHeatMap(g, pal)
			h.Min, h.Max = 0, 5
			h.NaN = color.White
			p.Add(h)
			if len(lab.XYs) > 0 {
				l, err := plotter.NewLabels(lab)
				if err != nil {
					return fmt.Errorf("heat map: %v", err)
				}
				for i := range l.TextStyle {
					l.TextStyle[i].XAlign = text.XCenter
					l.TextStyle[i].YAlign = text.YCenter
					l.TextStyle[i].Font.Size = vg.Points(7)
				}
				p.Add(l)
			}
			p.X.Tick.Marker = indexTicks(ks)
			p.Y.Tick.Marker = indexTicks(es)
			p.X.Min, p.X.Max = -0.5, float64(len(ks))-0.5
			p.Y.Min, p.Y.Max = -0.5, float64(len(es))-0.5
			plots[si][ii-1] = p
		}
	}
	w, h := vg.Length(nimpl)*8*vg.Inch, vg.Length(len(gridScores))*6*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(gridScores), Cols: nimpl, PadX: vg.Inch / 4, PadY: vg.Inch / 4,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("heat map %s: %v", path, err)
	}
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(f)
	if err == nil {
		err = f.Chmod(0o644) // CreateTemp makes 0600
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("heat map %s: %v", path, err)
	}
	return nil
}

func nsLabel(ns float64) string {
	if ns >= 100 {
		return fmt.Sprintf("%.0f ns", ns)
	}
	return fmt.Sprintf("%.1f ns", ns)
}

func indexOf(xs []int, v int) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return -1
}

// indexTicks labels the integer positions 0..len(vals)-1 with vals.
func indexTicks(vals []int) plot.ConstantTicks {
	t := make(plot.ConstantTicks, len(vals))
	for i, v := range vals {
		t[i] = plot.Tick{Value: float64(i), Label: fmt.Sprint(v)}
	}
	return t
}
