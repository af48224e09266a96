package dispatch

import "math"

// MaxSlots is the largest T*K a plan takes: slot ids, positions and
// counts are int32.
const MaxSlots = math.MaxInt32 - 1

// Plan is the grouping of a batch's slots by expert, in caller-owned
// slices. A slot is one (token, k) pair, numbered s = t*K + k as in the
// ids and weights rows that routing writes ([T, K], row-major).
//
//	Counts  [E]     slots routed to each expert
//	Offsets [E+1]   expert e's slots are Order[Offsets[e]:Offsets[e+1]];
//	                Offsets[E] is the number of slots planned
//	Order   [T*K]   slot ids grouped by expert, ascending within each
//	                expert (a stable sort of the slots by expert id);
//	                entries from Offsets[E] on are -1
//	Inverse [T*K]   Inverse[s] = position of slot s in Order (the row of
//	                slot s in expert-ordered buffers), -1 for a slot that is
//	                excluded (id -1) or dropped (BuildCapacity)
//
// It is the layout of vLLM's moe_permute (expert_first_token_offset,
// inv_permuted_idx), DeepSeek TileKernels' get_fused_mapping
// (token_topk_to_pos, expert_start/end) and torchtitan's
// argsort(ids.view(-1), stable=True) with counts and offsets for
// grouped GEMMs.
type Plan struct {
	Counts  []int32
	Offsets []int32
	Order   []int32
	Inverse []int32
}

// NewPlan allocates a Plan for T*K = slots and E experts. Build and
// BuildCapacity allocate nothing: keep a Plan and rebuild it per batch.
func NewPlan(slots, E int) Plan {
	return Plan{
		Counts:  make([]int32, E),
		Offsets: make([]int32, E+1),
		Order:   make([]int32, slots),
		Inverse: make([]int32, slots),
	}
}

// check validates the plan's slices for ids of length n = T*K and E
// experts.
func (p *Plan) check(n, K, E int) error {
	if K < 1 {
		return shapeErr("K = %d, want >= 1", K)
	}
	if E < 1 {
		return shapeErr("E = %d experts, want >= 1", E)
	}
	if n%K != 0 {
		return shapeErr("len(ids) = %d is not a multiple of K = %d", n, K)
	}
	if n > MaxSlots {
		return shapeErr("len(ids) = %d slots, want <= %d", n, MaxSlots)
	}
	if len(p.Counts) != E {
		return shapeErr("len(Counts) = %d, want E = %d", len(p.Counts), E)
	}
	if len(p.Offsets) != E+1 {
		return shapeErr("len(Offsets) = %d, want E+1 = %d", len(p.Offsets), E+1)
	}
	if len(p.Order) != n {
		return shapeErr("len(Order) = %d, want len(ids) = %d", len(p.Order), n)
	}
	if len(p.Inverse) != n {
		return shapeErr("len(Inverse) = %d, want len(ids) = %d", len(p.Inverse), n)
	}
	return nil
}

// clearPlan leaves an empty plan (no slot planned) in whatever of p's
// slices exist, so that a plan that failed is safe to use.
func (p *Plan) clear() {
	clear(p.Counts)
	clear(p.Offsets)
	for i := range p.Order {
		p.Order[i] = -1
	}
	for i := range p.Inverse {
		p.Inverse[i] = -1
	}
}

// Build plans ids ([T, K] row-major expert ids as routing writes them, -1
// for a slot to exclude: padding, or dropped upstream) for E experts into
// p. It allocates nothing.
//
// An id outside [-1, E) is an error wrapping ErrID naming the slot; wrong
// slice lengths wrap ErrShape. On error p is an empty plan (Counts and
// Offsets 0, Order and Inverse -1) where its slices allow.
func Build(p Plan, ids []int32, K, E int) error {
	if err := p.check(len(ids), K, E); err != nil {
		p.clear()
		return err
	}
	counts := p.Counts
	clear(counts)
	// Pass 1: validate and count. An unsigned compare tests both ends;
	// -1 is counted apart (it is uint32 max, never < E).
	for s, id := range ids {
		if i := int(id); uint(i) < uint(len(counts)) {
			counts[i]++
		} else if id != -1 {
			p.clear()
			return idErr(s, K, id, E)
		}
	}
	place(p, ids, E)
	return nil
}

// place fills Offsets, Order and Inverse from Counts for the slots whose
// ids are in [0, E) (a stable counting sort).
func place(p Plan, ids []int32, E int) {
	counts, off := p.Counts, p.Offsets[:E+1]
	// off[e+1] = start of expert e; the placement loop advances it to
	// the end of e, which is what Offsets[e+1] must hold.
	off[0] = 0
	sum := int32(0)
	for e, c := range counts {
		off[e+1] = sum
		sum += c
	}
	order, inv := p.Order, p.Inverse[:len(ids)]
	cur := off[1 : E+1]
	for s, id := range ids {
		i := int(id)
		if uint(i) >= uint(len(cur)) {
			inv[s] = -1
			continue
		}
		pos := cur[i]
		cur[i] = pos + 1
		order[pos] = int32(s)
		inv[s] = pos
	}
	for i := int(sum); i < len(order); i++ {
		order[i] = -1
	}
}
