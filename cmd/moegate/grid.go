package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

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

// gridScores are the grid's score columns: the gates of the 2026 routers
// with E and K replaced.
var gridScores = []gridScore{
	{"sigmoid+bias", func(E, K int) route.Config { // DeepSeek-V3 without groups and scale
		return route.Config{Experts: E, TopK: K, Score: route.Sigmoid, Normalize: true, SelectionBias: true}
	}},
	{"softmax-norm", func(E, K int) route.Config { // Qwen3
		return route.Config{Experts: E, TopK: K, Score: route.Softmax, Normalize: true}
	}},
	{"softmax+bias", func(E, K int) route.Config { // LongCat-Flash without zero experts and scale
		return route.Config{Experts: E, TopK: K, Score: route.Softmax, SelectionBias: true}
	}},
	{"sqrtsoftplus+bias", func(E, K int) route.Config { // DeepSeek-V4: deepseek-v4-flash's gate
		return route.Config{Experts: E, TopK: K, Score: route.SqrtSoftplus, Normalize: true, Scale: 1.5, SelectionBias: true}
	}},
}

// gridCell is one measured cell: ns per token for each implementation of
// order.
type gridCell struct {
	score, E, K int
	ns          []float64
}

// gridCells lists the cells of the grid (quick: of the quick grid) in the
// order they are measured: score, then E, then K, every K <= E.
func gridCells(quick bool) []gridCell {
	es, ks := gridExperts, gridK
	if quick {
		es, ks = quickExperts, quickK
	}
	var cells []gridCell
	for si := range gridScores {
		for _, E := range es {
			for _, K := range ks {
				if K <= E {
					cells = append(cells, gridCell{score: si, E: E, K: K})
				}
			}
		}
	}
	return cells
}

// gridMinE is the smallest E of the cells the issue holds to gridBar.
const (
	gridMinE = 64
	gridBar  = 3.0
)

// runGrid measures the grid and prints one line per cell, then the
// speed-up matrices and the cells with E >= gridMinE below gridBar x go;
// png, when not empty, receives the heat maps (one per score and SIMD
// implementation).
func runGrid(stdout io.Writer, order []string, quick bool, T int, m meter, png string) error {
	es, ks := gridExperts, gridK
	if quick {
		es, ks = quickExperts, quickK
	}
	if err := checkBatch("--tokens", T, slices.Max(ks), 4*int64(slices.Max(es))+8*int64(slices.Max(ks))); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ns/token (speed-up over go), one goroutine, %d tokens per call, %s\n\n", T, m.describe())
	fmt.Fprintf(stdout, "%-17s %5s %3s", "score", "E", "K")
	for _, i := range order {
		if i == "go" {
			fmt.Fprintf(stdout, " %10s", "go")
		} else {
			fmt.Fprintf(stdout, " %10s %7s", i, "speedup")
		}
	}
	fmt.Fprintln(stdout)
	rng := rand.New(rand.NewPCG(11, 12))
	cells := gridCells(quick)
	var in route.Input
	var bias []float32
	for ci := range cells {
		c := &cells[ci]
		if ci == 0 || c.E != cells[ci-1].E {
			// new logits and bias for every row of experts
			in = route.Input{Logits: make([]float32, T*c.E), Tokens: T}
			for i := range in.Logits {
				in.Logits[i] = float32(rng.NormFloat64())
			}
			bias = make([]float32, c.E)
			for i := range bias {
				bias[i] = float32(rng.NormFloat64() * 0.01)
			}
		}
		sc := gridScores[c.score]
		cfg := sc.cfg(c.E, c.K)
		in.Bias = nil
		if cfg.SelectionBias {
			in.Bias = bias
		}
		calls, err := routeCallers(cfg, order, in, T, T)
		if err != nil {
			return err
		}
		ns, err := m.interleave(calls)
		if err != nil {
			return err
		}
		c.ns = make([]float64, len(order))
		fmt.Fprintf(stdout, "%-17s %5d %3d", sc.name, c.E, c.K)
		for ii, impl := range order {
			c.ns[ii] = ns[ii] / float64(T)
			if impl == "go" {
				fmt.Fprintf(stdout, " %10.1f", c.ns[ii])
			} else {
				fmt.Fprintf(stdout, " %10.1f %6.1fx", c.ns[ii], c.ns[0]/c.ns[ii])
			}
		}
		fmt.Fprintln(stdout)
	}
	printGridMatrices(stdout, order, es, ks, cells)
	if png == "" || len(order) < 2 {
		return nil
	}
	if err := writeGridPNG(png, order, es, ks, cells); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nheat map: %s\n", png)
	return nil
}

