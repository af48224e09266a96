// Package balance is a temporary stand-in for github.com/moegate/moegate/balance
// with the same call shapes, used only until that package is merged. It
// implements the auxiliary-loss-free rules of DESIGN.md section 2.
package balance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync/atomic"
)

type Rule uint8

const (
	Sign Rule = iota
	Linear
)

type Options struct {
	Rate float32
	Rule Rule
}

var (
	ErrConfig  = errors.New("balance: invalid config")
	ErrShape   = errors.New("balance: bad shape")
	ErrCorrupt = errors.New("balance: corrupt state")
)

type StepStats struct {
	Step    int
	Tokens  int64
	MaxVio  float64
	BiasMin float32
	BiasMax float32
}

type Controller struct {
	opt    Options
	bias   []float32
	pub    atomic.Pointer[[]float32]
	cur    []int64
	global []int64
	steps  int
}

func New(experts int, opt Options) (*Controller, error) {
	if experts < 1 || opt.Rule > Linear || !(opt.Rate >= 0) || math.IsInf(float64(opt.Rate), 0) {
		return nil, ErrConfig
	}
	if opt.Rate == 0 {
		opt.Rate = 0.001
	}
	c := &Controller{opt: opt, bias: make([]float32, experts), cur: make([]int64, experts), global: make([]int64, experts)}
	c.publish()
	return c, nil
}

func (c *Controller) publish() {
	b := append([]float32(nil), c.bias...)
	c.pub.Store(&b)
}

func (c *Controller) Experts() int     { return len(c.bias) }
func (c *Controller) Options() Options { return c.opt }
func (c *Controller) Bias() []float32  { return *c.pub.Load() }
func (c *Controller) Steps() int       { return c.steps }

func (c *Controller) Add(load []int64) error {
	if len(load) != len(c.cur) {
		return ErrShape
	}
	for i, v := range load {
		c.cur[i] += v
	}
	return nil
}

func (c *Controller) Step() StepStats {
	st, _ := c.Update(c.cur)
	clear(c.cur)
	return st
}

func (c *Controller) Update(counts []int64) (StepStats, error) {
	if len(counts) != len(c.bias) {
		return StepStats{}, ErrShape
	}
	var sum int64
	for _, v := range counts {
		sum += v
	}
	mean := float64(sum) / float64(len(counts))
	u := c.opt.Rate
	for i, v := range counts {
		e := mean - float64(v)
		switch c.opt.Rule {
		case Sign:
			if e > 0 {
				c.bias[i] += u
			} else if e < 0 {
				c.bias[i] -= u
			}
		case Linear:
			c.bias[i] += float32(float64(u) * e)
		}
		c.global[i] += v
	}
	c.steps++
	c.publish()
	st := StepStats{Step: c.steps, Tokens: sum, MaxVio: MaxVio(counts), BiasMin: c.bias[0], BiasMax: c.bias[0]}
	for _, b := range c.bias {
		st.BiasMin = min(st.BiasMin, b)
		st.BiasMax = max(st.BiasMax, b)
	}
	return st, nil
}

func (c *Controller) GlobalLoad() []int64   { return append([]int64(nil), c.global...) }
func (c *Controller) MaxVioGlobal() float64 { return MaxVio(c.global) }
func (c *Controller) ResetGlobal()          { clear(c.global) }

func MaxVio(load []int64) float64 {
	if len(load) == 0 {
		return 0
	}
	var sum, mx int64
	for _, v := range load {
		sum += v
		mx = max(mx, v)
	}
	if sum == 0 {
		return 0
	}
	mean := float64(sum) / float64(len(load))
	return (float64(mx) - mean) / mean
}

const magic = "MGSTUB01"

func (c *Controller) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(magic)
	binary.Write(&b, binary.LittleEndian, uint32(len(c.bias)))
	binary.Write(&b, binary.LittleEndian, c.opt.Rate)
	b.WriteByte(byte(c.opt.Rule))
	binary.Write(&b, binary.LittleEndian, uint64(c.steps))
	binary.Write(&b, binary.LittleEndian, c.bias)
	binary.Write(&b, binary.LittleEndian, c.cur)
	binary.Write(&b, binary.LittleEndian, c.global)
	binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes(), nil
}

func (c *Controller) UnmarshalBinary(data []byte) error {
	if len(data) < len(magic)+4+4+1+8+4 || string(data[:len(magic)]) != magic {
		return fmt.Errorf("%w: not a controller state", ErrCorrupt)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	r := bytes.NewReader(body[len(magic):])
	var n uint32
	var opt Options
	var steps uint64
	binary.Read(r, binary.LittleEndian, &n)
	binary.Read(r, binary.LittleEndian, &opt.Rate)
	rb, _ := r.ReadByte()
	opt.Rule = Rule(rb)
	binary.Read(r, binary.LittleEndian, &steps)
	if n == 0 || int64(r.Len()) != int64(n)*(4+8+8) || opt.Rule > Linear {
		return fmt.Errorf("%w: bad length", ErrCorrupt)
	}
	nc := &Controller{opt: opt, bias: make([]float32, n), cur: make([]int64, n), global: make([]int64, n), steps: int(steps)}
	binary.Read(r, binary.LittleEndian, nc.bias)
	binary.Read(r, binary.LittleEndian, nc.cur)
	binary.Read(r, binary.LittleEndian, nc.global)
	for _, b := range nc.bias {
		if math.IsNaN(float64(b)) || math.IsInf(float64(b), 0) {
			return fmt.Errorf("%w: non-finite bias", ErrCorrupt)
		}
	}
	c.opt, c.bias, c.cur, c.global, c.steps = nc.opt, nc.bias, nc.cur, nc.global, nc.steps
	c.publish()
	return nil
}

func Load(r io.Reader) (*Controller, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	c := &Controller{}
	if err := c.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Controller) Save(w io.Writer) error {
	b, _ := c.MarshalBinary()
	_, err := w.Write(b)
	return err
}
