// Package route is moegate's public API: it turns a batch of router logits
// into the K chosen experts of every token and their weights, exactly as the
// model's own gate does, on hand-written SIMD kernels that return the bits
// of a pure-Go reference.
//
// A Config describes one gate (experts, top-K, score function, expert
// groups, normalisation, routed scale); Presets holds the released models'
// gates with their sources, and FromHFConfig reads a Hugging Face
// config.json. New validates a Config and returns a Router on the fastest
// implementation this machine runs (NewImpl picks one by name,
// NewReference the pure-Go specification). Router.Route fills an Output
// (ids, weights, per-expert load) for an Input (logits, optional selection
// bias, padding mask, per-expert scales, forced ids), allocates nothing,
// and is safe for concurrent use; RouteParallel splits a large batch over
// goroutines with the same result.
//
// Every implementation returns the same ids in the same order, the same
// weight bits and the same load counts as NewReference's Router. Ties
// between equal scores go to the lower expert id. Bad input (wrong
// lengths, NaN or infinite logits, bad forced ids) returns an error
// wrapping ErrShape, ErrNonFinite or ErrForcedID and leaves the outputs
// safe to use; the other tokens of the batch are still routed where the
// error is about one token.
//
// Package balance keeps the load balanced by moving the selection bias;
// package dispatch groups the routed tokens by expert and combines the
// experts' outputs.
package route
