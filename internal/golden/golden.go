// Package golden reads route/testdata/golden: the cases and answers of an
// independent PyTorch reference (gen.py there), shared by the tests of
// package route and of the moegate command. It holds the manifest's schema,
// the Go twin of gen.py's splitmix64 input stream, and the checked blob.
package golden

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Spec is a generated input: gen.py's stream_values(seed, dist, a, b).
type Spec struct {
	Seed uint64  `json:"seed"`
	Dist string  `json:"dist"`
	A    float64 `json:"a"`
	B    float64 `json:"b"`
}

// Source says where an input comes from: the stream, or the blob at an offset.
type Source struct {
	PRNG *Spec `json:"prng"`
	Blob *int  `json:"blob"`
}

// Case is one golden case of the manifest.
type Case struct {
	Name   string `json:"name"`
	Family string `json:"family"`
	Router string `json:"router"`
	Preset string `json:"preset"`
	Config struct {
		Experts       int     `json:"Experts"`
		TopK          int     `json:"TopK"`
		Score         string  `json:"Score"`
		Groups        int     `json:"Groups"`
		TopGroups     int     `json:"TopGroups"`
		GroupRule     string  `json:"GroupRule"`
		Normalize     bool    `json:"Normalize"`
		Scale         float64 `json:"Scale"`
		SelectionBias bool    `json:"SelectionBias"`
	} `json:"config"`
	Tokens       int     `json:"tokens"`
	Stride       int     `json:"stride"`
	Logits       Source  `json:"logits"`
	LogitsSHA256 string  `json:"logits_sha256"`
	Bias         *Source `json:"bias"`
	BiasSHA256   string  `json:"bias_sha256"`
	IDs          int     `json:"ids"`
	Weights      int     `json:"weights"`
	Classes      int     `json:"classes"`
	Counts       struct {
		Order int `json:"order"`
		Near  int `json:"near"`
		Bad   int `json:"bad"`
	} `json:"counts"`
	RowKinds []int `json:"row_kinds"`
	FirstBad *struct {
		Token  int `json:"token"`
		Expert int `json:"expert"`
	} `json:"first_bad"`
	Pairs [][4]any `json:"pairs"`
}

// Manifest is manifest.json.
type Manifest struct {
	Format     int    `json:"format"`
	Blob       string `json:"blob"`
	BlobSize   int    `json:"blob_size"`
	BlobSHA256 string `json:"blob_sha256"`
	Cases      []Case `json:"cases"`
}

// LoadManifest reads dir/manifest.json.
func LoadManifest(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	m := new(Manifest)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("manifest.json: %v", err)
	}
	if m.Format != 1 {
		return nil, fmt.Errorf("manifest.json: format %d, want 1", m.Format)
	}
	return m, nil
}

// LoadBlob reads and decompresses m's blob from dir and checks its size and
// SHA-256 against the manifest.
func LoadBlob(dir string, m *Manifest) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, m.Blob))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	blob, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(blob)
	if len(blob) != m.BlobSize || hex.EncodeToString(sum[:]) != m.BlobSHA256 {
		return nil, fmt.Errorf("%s: %d bytes, sha256 %x; manifest says %d bytes, %s",
			m.Blob, len(blob), sum, m.BlobSize, m.BlobSHA256)
	}
	return blob, nil
}

// Splitmix returns output i (from 0) of gen.py's splitmix64 stream: the
// splitmix64 finaliser of seed + (i+1)*0x9E3779B97F4A7C15 (mod 2^64).
func Splitmix(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// Stream is gen.py's stream_values: t from 24-bit draws (uniform in [0,1),
// or the Irwin-Hall sum of four, centred, in [-2,2)), then float32(b*t + a)
// computed in float64. float64(b*t) keeps Go from fusing the multiply-add
// (Python does not fuse).
func Stream(s *Spec, n int) []float32 {
	out := make([]float32, n)
	for k := range out {
		var t float64
		switch s.Dist {
		case "uniform":
			t = float64(Splitmix(s.Seed, uint64(k))>>40) * 0x1p-24
		case "normal":
			var sum int64
			for q := 0; q < 4; q++ {
				sum += int64(Splitmix(s.Seed, uint64(4*k+q)) >> 40)
			}
			t = float64(sum-1<<25) * 0x1p-24
		default:
			panic("unknown dist " + s.Dist)
		}
		out[k] = float32(float64(s.B*t) + s.A)
	}
	return out
}

// Floats reads n little-endian float32 from blob at off.
func Floats(blob []byte, off, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(blob[off+4*i:]))
	}
	return out
}

// Ints reads n little-endian int32 from blob at off.
func Ints(blob []byte, off, n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(blob[off+4*i:]))
	}
	return out
}

// Values returns the n values of an input, regenerated from the stream or
// read from the blob, after checking them against the generator's SHA-256.
func Values(blob []byte, src *Source, n int, wantSHA string) ([]float32, error) {
	var v []float32
	switch {
	case src.PRNG != nil:
		v = Stream(src.PRNG, n)
	case src.Blob != nil:
		v = Floats(blob, *src.Blob, n)
	default:
		return nil, fmt.Errorf("input with neither prng nor blob")
	}
	b := make([]byte, 4*n)
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != wantSHA {
		return nil, fmt.Errorf("regenerated input has sha256 %x, the generator's has %s: the Go and Python streams disagree", sum, wantSHA)
	}
	return v, nil
}
