package balance_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/moegate/moegate/balance"
)

func mustNew(t testing.TB, e int, opt balance.Options) *balance.Controller {
	t.Helper()
	c, err := balance.New(e, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bitsOf(b []float32) []uint32 {
	out := make([]uint32, len(b))
	for i, v := range b {
		out[i] = math.Float32bits(v)
	}
	return out
}

// cmpMean returns the exact sign of c_i - mean(c) for every i (big
// integers: c_i*E vs Σc).
func cmpMean(counts []int64) []int {
	sum := new(big.Int)
	for _, v := range counts {
		sum.Add(sum, big.NewInt(v))
	}
	out := make([]int, len(counts))
	for i, v := range counts {
		out[i] = new(big.Int).Mul(big.NewInt(v), big.NewInt(int64(len(counts)))).Cmp(sum)
	}
	return out
}

func randCounts(r *rand.Rand, e int, max int64) []int64 {
	c := make([]int64, e)
	for i := range c {
		c[i] = r.Int64N(max + 1)
	}
	return c
}

func TestNewValidates(t *testing.T) {
	bad := []struct {
		e   int
		opt balance.Options
	}{
		{0, balance.Options{}},
		{-3, balance.Options{}},
		{balance.MaxExperts + 1, balance.Options{}},
		{8, balance.Options{Rate: float32(math.NaN())}},
		{8, balance.Options{Rate: -0.001}},
		{8, balance.Options{Rate: float32(math.Inf(1))}},
		{8, balance.Options{Rule: 3}},
	}
	for _, b := range bad {
		if c, err := balance.New(b.e, b.opt); !errors.Is(err, balance.ErrConfig) || c != nil {
			t.Errorf("New(%d, %+v) = %v, %v; want nil, ErrConfig", b.e, b.opt, c, err)
		}
	}
	c := mustNew(t, 8, balance.Options{})
	if c.Experts() != 8 || c.Options() != (balance.Options{Rate: 0.001, Rule: balance.Sign}) || c.Steps() != 0 {
		t.Errorf("Experts %d Options %+v Steps %d", c.Experts(), c.Options(), c.Steps())
	}
	if !slices.Equal(c.Bias(), make([]float32, 8)) || !slices.Equal(c.GlobalLoad(), make([]int64, 8)) {
		t.Errorf("initial bias %v load %v", c.Bias(), c.GlobalLoad())
	}
}

// The property of DESIGN.md section 2: an overloaded expert's bias drops by
// exactly u (b - u in float32), an underloaded one rises by exactly u, one
// at the mean does not move (bit for bit), over random loads and random
// biases, for several rates.
func TestSignRuleProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, u := range []float32{0.001, 0.25, 1e-7, 3} {
		for _, e := range []int{1, 2, 3, 7, 64, 256} {
			c := mustNew(t, e, balance.Options{Rate: u})
			for step := range 50 {
				counts := randCounts(r, e, 1+int64(step%4)*50)
				if step%5 == 0 { // exactly balanced: nothing moves
					for i := range counts {
						counts[i] = counts[0]
					}
				}
				if step%7 == 0 && e > 1 { // put some experts exactly at the mean
					counts[0], counts[1] = 10, 12
					for i := 2; i < e; i++ {
						counts[i] = 11
					}
				}
				old := c.Bias()
				oldCopy := slices.Clone(old)
				st, err := c.Update(counts)
				if err != nil {
					t.Fatal(err)
				}
				nb := c.Bias()
				if !slices.Equal(bitsOf(old), bitsOf(oldCopy)) {
					t.Fatal("a published bias snapshot was modified")
				}
				cmp := cmpMean(counts)
				for i := range e {
					var want float32
					switch cmp[i] {
					case 1:
						want = old[i] - u
					case -1:
						want = old[i] + u
					default:
						want = old[i]
					}
					if math.Float32bits(nb[i]) != math.Float32bits(want) {
						t.Fatalf("u=%v e=%d step %d expert %d: counts %v: bias %v -> %v, want %v", u, e, step, i, counts, old[i], nb[i], want)
					}
				}
				if st.Step != step+1 || st.MaxVio != balance.MaxVio(counts) {
					t.Fatalf("stats %+v", st)
				}
			}
		}
	}
}

func TestSignRuleExactlyU(t *testing.T) {
	c := mustNew(t, 4, balance.Options{})
	c.Update([]int64{9, 1, 1, 1}) // mean 3
	u := float32(0.001)
	if got := c.Bias(); !slices.Equal(bitsOf(got), bitsOf([]float32{-u, u, u, u})) {
		t.Fatalf("bias %v, want [-u u u u]", got)
	}
	before := bitsOf(c.Bias())
	for _, counts := range [][]int64{{5, 5, 5, 5}, {0, 0, 0, 0}} {
		st, _ := c.Update(counts)
		if !slices.Equal(bitsOf(c.Bias()), before) {
			t.Fatalf("balanced step %v moved the bias: %v", counts, c.Bias())
		}
		if st.MaxVio != 0 {
			t.Fatalf("balanced MaxVio %v", st.MaxVio)
		}
	}
	// 1000 overloaded steps: exactly 1000 float32 subtractions.
	want := float32(0)
	c = mustNew(t, 2, balance.Options{})
	for range 1000 {
		c.Update([]int64{3, 1})
		want = want - u
	}
	if c.Bias()[0] != want || c.Bias()[1] != -want {
		t.Fatalf("after 1000 steps %v, want [%v %v]", c.Bias(), want, -want)
	}
}

func TestLinearRule(t *testing.T) {
	c := mustNew(t, 2, balance.Options{Rate: 0.5, Rule: balance.Linear})
	c.Update([]int64{3, 1}) // mean 2, e = [-1, 1]
	if got := c.Bias(); got[0] != -0.5 || got[1] != 0.5 {
		t.Fatalf("bias %v, want [-0.5 0.5]", got)
	}
	c.Update([]int64{4, 4})
	if got := c.Bias(); got[0] != -0.5 || got[1] != 0.5 {
		t.Fatalf("balanced step moved the bias: %v", got)
	}
	// Property against the documented arithmetic.
	r := rand.New(rand.NewPCG(2, 2))
	for _, e := range []int{1, 3, 64} {
		c := mustNew(t, e, balance.Options{Rate: 0.001, Rule: balance.Linear})
		for range 100 {
			counts := randCounts(r, e, 1000)
			old := c.Bias()
			c.Update(counts)
			var sum int64
			for _, v := range counts {
				sum += v
			}
			mean := float64(sum) / float64(e)
			cmp := cmpMean(counts)
			for i, b := range old {
				want := b + float32(float64(float32(0.001))*(mean-float64(counts[i])))
				if math.Float32bits(c.Bias()[i]) != math.Float32bits(want) {
					t.Fatalf("expert %d: %v, want %v", i, c.Bias()[i], want)
				}
				// Direction: the bias moves against the load.
				switch cmp[i] {
				case 1:
					if !(c.Bias()[i] < b) {
						t.Fatalf("overloaded expert %d did not drop", i)
					}
				case -1:
					if !(c.Bias()[i] > b) {
						t.Fatalf("underloaded expert %d did not rise", i)
					}
				}
			}
		}
	}
}

func TestBiasSaturates(t *testing.T) {
	for _, rule := range []balance.Rule{balance.Sign, balance.Linear} {
		c := mustNew(t, 2, balance.Options{Rate: math.MaxFloat32, Rule: rule})
		for range 4 {
			c.Update([]int64{1 << 40, 0})
		}
		b := c.Bias()
		if b[0] != -math.MaxFloat32 || b[1] != math.MaxFloat32 {
			t.Fatalf("%v: bias %v, want ±MaxFloat32", rule, b)
		}
	}
}

// A fixed pseudo-random sequence of counts gives these exact bias bits; the
// hash is the same on amd64, arm64 and with -tags purego (determinism across
// machines; run under qemu to check arm64).
func TestDeterministicGolden(t *testing.T) {
	const want = "d9b2eaef4d7c633d6e2ede01bf1fd6566f5d37d6227ac47ffc66df643f66e0a5"
	h := sha256.New()
	for _, rule := range []balance.Rule{balance.Sign, balance.Linear} {
		r := rand.New(rand.NewPCG(7, 7))
		c := mustNew(t, 37, balance.Options{Rate: 0.0013, Rule: rule})
		for range 500 {
			c.Update(randCounts(r, 37, 1<<uint(r.IntN(30))))
		}
		b, err := c.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("state hash %s, want %s", got, want)
	}
}

func TestAddStepTake(t *testing.T) {
	c := mustNew(t, 3, balance.Options{})
	if err := c.Add([]int64{1, 2}); !errors.Is(err, balance.ErrShape) {
		t.Errorf("short load: %v", err)
	}
	if err := c.Add([]int64{1, -2, 3}); !errors.Is(err, balance.ErrValue) {
		t.Errorf("negative count: %v", err)
	}
	c.Add([]int64{1, 2, 3})
	c.Add([]int64{1, 0, 0})
	st := c.Step() // counts [2 2 3], mean 7/3
	if st.Step != 1 || st.Tokens != 7 || st.BiasMin != -0.001 || st.BiasMax != 0.001 {
		t.Errorf("stats %+v", st)
	}
	if got := c.Bias(); got[0] != 0.001 || got[1] != 0.001 || got[2] != -0.001 {
		t.Errorf("bias %v", got)
	}
	if st := c.Step(); st.Tokens != 0 || st.Step != 2 {
		t.Errorf("empty step %+v", st)
	}
	c.Add([]int64{5, 0, 1})
	if got := c.TakeLoad(); !slices.Equal(got, []int64{5, 0, 1}) {
		t.Errorf("TakeLoad %v", got)
	}
	if got := c.TakeLoad(); !slices.Equal(got, []int64{0, 0, 0}) {
		t.Errorf("second TakeLoad %v", got)
	}
	// Update ignores Added counts and leaves them for the next Step.
	c.Add([]int64{0, 9, 0})
	if _, err := c.Update([]int64{0, 0}); !errors.Is(err, balance.ErrShape) {
		t.Errorf("Update short: %v", err)
	}
	if _, err := c.Update([]int64{0, 0, -1}); !errors.Is(err, balance.ErrValue) {
		t.Errorf("Update negative: %v", err)
	}
	st, _ = c.Update([]int64{3, 3, 3})
	if st.Tokens != 9 || st.Step != 3 {
		t.Errorf("Update stats %+v", st)
	}
	if st := c.Step(); st.Tokens != 9 || st.MaxVio != 2 {
		t.Errorf("Step after Update %+v", st)
	}
	if got := c.GlobalLoad(); !slices.Equal(got, []int64{5, 14, 6}) {
		t.Errorf("GlobalLoad %v", got)
	}
	if got, want := c.MaxVioGlobal(), 0.68; math.Abs(got-want) > 1e-15 {
		t.Errorf("MaxVioGlobal %v, want %v", got, want)
	}
	c.ResetGlobal()
	if got := c.GlobalLoad(); !slices.Equal(got, []int64{0, 0, 0}) || c.MaxVioGlobal() != 0 || c.Steps() != 4 {
		t.Errorf("after ResetGlobal: %v %v %d", got, c.MaxVioGlobal(), c.Steps())
	}
}

func TestZeroController(t *testing.T) {
	var c balance.Controller
	if c.Bias() != nil || c.Experts() != 0 || c.GlobalLoad() != nil || c.TakeLoad() != nil {
		t.Error("zero Controller has state")
	}
	if err := c.Add(nil); !errors.Is(err, balance.ErrConfig) {
		t.Errorf("Add: %v", err)
	}
	if st := c.Step(); st != (balance.StepStats{}) {
		t.Errorf("Step: %+v", st)
	}
	if _, err := c.Update(nil); err == nil {
		t.Error("Update on zero Controller accepted")
	}
	if _, err := c.MarshalBinary(); err == nil {
		t.Error("MarshalBinary on zero Controller accepted")
	}
	src := mustNew(t, 3, balance.Options{Rule: balance.Linear})
	src.Update([]int64{1, 2, 3})
	b, _ := src.MarshalBinary()
	if err := c.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Bias(), src.Bias()) || c.Steps() != 1 || c.Options() != src.Options() {
		t.Errorf("restored %v %d %+v", c.Bias(), c.Steps(), c.Options())
	}
	if err := c.Add([]int64{1, 1, 1}); err != nil {
		t.Error(err)
	}
}