// printGridMatrices prints, for every score, a markdown table of experts x
// K with each SIMD implementation's speed-up over go, then the cells with
// E >= gridMinE where a SIMD implementation is below gridBar x go.
func printGridMatrices(w io.Writer, order []string, es, ks []int, cells []gridCell) {
	if len(order) < 2 {
		return
	}
	simd := strings.Join(order[1:], " / ")
	for si, sc := range gridScores {
		fmt.Fprintf(w, "\n%s: speed-up over go, %s\n\n| E \\ K |", sc.name, simd)
		for _, K := range ks {
			fmt.Fprintf(w, " %d |", K)
		}
		fmt.Fprintf(w, "\n|---:|")
		for range ks {
			fmt.Fprintf(w, "---:|")
		}
		fmt.Fprintln(w)
		for _, E := range es {
			fmt.Fprintf(w, "| %d |", E)
			for _, K := range ks {
				s := ""
				for _, c := range cells {
					if c.score == si && c.E == E && c.K == K {
						f := make([]string, len(order)-1)
						for ii := 1; ii < len(order); ii++ {
							f[ii-1] = fmt.Sprintf("%.1f", c.ns[0]/c.ns[ii])
						}
						s = strings.Join(f, " / ")
					}
				}
				fmt.Fprintf(w, " %s |", s)
			}
			fmt.Fprintln(w)
		}
	}
	var miss []string
	for _, c := range cells {
		if c.E < gridMinE {
			continue
		}
		for ii := 1; ii < len(order); ii++ {
			if up := c.ns[0] / c.ns[ii]; up < gridBar {
				miss = append(miss, fmt.Sprintf("%s E=%d K=%d %s: %.2fx (%s vs go %s ns/token)",
					gridScores[c.score].name, c.E, c.K, order[ii], up, nsFig(c.ns[ii]), nsFig(c.ns[0])))
			}
		}
	}
	fmt.Fprintf(w, "\ncells with E >= %d where a SIMD path is below %.0fx go: %d\n", gridMinE, gridBar, len(miss))
	for _, s := range miss {
		fmt.Fprintf(w, "  %s\n", s)
	}
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
// (columns), the cells' speed-up over go as colour with "speed-up / ns per
// token" written in each cell. The colour scale is logarithmic on either
// side of the bar, gridBar x: red at 1x and below, white at
// gridBar x, blue at 32x and above; the ends are kept light enough for the
// text. The file is written by temporary name and rename.
func writeGridPNG(path string, order []string, es, ks []int, cells []gridCell) error {
	nimpl := len(order) - 1 // order[0] is go
	plots := make([][]*plot.Plot, len(gridScores))
	cmap := moreland.SmoothBlueRed()
	cmap.SetMin(0)
	cmap.SetMax(1)
	var pal colors
	for i := range 128 {
		c, err := cmap.At(0.85 - 0.7*float64(i)/127) // red (0.85) to blue (0.15)
		if err != nil {
			return fmt.Errorf("heat map: %v", err)
		}
		pal = append(pal, c)
	}
	// z: 0 at 1x, 0.5 at gridBar x, 1 at 32x, log scale on each side.
	zOf := func(up float64) float64 {
		l, bar := math.Log2(up), math.Log2(gridBar)
		if l < bar {
			return math.Max(l/bar, 0) / 2
		}
		return math.Min(0.5+(l-bar)/(5-bar)/2, 1)
	}
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
				g.z[r][col] = zOf(up)
				lab.XYs = append(lab.XYs, plotter.XY{X: float64(col), Y: float64(r)})
				lab.Labels = append(lab.Labels, fmt.Sprintf("%.1fx\n%s", up, nsLabel(c.ns[ii])))
			}
			p := plot.New()
			p.Title.Text = fmt.Sprintf("%s, %s: speed-up over go / ns per token (red 1x, white %gx, blue >= 32x)", order[ii], sc.name, gridBar)
			p.X.Label.Text = "K"
			p.Y.Label.Text = "experts"
			h := plotter.NewHeatMap(g, pal)
			h.Min, h.Max = 0, 1
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
					l.TextStyle[i].Font.Size = vg.Points(8)
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

// colors is a palette.Palette.
type colors []color.Color

func (c colors) Colors() []color.Color { return c }

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
