package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a one-line bar on a terminal (stderr); on anything else it
// draws nothing, so logs and pipes stay clean.
type progress struct {
	w     io.Writer
	on    bool
	total int
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, total int, force bool) *progress {
	on := force
	if f, ok := w.(*os.File); ok && !on {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, on: on, total: total, start: time.Now()}
}

// update redraws the bar for done of total steps, at most 20 times a second.
func (p *progress) update(done int, note string) {
	if !p.on {
		return
	}
	now := time.Now()
	if done < p.total && now.Sub(p.last) < 50*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	fill := width * done / max(p.total, 1)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	el := now.Sub(p.start)
	eta := ""
	if done > 0 && done < p.total {
		eta = fmt.Sprintf(" eta %.0fs", el.Seconds()*float64(p.total-done)/float64(done))
	}
	fmt.Fprintf(p.w, "\r\033[K[%s] %d/%d %.1fs%s %s", bar, done, p.total, el.Seconds(), eta, note)
}

// clear erases the bar so a table row can be printed; the next update
// redraws it.
func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
		p.last = time.Time{}
	}
}
