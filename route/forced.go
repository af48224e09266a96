package route

import "fmt"

// HashIDs fills dst (len(tokenIDs)*K entries, row-major) with the forced
// expert ids of DeepSeek-V4's hash layers: token t routes to the K experts
// table[tokenIDs[t]*K : tokenIDs[t]*K+K] (tid2eid, a [vocab, K] table).
// The result is meant for Input.ForcedIDs. A token id outside [0, vocab),
// where vocab = len(table)/K, an expert id outside [0, experts) or one
// repeated within a row is an error wrapping ErrForcedID that names the
// token and slot; dst is then filled with the safe rows 0..K-1.
func HashIDs(dst []int32, tokenIDs []int32, table []int32, K, experts int) error {
	if K < 1 || experts < K {
		return fmt.Errorf("%w: K = %d, experts = %d: need 1 <= K <= experts", ErrShape, K, experts)
	}
	if len(dst) != len(tokenIDs)*K {
		return fmt.Errorf("%w: len(dst) = %d, want len(tokenIDs)*K = %d", ErrShape, len(dst), len(tokenIDs)*K)
	}
	if len(table)%K != 0 || len(table) == 0 {
		return fmt.Errorf("%w: len(table) = %d, want vocab*K with K = %d", ErrShape, len(table), K)
	}
	vocab := len(table) / K
	fail := func(err error) error {
		for i := range dst {
			dst[i] = int32(i % K)
		}
		return err
	}
	for t, tok := range tokenIDs {
		if tok < 0 || int(tok) >= vocab {
			return fail(&ForcedIDError{Token: t, Slot: -1, ID: tok, Reason: fmt.Sprintf("is a token id outside the table's vocabulary [0, %d)", vocab)})
		}
		row := table[int(tok)*K : int(tok)*K+K]
		if err := checkForcedRow(row, t, experts); err != nil {
			return fail(err)
		}
		copy(dst[t*K:t*K+K], row)
	}
	return nil
}

// checkForcedRow checks one row of forced ids: each in [0, experts), none
// repeated. K is small (<= a few dozen), so the quadratic scan is cheap.
func checkForcedRow(row []int32, t, experts int) error {
	for j, id := range row {
		if id < 0 || int(id) >= experts {
			return &ForcedIDError{Token: t, Slot: j, ID: id, Reason: fmt.Sprintf("is out of range [0, %d)", experts)}
		}
		for i := range j {
			if row[i] == id {
				return &ForcedIDError{Token: t, Slot: j, ID: id, Reason: fmt.Sprintf("repeats slot %d", i)}
			}
		}
	}
	return nil
}