func TestMaxVio(t *testing.T) {
	cases := []struct {
		load []int64
		want float64
	}{
		{nil, 0},
		{[]int64{0, 0, 0}, 0},
		{[]int64{5}, 0},
		{[]int64{1, 1, 1, 1}, 0},
		{[]int64{4, 0, 0, 0}, 3},        // mean 1
		{[]int64{3, 1}, 0.5},            // mean 2
		{[]int64{6, 2, 2, 2}, 1},        // mean 3
		{[]int64{0, 0, 0, 1}, 3},        // mean 1/4
		{[]int64{10, 11, 12}, 1.0 / 11}, // mean 11
	}
	for _, c := range cases {
		if got := balance.MaxVio(c.load); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("MaxVio(%v) = %v, want %v", c.load, got, c.want)
		}
	}
}

// go test -run '^$' -bench . ./balance/
func BenchmarkAddParallel(b *testing.B) {
	c := mustNew(b, 256, balance.Options{})
	load := make([]int64, 256)
	for i := range load {
		load[i] = int64(i % 7)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.Add(load); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkStep(b *testing.B) {
	c := mustNew(b, 256, balance.Options{})
	load := make([]int64, 256)
	for i := range load {
		load[i] = int64(i % 7)
	}
	for b.Loop() {
		c.Add(load)
		c.Step()
	}
}

func BenchmarkBias(b *testing.B) {
	c := mustNew(b, 256, balance.Options{})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = c.Bias()
		}
	})
}
