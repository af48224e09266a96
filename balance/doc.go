// Package balance keeps the load of a Mixture-of-Experts layer balanced
// without an auxiliary loss, with the bias controller of Wang et al. 2024
// ("Auxiliary-Loss-Free Load Balancing Strategy for Mixture-of-Experts",
// arXiv 2408.15664) used by DeepSeek-V3 (arXiv 2412.19437, section 2.1.2).
//
// A Controller holds one bias per expert. The router adds it to the scores
// for selection only (route.Input.Bias); the weights come from the unbiased
// scores. After each training step the controller moves every bias against
// that step's load c:
//
//	e_i = mean(c) - c_i
//	Sign (default):  b_i += u * sign(e_i)    (sign(0) = 0)
//	Linear:          b_i += u * e_i
//	CenteredSign:    d_i = u * sign(e_i); b_i += d_i - mean(d)   (torchtitan)
//
// with u = 0.001 by default. The new bias is used from the next batch on.
// The update is exact and deterministic: the same sequence of counts gives
// the same bias bits on every machine (Controller.Step documents the
// arithmetic).
//
// Counts come either from Add, called by any number of goroutines (e.g. each
// with route.Output.Load of its batch) and applied by Step, or, in
// multi-rank training, from the host's own collective: each rank calls
// TakeLoad, the framework sums the counts over ranks, and every rank calls
// Update with the sum, so that all ranks hold the same bias.
//
// How training frameworks drive the same update, in terms of this API
// (DESIGN.md section 2 cites their code):
//
//   - Megatron-LM (get_updated_expert_bias, called from
//     finalize_model_grads once per global batch, after the gradient
//     all-reduce): counts are summed over every micro-batch of the
//     optimizer step and over the TP x CP x DP ranks, padding excluded,
//     only while training, then b += u * sign(mean - c) in fp32. Here: Add
//     each micro-batch's route.Output.Load (Route counts only the rows it
//     routes, so pass only real tokens; a NaN padding row is reported and
//     not counted); at the optimizer step each rank calls TakeLoad, the
//     framework all-reduces (sums) the counts, and every rank calls Update
//     with the sum. Every rank then holds the same bias bits, equal to one
//     controller that saw the whole global batch (TestMegatronSemantics).
//     Do not Add during evaluation.
//   - torchtitan (_update_expert_bias, an optimizer pre-step hook): the
//     same sign rule, then the update is centred, delta -= delta.mean(), so
//     the biases do not drift as a whole. Options.Rule = CenteredSign. It
//     routes as Sign does: selection sees only differences of biases.
//
// Baselines the method was argued against, for comparisons:
// BalanceLoss is the auxiliary load-balancing loss of Switch/GShard (and
// DeepSeek-V3's sequence-wise form) with its gradient for a training loop;
// ExpertChoice is Expert Choice routing (Zhou et al. 2022), and Leak
// measures how much a batch router's choice for a token depends on later
// tokens (0 for token choice).
//
// Metrics: MaxVio of a load, (max c - mean c) / mean c, per step (StepStats)
// and over the run (MaxVioGlobal, resettable with ResetGlobal), and
// DeepSeek-V3's sequence-wise balance loss (SeqBalanceLoss).
//
// The state (options, steps, bias, global counts) is saved with Save or
// MarshalBinary in a versioned, checksummed binary format and restored with
// Load or UnmarshalBinary; a truncated or corrupt state is refused with an
// error wrapping ErrCorrupt, never restored partly.
package balance
