package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

type chartSeries struct {
	Name   string    // legend entry; empty: none
	Y      []float64 // one value per step, step 1 first; NaN or <= 0: not drawn
	Color  int       // plotutil.Color index
	Width  float64   // line width in points; 0: 1
	Dashed bool
	Light  bool // drawn in a lighter shade
}

// writeChart draws the series as lines over the steps on a log y axis
// labelled at 1, 2 and 5 times the powers of ten, with the paper's
// MaxVio_global figures (0.04 loss-free, 0.72 with an auxiliary loss)
// marked, into a PNG at path (written by temporary name and rename). keys
// are legend-only entries, drawn in gray, that explain the line styles.
func writeChart(path, title string, series, keys []chartSeries) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = "MaxVio (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = ticks125{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	lo, hi := 0.02, 1.0
	n := 0
	for _, s := range series {
		n = max(n, len(s.Y))
		for _, v := range s.Y {
			if v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	p.Y.Min, p.Y.Max = lo/1.3, hi*12 // a decade above the lines for the legend
	p.X.Min, p.X.Max = 0, float64(n)
	style := func(s chartSeries) draw.LineStyle {
		c := plotutil.Color(s.Color)
		if s.Light {
			r, g, b, _ := c.RGBA()
			c = color.RGBA{uint8(0xff - (0xff-r>>8)*2/5), uint8(0xff - (0xff-g>>8)*2/5), uint8(0xff - (0xff-b>>8)*2/5), 0xff}
		}
		ls := draw.LineStyle{Color: c, Width: vg.Points(max(s.Width, 1))}
		if s.Dashed {
			ls.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		return ls
	}
	for _, s := range series {
		var xy plotter.XYs
		for j, v := range s.Y {
			if v > 0 && !math.IsInf(v, 0) {
				xy = append(xy, plotter.XY{X: float64(j + 1), Y: v})
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		l.LineStyle = style(s)
		p.Add(l)
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
		}
	}
	for _, k := range keys {
		l := &plotter.Line{LineStyle: style(k)}
		l.Color = color.Gray{Y: 100}
		p.Legend.Add(k.Name, l)
	}
	for _, m := range []struct {
		y    float64
		name string
	}{{0.04, "paper, loss-free: MaxVio_global 0.04"}, {0.72, "paper, aux loss: MaxVio_global 0.72"}} {
		l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: m.y}, {X: float64(n), Y: m.y}})
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		l.Color = color.Gray{Y: 60}
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: float64(n) * 0.01, Y: m.y * 1.08}}, Labels: []string{m.name}})
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		lb.TextStyle[0].Color = color.Gray{Y: 40}
		lb.TextStyle[0].Font.Size = vg.Points(8)
		p.Add(lb)
	}
	return savePlot(p, path, 10*vg.Inch, 6*vg.Inch)
}

// savePlot draws p into a PNG of the given size at path (written by
// temporary name and rename).
func savePlot(p *plot.Plot, path string, w, h vg.Length) error {
	c := vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	p.Draw(draw.New(c))
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("chart %s: %v", path, err)
	}
	_, err = c.WriteTo(f)
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
		return fmt.Errorf("chart %s: %v", path, err)
	}
	return nil
}
