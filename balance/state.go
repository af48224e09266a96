package balance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The saved state, version 1, all integers little endian:
//
//	offset     size  field
//	0          7     magic "MOEGBAL"
//	7          1     version (1)
//	8          4     experts E, uint32, in [1, MaxExperts]
//	12         1     rule (0 Sign, 1 Linear, 2 CenteredSign)
//	13         4     rate u, float32 bits (finite, > 0)
//	17         8     steps, uint64 (fits in int)
//	25         4*E   bias, float32 bits each (finite)
//	25+4E      8*E   global counts, int64 each (>= 0)
//	25+12E     4     CRC-32C (Castagnoli) of bytes [0, 25+12E)
//
// Counts Added since the last Step are not part of the state.
const (
	magic       = "MOEGBAL"
	version     = 1
	headerSize  = 25 // up to and excluding the bias
	trailerSize = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func stateSize(e int) int { return headerSize + 12*e + trailerSize }

// MarshalBinary encodes the controller's state (options, steps, bias,
// global counts) in the versioned format above.
func (c *Controller) MarshalBinary() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	bias := c.Bias()
	if bias == nil {
		return nil, fmt.Errorf("%w: zero Controller has no state", ErrConfig)
	}
	e := len(bias)
	b := make([]byte, 0, stateSize(e))
	b = append(b, magic...)
	b = append(b, version)
	b = binary.LittleEndian.AppendUint32(b, uint32(e))
	b = append(b, byte(c.opt.Rule))
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(c.opt.Rate))
	b = binary.LittleEndian.AppendUint64(b, uint64(c.steps))
	for _, v := range bias {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for _, v := range c.global {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return b, nil
}

// Save writes the state (MarshalBinary) to w.
func (c *Controller) Save(w io.Writer) error {
	b, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// checkHeader validates the first 12 bytes (magic, version, experts) and
// returns E.
func checkHeader(h []byte) (int, error) {
	if string(h[:7]) != magic {
		return 0, corrupt("bad magic %q, want %q", h[:7], magic)
	}
	if h[7] != version {
		return 0, corrupt("unsupported version %d (this build reads version %d)", h[7], version)
	}
	e := binary.LittleEndian.Uint32(h[8:12])
	if e < 1 || e > MaxExperts {
		return 0, corrupt("experts = %d, must be in [1, %d]", e, MaxExperts)
	}
	return int(e), nil
}

type decoded struct {
	opt    Options
	steps  int
	bias   []float32
	global []int64
}

// decode checks and decodes a whole state; nothing is applied.
func decode(b []byte) (*decoded, error) {
	if len(b) < 12 {
		if len(b) < 7 && string(b) != magic[:len(b)] {
			return nil, corrupt("bad magic %q, want %q", b, magic)
		}
		return nil, corrupt("truncated: %d bytes, the header alone is 12", len(b))
	}
	e, err := checkHeader(b[:12])
	if err != nil {
		return nil, err
	}
	want := stateSize(e)
	if len(b) < want {
		return nil, corrupt("truncated: %d bytes, want %d for %d experts", len(b), want, e)
	}
	if len(b) > want {
		return nil, corrupt("%d trailing bytes after the state of %d experts", len(b)-want, e)
	}
	body := b[:want-trailerSize]
	if got, sum := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[want-trailerSize:]); got != sum {
		return nil, corrupt("checksum mismatch: stored CRC-32C %08x, computed %08x", sum, got)
	}
	d := &decoded{opt: Options{Rule: Rule(b[12]), Rate: math.Float32frombits(binary.LittleEndian.Uint32(b[13:17]))}}
	if d.opt.Rule > CenteredSign {
		return nil, corrupt("rule = %d, want 0 (Sign), 1 (Linear) or 2 (CenteredSign)", b[12])
	}
	if r := float64(d.opt.Rate); math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 {
		return nil, corrupt("rate = %v, must be finite and > 0", d.opt.Rate)
	}
	steps := binary.LittleEndian.Uint64(b[17:25])
	if steps > uint64(math.MaxInt) {
		return nil, corrupt("steps = %d overflows int", steps)
	}
	d.steps = int(steps)
	d.bias = make([]float32, e)
	p := b[headerSize:]
	for i := range d.bias {
		v := math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, corrupt("bias[%d] = %v, must be finite", i, v)
		}
		d.bias[i] = v
	}
	p = p[4*e:]
	d.global = make([]int64, e)
	for i := range d.global {
		v := int64(binary.LittleEndian.Uint64(p[8*i:]))
		if v < 0 {
			return nil, corrupt("global count [%d] = %d, must be >= 0", i, v)
		}
		d.global[i] = v
	}
	return d, nil
}

// UnmarshalBinary replaces the controller's whole state (experts, options,
// steps, bias, global counts) with a saved one. The data is decoded and
// checked in full before anything changes: on error (wrapping ErrCorrupt,
// saying what is wrong) the controller is untouched. Counts Added but not
// yet applied are discarded. It works on the zero Controller.
func (c *Controller) UnmarshalBinary(data []byte) error {
	d, err := decode(data)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.install(d.opt, d.steps, d.bias, d.global)
	return nil
}

// Load reads one saved state from r and returns a new Controller with it.
// It reads exactly the state's bytes, so the state may be embedded in a
// larger stream. A truncated or corrupt state gives an error wrapping
// ErrCorrupt; other read errors are returned wrapped as they are.
func Load(r io.Reader) (*Controller, error) {
	h := make([]byte, 12)
	if n, err := io.ReadFull(r, h); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			_, err := decode(h[:n])
			return nil, err
		}
		return nil, fmt.Errorf("balance: reading state: %w", err)
	}
	e, err := checkHeader(h)
	if err != nil {
		return nil, err
	}
	// Read through a LimitReader with ReadAll, which grows its buffer as
	// bytes arrive: a corrupt header claiming many experts on a short
	// stream does not allocate the whole claimed size.
	rest, err := io.ReadAll(io.LimitReader(r, int64(stateSize(e)-12)))
	if err != nil {
		return nil, fmt.Errorf("balance: reading state: %w", err)
	}
	if 12+len(rest) < stateSize(e) {
		return nil, corrupt("truncated: %d bytes, want %d for %d experts", 12+len(rest), stateSize(e), e)
	}
	b := append(h, rest...)
	c := &Controller{}
	if err := c.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return c, nil
}
