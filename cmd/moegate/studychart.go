package main

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ticks125 labels a log axis at 1, 2 and 5 times the powers of ten (minor
// ticks at the other integers), so that a range such as 0.03 to 0.5 shows
// labelled values.
type ticks125 struct{}

func (ticks125) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for d := math.Floor(math.Log10(lo)); d <= math.Ceil(math.Log10(hi)); d++ {
		p := math.Pow(10, d)
		for i := 1; i < 10; i++ {
			v := float64(i) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if i == 1 || i == 2 || i == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// writeStudyChart draws the held-out task loss against MaxVio_global:
// the auxiliary loss's alpha curve, the loss-free points, no balancing,
// and Expert Choice (MaxVio 0, drawn at the left edge).
func writeStudyChart(path string, rows []studyRow, seeds int, sz studySize) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("moegate study: task loss against balance (mean of %d seeds; %d steps x %d tokens)\nbars: ± sd over seeds of the loss minus no balancing's on the same seed", seeds, sz.Steps, sz.Batch)
	p.X.Label.Text = "MaxVio_global (held-out; log scale)"
	p.Y.Label.Text = "held-out task loss (MSE)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true

	// Axis ranges from the data, with the paper's marks inside.
	xlo, xhi := 0.03, 0.8
	ylo, yhi := math.Inf(1), 0.0
	for _, r := range rows {
		if r.arm.Kind != armExpertChoice && r.vioGlobal.mean > 0 {
			xlo = math.Min(xlo, r.vioGlobal.mean)
			xhi = math.Max(xhi, r.vioGlobal.mean)
		}
		ylo = math.Min(ylo, r.loss.mean-r.dloss.sd)
		yhi = math.Max(yhi, r.loss.mean+r.dloss.sd)
	}
	xlo, xhi = xlo/1.6, xhi*1.6
	pad := yhi - ylo
	ylo, yhi = math.Max(0, ylo-0.15*pad), yhi+0.45*pad // room for the legend
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xlo, xhi, ylo, yhi

	xOf := func(r studyRow) float64 {
		if r.arm.Kind == armExpertChoice || r.vioGlobal.mean <= xlo {
			return xlo * 1.05 // MaxVio 0 cannot be drawn on a log axis
		}
		return r.vioGlobal.mean
	}
	type group struct {
		name  string
		kinds []armKind
		line  bool
		shape draw.GlyphDrawer
	}
	groups := []group{
		{"auxiliary loss (alpha = 1e-4 ... 1e-1)", []armKind{armAux}, true, draw.CircleGlyph{}},
		{"loss-free, sign rule (u = 1e-4 ... 1e-2)", []armKind{armSign}, false, draw.TriangleGlyph{}},
		{"loss-free, linear rule", []armKind{armLinear}, false, draw.SquareGlyph{}},
		{"no balancing", []armKind{armNone}, false, draw.CrossGlyph{}},
		{"expert choice (MaxVio 0: drawn at the left edge)", []armKind{armExpertChoice}, false, draw.PyramidGlyph{}},
	}
	for gi, g := range groups {
		var xys plotter.XYs
		var errs plotter.YErrors
		var labels []string
		for _, r := range rows {
			for _, k := range g.kinds {
				if r.arm.Kind != k {
					continue
				}
				xys = append(xys, plotter.XY{X: xOf(r), Y: r.loss.mean})
				errs = append(errs, struct{ Low, High float64 }{r.dloss.sd, r.dloss.sd})
				switch k {
				case armAux:
					labels = append(labels, fmt.Sprintf(" α=%g", r.arm.Alpha))
				case armSign:
					labels = append(labels, fmt.Sprintf(" u=%g", r.arm.U))
				default:
					labels = append(labels, "")
				}
			}
		}
		if len(xys) == 0 {
			continue
		}
		c := plotutil.Color(gi)
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: g.shape}
		if g.kinds[0] == armNone {
			sc.GlyphStyle.Radius = vg.Points(7)
		}
		p.Add(sc)
		if g.line {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return fmt.Errorf("chart: %v", err)
			}
			l.Color = c
			l.Width = vg.Points(1.2)
			p.Add(l)
			p.Legend.Add(g.name, l, sc)
		} else {
			p.Legend.Add(g.name, sc)
		}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xys, errs})
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		eb.Color = c
		p.Add(eb)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Color = c
		}
		lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(3)}
		if g.line { // the alpha labels below the curve, the others above
			lb.Offset.Y = -vg.Points(12)
		}
		p.Add(lb)
	}
	// The paper's two MaxVio_global values (1B model).
	for _, m := range []struct {
		x    float64
		name string
	}{{0.04, "paper, loss-free: 0.04"}, {0.72, "paper, aux loss: 0.72"}} {
		l, err := plotter.NewLine(plotter.XYs{{X: m.x, Y: ylo}, {X: m.x, Y: yhi}})
		if err != nil {
			return fmt.Errorf("chart: %v", err)
		}
		l.Color = color.Gray{Y: 110}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		lb, _ := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: m.x, Y: ylo + 0.02*(yhi-ylo)}}, Labels: []string{" " + m.name}})
		lb.TextStyle[0].Color = color.Gray{Y: 90}
		p.Add(lb)
	}
	return savePlot(p, path, 9*vg.Inch, 5.5*vg.Inch)
}
