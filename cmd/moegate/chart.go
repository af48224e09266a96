package main

import (
	"fmt"
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
	Name string
	Y    []float64 // one value per step, step 1 first
}

// writeChart draws the series as lines over the steps into a PNG at path
// (written by temporary name and rename).
func writeChart(path, title string, series []chartSeries) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = "MaxVio_batch"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	top := 0.0
	for _, s := range series {
		for _, v := range s.Y {
			top = max(top, v)
		}
	}
	p.Y.Max = top * 1.3 // room for the legend above the lines
	n := 0
	for _, s := range series {
		n = max(n, len(s.Y))
	}
	p.X.Min, p.X.Max = 0, float64(n)
	for i, s := range series {
		xy := make(plotter.XYs, len(s.Y))
		for j, v := range s.Y {
			xy[j] = plotter.XY{X: float64(j + 1), Y: v}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	return savePlot(p, path, 9*vg.Inch, 4.5*vg.Inch)
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
