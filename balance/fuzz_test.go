package balance_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/moegate/moegate/balance"
)

// FuzzUnmarshal: any input either restores a state whose re-encoding is the
// input itself (so its stored CRC-32C matches its contents) or is refused
// with ErrCorrupt; never a panic. Seeds: testdata/fuzz/FuzzUnmarshal and
// the golden state file. Run: go test -fuzz FuzzUnmarshal ./balance/
func FuzzUnmarshal(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "state_v1.bin")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c balance.Controller
		err := c.UnmarshalBinary(data)
		l, lerr := balance.Load(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, balance.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			if lerr == nil {
				// Load reads only the state's length; accepting is
				// right only for a valid state followed by more bytes.
				b, _ := l.MarshalBinary()
				if !bytes.HasPrefix(data, b) || len(b) == len(data) {
					t.Fatal("Load accepted what UnmarshalBinary refused")
				}
			} else if !errors.Is(lerr, balance.ErrCorrupt) {
				t.Fatalf("Load error %v does not wrap ErrCorrupt", lerr)
			}
			return
		}
		n := len(data) - 4
		if n < 0 || crc32.Checksum(data[:n], crc32.MakeTable(crc32.Castagnoli)) != binary.LittleEndian.Uint32(data[n:]) {
			t.Fatal("accepted a state with a bad checksum")
		}
		b, err := c.MarshalBinary()
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("accepted state does not re-encode to itself (%v)", err)
		}
		if lerr != nil {
			t.Fatalf("Load refused what UnmarshalBinary accepted: %v", lerr)
		}
		for _, v := range c.Bias() {
			if v != v || v > 3.4e38 || v < -3.4e38 {
				t.Fatalf("accepted non-finite bias %v", v)
			}
		}
	})
}
