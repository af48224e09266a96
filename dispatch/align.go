package dispatch

import "fmt"

// AlignedLen returns the buffer lengths of Align for slots = T*K slots, E
// experts and the given block size: the longest padded list of slot ids,
// slots + min(slots, E)*(block-1) (every non-empty expert pads by at most
// block-1; vLLM allocates slots + E*(block-1), or slots*block when
// slots < E, the same bound), and the number of blocks in it, rounded up.
func AlignedLen(slots, E, block int) (sortedLen, blocks int) {
	if slots < 0 || E < 1 || block < 1 {
		return 0, 0
	}
	sortedLen = slots + min(slots, E)*(block-1)
	return sortedLen, (sortedLen + block - 1) / block
}

// Align writes the block-padded layout that grouped GEMM kernels consume,
// from a plan built by Build or BuildCapacity: the output of vLLM's and
// SGLang's moe_align_block_size(topk_ids, block_size, num_experts,
// expert_map) (vllm/model_executor/layers/fused_moe/moe_align_block_size.py
// and its golden torch_moe_align_block_size in
// tests/kernels/moe/test_moe_align_block_size.py):
//
//   - sorted (length AlignedLen's sortedLen): experts in ascending order,
//     each expert's slot ids t*K+k (ascending, the plan's order) followed
//     by the sentinel T*K up to a multiple of block. An expert with no
//     slot takes no block. Entries from the returned total on are the
//     sentinel too.
//   - blockExperts (length AlignedLen's blocks): the expert of each
//     block; -1 for blocks past the total (the golden's fill; older vLLM
//     releases left 0 there).
//   - the returned total: the padded length, a multiple of block
//     (num_tokens_post_padded).
//
// vLLM's docstring example: ids [[2,3,4],[1,2,4],[1,3,4],[1,2,3]], block 4
// gives sorted [3,6,9,12, 0,4,10,12, 1,7,11,12, 2,5,8,12] and total 16.
//
// expertMap (nil, or E entries) is expert parallelism's map from global to
// local expert ids, -1 for experts of other ranks. As vLLM's default
// (ignore_invalid_experts=False), every expert is still aligned and the
// blocks of experts mapped to -1 get block expert -1, so the GEMM skips
// them; blockExperts holds local ids. With skipNonLocal (vLLM's
// ignore_invalid_experts=True) experts mapped to -1 take no block and
// their slots are left out of sorted. A local id outside [0, E) other than
// -1 wraps ErrID.
//
// Align allocates nothing. On error sorted is all sentinel, blockExperts
// all -1 (where their lengths allow) and the total 0.
func Align(sorted, blockExperts []int32, p Plan, block int, expertMap []int32, skipNonLocal bool) (int, error) {
	E := len(p.Counts)
	n := len(p.Order)
	sentinel := int32(n)
	sortedLen, blocks := AlignedLen(n, E, block)
	var err error
	switch {
	case block < 1:
		err = shapeErr("block size %d, want >= 1", block)
	case E < 1 || len(p.Offsets) != E+1 || len(p.Inverse) != n:
		err = shapeErr("plan with %d counts, %d offsets, %d order and %d inverse entries", E, len(p.Offsets), n, len(p.Inverse))
	case len(sorted) != sortedLen:
		err = shapeErr("len(sorted) = %d, want %d (AlignedLen)", len(sorted), sortedLen)
	case len(blockExperts) != blocks:
		err = shapeErr("len(blockExperts) = %d, want %d (AlignedLen)", len(blockExperts), blocks)
	case expertMap != nil && len(expertMap) != E:
		err = shapeErr("len(expertMap) = %d, want E = %d (or nil)", len(expertMap), E)
	case int(p.Offsets[E]) > n || p.Offsets[0] != 0:
		err = shapeErr("plan offsets [%d, %d] for %d slots", p.Offsets[0], p.Offsets[E], n)
	}
	if err == nil {
		for e := 0; e < E; e++ {
			if p.Offsets[e+1] < p.Offsets[e] {
				err = shapeErr("plan Offsets[%d] = %d > Offsets[%d] = %d", e, p.Offsets[e], e+1, p.Offsets[e+1])
				break
			}
		}
	}
	if err == nil {
		for e, m := range expertMap {
			if m < -1 || int(m) >= E {
				err = fmt.Errorf("%w: expertMap[%d] = %d, want -1 or 0..%d", ErrID, e, m, E-1)
				break
			}
		}
	}
	if err != nil {
		for i := range sorted {
			sorted[i] = sentinel
		}
		for i := range blockExperts {
			blockExperts[i] = -1
		}
		return 0, err
	}
	pos, b := 0, 0
	for e := 0; e < E; e++ {
		lo, hi := int(p.Offsets[e]), int(p.Offsets[e+1])
		c := hi - lo
		if c <= 0 {
			continue
		}
		local := int32(e)
		if expertMap != nil {
			local = expertMap[e]
			if local < 0 && skipNonLocal {
				continue
			}
		}
		copy(sorted[pos:pos+c], p.Order[lo:hi])
		nb := (c + block - 1) / block
		end := pos + nb*block
		for i := pos + c; i < end; i++ {
			sorted[i] = sentinel
		}
		for i := b; i < b+nb; i++ {
			blockExperts[i] = local
		}
		pos, b = end, b+nb
	}
	for i := pos; i < len(sorted); i++ {
		sorted[i] = sentinel
	}
	for i := b; i < len(blockExperts); i++ {
		blockExperts[i] = -1
	}
	return pos, nil
}
