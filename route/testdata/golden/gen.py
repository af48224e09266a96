#!/usr/bin/python3
"""Golden routing cases for moegate from an independent PyTorch reference.

This file re-implements, in float32 PyTorch and line by line, the routers of
the models moegate serves, and writes their answers for route/golden_test.go:

  hf_deepseek_v3   transformers DeepseekV3MoE.route_tokens_to_experts
                   (src/transformers/models/deepseek_v3/modular_deepseek_v3.py),
                   with the masked value FIXED to -inf (see below). Kimi K2 runs
                   the DeepseekV3 architecture; GLM-4.5's Glm4MoeMoE has the
                   same route_tokens_to_experts.
  deepseek_gate    DeepSeek's own inference/model.py Gate.forward
                   (github.com/deepseek-ai/DeepSeek-V3): DeepSeek-V2 and
                   V2-Lite (softmax, group score = amax, no bias).
  sglang_biased    SGLang biased_grouped_topk_impl
                   (python/sglang/srt/layers/moe/topk.py), the reference of
                   sgl-kernel/tests/test_moe_fused_gate.py.
  hf_qwen_moe      transformers Qwen3MoeSparseMoeBlock / Qwen2MoeSparseMoeBlock
  hf_mixtral       transformers MixtralSparseMoeBlock
  hf_gpt_oss       transformers GptOssTopKRouter
  hf_llama4        transformers Llama4Router

No moegate code is used or consulted for the answers. The routers compute in
float32 as the models do (their logits are upcast to float32 first) and use
torch.topk(..., sorted=True).

The masking bug. transformers' DeepseekV3MoE (at the versions read) masks the
experts of dropped groups with 0.0: `masked_fill(~score_mask.bool(), 0.0)`.
With a selection bias the selection scores can be negative, and a masked 0.0
then beats every eligible expert, so experts of dropped groups get chosen
(vLLM PR 13474, transformers PR 45441, DeepSeek-V3 commit 1398800). We follow
the FIXED semantics of DeepSeek's Gate: masked_fill(..., float("-inf")), so an
ineligible expert is never chosen. The case family "neg-kept-groups" checks
that this matters: the generator asserts the 0.0-masked router differs there.

Inputs. Logits and biases of large cases come from splitmix64, implemented
identically here and in golden_test.go (see Stream), so only seeds are
committed; small hand-built cases store their logits. For each case we commit
the reference's ids (int32), weights (float32) and a per-token class:

  0 clean          ids must match exactly, in order; weights within 2e-6 rel.
  1 order near-tie two of the K chosen selection scores are closer than tol:
                   the SET of ids must match; weights compared per id.
  2 near-tie       the K-th and (K+1)-th eligible selection scores, or the
                   TopGroups-th and next group scores, are closer than tol:
                   ids are not compared (the reference cannot decide them).
  3 bad row        the row holds NaN or Inf; moegate answers ids 0..K-1,
                   weights 0, and the reference is not consulted.

tol = 1e-6, the issue's bound, on the reference's own selection scores
(probabilities for softmax routers, s + b for biased sigmoid routers, logits
for gpt-oss and Llama 4). A caveat, measured rather than assumed: where
selection scores reach 2 or more (the SGLang grid's group sums up to ~3.5,
the GLM-style bias of 34.5, where one float32 ulp is 3.8e-6), two float32
implementations whose sigmoids differ by a few ulp can round s + b to
neighbouring floats, so an order could flip with a gap of a few ulp > 1e-6.
A bound of max(1e-6, 8 ulp) would cover that; on the committed data it
reclassifies 1 grid token and 3 GLM tokens and moegate agrees with the
reference on all of them under the plain 1e-6, so the plain bound stands. If
a regeneration (another torch) ever trips on such a token, that widening is
the justified fix, not a looser weight bound.

Usage:
  /usr/bin/python3 route/testdata/golden/gen.py          # (re)write the data
  /usr/bin/python3 route/testdata/golden/gen.py --check  # regenerate into a
        temporary directory and compare with the committed files; exit 1 on
        any difference.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = "manifest.json"
BLOB = "golden.bin.gz"
FORMAT = 1

# ---------------------------------------------------------------------------
# Deterministic inputs: splitmix64 (Steele, Lea, Flood 2014), counter form.
# Output i (i = 0, 1, ...) of the stream with seed s is mix(s + (i+1)*GAMMA)
# mod 2^64, where mix is splitmix64's finaliser. golden_test.go has the twin.
# ---------------------------------------------------------------------------

GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(seed, start, n):
    """Outputs start .. start+n-1 of the stream with this seed (uint64)."""
    i = np.arange(start + 1, start + n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + i * GAMMA
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


def stream_values(spec, n):
    """n float32 values of a stream spec {seed, dist, a, b}.

    t = u * 2^-24 with u = z >> 40 (24 bits) for dist "uniform": t in [0, 1);
    t = (u1 + u2 + u3 + u4 - 2^25) * 2^-24 for dist "normal" (Irwin-Hall of
    four consecutive outputs): t in [-2, 2), mean 0, variance 1/3.
    value = float32(float64(b * t) + a), all in float64 (exact up to the
    final rounding to float32, round to nearest even). The Go twin writes
    float64(b*t) + a so that Go cannot fuse it into an FMA.
    """
    seed, dist = spec["seed"], spec["dist"]
    a, b = float(spec["a"]), float(spec["b"])
    if dist == "uniform":
        u = (splitmix64(seed, 0, n) >> np.uint64(40)).astype(np.int64)
        t = u.astype(np.float64) * 2.0 ** -24
    elif dist == "normal":
        u = (splitmix64(seed, 0, 4 * n) >> np.uint64(40)).astype(np.int64)
        u = u.reshape(n, 4).sum(axis=1) - (1 << 25)
        t = u.astype(np.float64) * 2.0 ** -24
    else:
        raise ValueError(dist)
    return (b * t + a).astype(np.float32)


# ---------------------------------------------------------------------------
# The reference routers. Each takes logits [T, E] float32 (and a bias [E] or
# None) and returns (ids [T, K] int64, weights [T, K] float32, sel [T, E]
# float32 = the selection scores it ranked, ineligible experts -inf,
# gscores [T, G] float32 or None = the group scores it ranked).
# ---------------------------------------------------------------------------


def hf_deepseek_v3(logits, bias, n_group, topk_group, top_k, norm_topk_prob, routed_scaling_factor):
    """transformers DeepseekV3MoE.route_tokens_to_experts, masking fixed to -inf.

    Also Glm4MoeMoE.route_tokens_to_experts (GLM-4.5) and Kimi K2 (DeepseekV3
    architecture). bias None means the e_score_correction_bias buffer is all
    zeros (its initial value).
    """
    n_routed_experts = logits.shape[1]
    if bias is None:
        bias = torch.zeros(n_routed_experts, dtype=torch.float32)
    # router_logits = router_logits.sigmoid()
    router_logits = logits.sigmoid()
    # router_logits_for_choice = router_logits + self.gate.e_score_correction_bias
    router_logits_for_choice = router_logits + bias
    # group_scores = router_logits_for_choice.view(-1, n_group, E // n_group).topk(2, dim=-1)[0].sum(dim=-1)
    group_scores = (
        router_logits_for_choice.view(-1, n_group, n_routed_experts // n_group)
        .topk(2, dim=-1, sorted=True)[0]
        .sum(dim=-1)
    )
    # group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
    group_idx = torch.topk(group_scores, k=topk_group, dim=-1, sorted=True)[1]
    # group_mask = torch.zeros_like(group_scores); group_mask.scatter_(1, group_idx, 1)
    group_mask = torch.zeros_like(group_scores)
    group_mask.scatter_(1, group_idx, 1)
    # score_mask = group_mask.unsqueeze(-1).expand(-1, n_group, E // n_group).reshape(-1, E)
    score_mask = (
        group_mask.unsqueeze(-1)
        .expand(-1, n_group, n_routed_experts // n_group)
        .reshape(-1, n_routed_experts)
    )
    # scores_for_choice = router_logits_for_choice.masked_fill(~score_mask.bool(), 0.0)
    # FIXED: -inf, as DeepSeek's inference/model.py Gate does (see module doc).
    scores_for_choice = router_logits_for_choice.masked_fill(~score_mask.bool(), float("-inf"))
    # topk_indices = torch.topk(scores_for_choice, k=self.top_k, dim=-1, sorted=False)[1]
    topk_indices = torch.topk(scores_for_choice, k=top_k, dim=-1, sorted=True)[1]
    # topk_weights = router_logits.gather(1, topk_indices)
    topk_weights = router_logits.gather(1, topk_indices)
    # if self.norm_topk_prob: denominator = topk_weights.sum(dim=-1, keepdim=True) + 1e-20; topk_weights /= denominator
    if norm_topk_prob:
        denominator = topk_weights.sum(dim=-1, keepdim=True) + 1e-20
        topk_weights /= denominator
    # topk_weights = topk_weights * self.routed_scaling_factor
    topk_weights = topk_weights * routed_scaling_factor
    gs = group_scores if n_group > 1 else None
    return topk_indices, topk_weights, scores_for_choice, gs


def hf_deepseek_v3_buggy(logits, bias, n_group, topk_group, top_k):
    """The same router as transformers wrote it: masked with 0.0. Used only to
    show that the "neg-kept-groups" family tells the two apart."""
    E = logits.shape[1]
    s = logits.sigmoid() + bias
    g = s.view(-1, n_group, E // n_group).topk(2, dim=-1)[0].sum(dim=-1)
    gi = torch.topk(g, k=topk_group, dim=-1, sorted=True)[1]
    gm = torch.zeros_like(g).scatter_(1, gi, 1)
    sm = gm.unsqueeze(-1).expand(-1, n_group, E // n_group).reshape(-1, E)
    return torch.topk(s.masked_fill(~sm.bool(), 0.0), k=top_k, dim=-1, sorted=True)[1]


def deepseek_gate(logits, bias, n_groups, topk_groups, topk, score_func, route_scale):
    """DeepSeek-V3 repository, inference/model.py, Gate.forward (after
    `scores = linear(x, self.weight)`)."""
    scores = logits
    # if self.score_func == "softmax": scores = scores.softmax(dim=-1, dtype=torch.float32)
    # else: scores = scores.sigmoid()
    if score_func == "softmax":
        scores = scores.softmax(dim=-1, dtype=torch.float32)
    else:
        scores = scores.sigmoid()
    # original_scores = scores
    original_scores = scores
    # if self.bias is not None: scores = scores + self.bias
    if bias is not None:
        scores = scores + bias
    gs = None
    # if self.n_groups > 1:
    if n_groups > 1:
        # scores = scores.view(x.size(0), self.n_groups, -1)
        scores = scores.view(logits.shape[0], n_groups, -1)
        # group_scores = scores.amax(dim=-1) if self.bias is None else scores.topk(2, dim=-1)[0].sum(dim=-1)
        if bias is None:
            group_scores = scores.amax(dim=-1)
        else:
            group_scores = scores.topk(2, dim=-1)[0].sum(dim=-1)
        gs = group_scores
        # indices = group_scores.topk(self.topk_groups, dim=-1)[1]
        indices = group_scores.topk(topk_groups, dim=-1, sorted=True)[1]
        # mask = scores.new_ones(x.size(0), self.n_groups, dtype=bool).scatter_(1, indices, False)
        mask = scores.new_ones(logits.shape[0], n_groups, dtype=bool).scatter_(1, indices, False)
        # scores = scores.masked_fill_(mask.unsqueeze(-1), float("-inf")).flatten(1)
        scores = scores.masked_fill_(mask.unsqueeze(-1), float("-inf")).flatten(1)
    # indices = torch.topk(scores, self.topk, dim=-1)[1]
    indices = torch.topk(scores, topk, dim=-1, sorted=True)[1]
    # weights = original_scores.gather(1, indices)
    weights = original_scores.gather(1, indices)
    # if self.score_func == "sigmoid": weights /= weights.sum(dim=-1, keepdim=True)
    if score_func == "sigmoid":
        weights /= weights.sum(dim=-1, keepdim=True)
    # weights *= self.route_scale
    weights *= route_scale
    return indices, weights, scores, gs


def sglang_biased(gating_output, correction_bias, topk, renormalize, num_expert_group, topk_group):
    """SGLang python/sglang/srt/layers/moe/topk.py biased_grouped_topk_impl,
    num_fused_shared_experts = 0, apply_routed_scaling_factor_on_output False
    (its default: test_moe_fused_gate.py passes routed_scaling_factor=2.5,
    which then only scales a fused shared expert, so the output is unscaled)."""
    # scores = gating_output.sigmoid()
    scores = gating_output.sigmoid()
    num_token = scores.shape[0]
    num_experts = scores.shape[1]
    # scores_for_choice = scores.view(num_token, -1) + correction_bias.unsqueeze(0)
    scores_for_choice = scores.view(num_token, -1) + correction_bias.unsqueeze(0)
    # group_scores = scores_for_choice.view(num_token, num_expert_group, -1).topk(2, dim=-1)[0].sum(dim=-1)
    group_scores = scores_for_choice.view(num_token, num_expert_group, -1).topk(2, dim=-1)[0].sum(dim=-1)
    # group_idx = torch.topk(group_scores, k=topk_group, dim=-1, sorted=False)[1]
    group_idx = torch.topk(group_scores, k=topk_group, dim=-1, sorted=True)[1]
    # group_mask = torch.zeros_like(group_scores); group_mask.scatter_(1, group_idx, 1)
    group_mask = torch.zeros_like(group_scores)
    group_mask.scatter_(1, group_idx, 1)
    # score_mask = group_mask.unsqueeze(-1).expand(num_token, num_expert_group, num_experts // num_expert_group).reshape(num_token, -1)
    score_mask = (
        group_mask.unsqueeze(-1)
        .expand(num_token, num_expert_group, num_experts // num_expert_group)
        .reshape(num_token, -1)
    )
    # tmp_scores = scores_for_choice.masked_fill(~score_mask.bool(), float("-inf"))
    tmp_scores = scores_for_choice.masked_fill(~score_mask.bool(), float("-inf"))
    # _, topk_ids = torch.topk(tmp_scores, k=topk, dim=-1, sorted=...)
    _, topk_ids = torch.topk(tmp_scores, k=topk, dim=-1, sorted=True)
    # topk_weights = scores.gather(1, topk_ids)
    topk_weights = scores.gather(1, topk_ids)
    # if renormalize: topk_weights = topk_weights / topk_weights.sum(dim=-1, keepdim=True)
    if renormalize:
        topk_weights_sum = topk_weights.sum(dim=-1, keepdim=True)
        topk_weights = topk_weights / topk_weights_sum
    return topk_ids, topk_weights, tmp_scores, group_scores


def hf_qwen_moe(router_logits, top_k, norm_topk_prob):
    """transformers Qwen3MoeSparseMoeBlock.forward / Qwen3MoeTopKRouter
    (Qwen2MoeSparseMoeBlock for Qwen1.5-MoE is the same with
    norm_topk_prob = False)."""
    # routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
    routing_weights = torch.nn.functional.softmax(router_logits, dim=1, dtype=torch.float)
    probs = routing_weights
    # routing_weights, selected_experts = torch.topk(routing_weights, self.top_k, dim=-1)
    routing_weights, selected_experts = torch.topk(routing_weights, top_k, dim=-1, sorted=True)
    # if self.norm_topk_prob: routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
    if norm_topk_prob:
        routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
    return selected_experts, routing_weights, probs, None


def hf_mixtral(router_logits, top_k):
    """transformers MixtralSparseMoeBlock.forward."""
    # routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
    routing_weights = torch.nn.functional.softmax(router_logits, dim=1, dtype=torch.float)
    probs = routing_weights
    # routing_weights, selected_experts = torch.topk(routing_weights, self.top_k, dim=-1)
    routing_weights, selected_experts = torch.topk(routing_weights, top_k, dim=-1, sorted=True)
    # routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
    routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
    return selected_experts, routing_weights, probs, None


def hf_gpt_oss(router_logits, top_k):
    """transformers GptOssTopKRouter.forward (after the linear layer)."""
    # router_top_value, router_indices = torch.topk(router_logits, self.top_k, dim=-1)
    router_top_value, router_indices = torch.topk(router_logits, top_k, dim=-1, sorted=True)
    # router_top_value = torch.nn.functional.softmax(router_top_value, dim=1, dtype=router_top_value.dtype)
    router_top_value = torch.nn.functional.softmax(router_top_value, dim=1, dtype=router_top_value.dtype)
    return router_indices, router_top_value, router_logits, None


def hf_llama4(router_logits, top_k):
    """transformers Llama4Router.forward (after the linear layer)."""
    # router_top_value, router_indices = torch.topk(router_logits, self.top_k, dim=1)
    router_top_value, router_indices = torch.topk(router_logits, top_k, dim=1, sorted=True)
    # router_scores = torch.full_like(router_logits, float("-inf")).scatter_(1, router_indices, router_top_value)
    router_scores = torch.full_like(router_logits, float("-inf")).scatter_(1, router_indices, router_top_value)
    # router_scores = torch.sigmoid(router_scores.float())
    router_scores = torch.sigmoid(router_scores.float())
    # the weights of the chosen experts, in the order of router_indices
    weights = router_scores.gather(1, router_indices)
    return router_indices, weights, router_logits, None


# ---------------------------------------------------------------------------
# Models: numbers from the released config.json files (independent of
# route/presets.go; the Go test checks that the two agree).
# ---------------------------------------------------------------------------

MODELS = {
    # deepseek-ai/DeepSeek-V3 config.json: n_routed_experts 256, num_experts_per_tok 8,
    # n_group 8, topk_group 4, scoring_func sigmoid, topk_method noaux_tc,
    # norm_topk_prob true, routed_scaling_factor 2.5.
    "deepseek-v3": dict(E=256, K=8, score="sigmoid", G=8, TG=4, rule="top2sum", norm=True, scale=2.5, bias=True,
                        router="hf_deepseek_v3"),
    # moonshotai/Kimi-K2-Instruct config.json: n_routed_experts 384, num_experts_per_tok 8,
    # n_group 1, topk_group 1, scoring_func sigmoid, norm_topk_prob true, routed_scaling_factor 2.827.
    "kimi-k2": dict(E=384, K=8, score="sigmoid", G=1, TG=1, rule="top2sum", norm=True, scale=2.827, bias=True,
                    router="hf_deepseek_v3"),
    # zai-org/GLM-4.5 config.json: n_routed_experts 160, num_experts_per_tok 8, n_group 1,
    # topk_group 1, norm_topk_prob true, routed_scaling_factor 2.5 (Glm4MoeMoE).
    "glm-4.5": dict(E=160, K=8, score="sigmoid", G=1, TG=1, rule="top2sum", norm=True, scale=2.5, bias=True,
                    router="hf_deepseek_v3"),
    # deepseek-ai/DeepSeek-V2 config.json: n_routed_experts 160, num_experts_per_tok 6, n_group 8,
    # topk_group 3, topk_method group_limited_greedy, scoring_func softmax, norm_topk_prob false,
    # routed_scaling_factor 16.0.
    "deepseek-v2": dict(E=160, K=6, score="softmax", G=8, TG=3, rule="max", norm=False, scale=16.0, bias=False,
                        router="deepseek_gate"),
    # deepseek-ai/DeepSeek-V2-Lite config.json: n_routed_experts 64, num_experts_per_tok 6,
    # n_group 1, topk_group 1, topk_method greedy, scoring_func softmax, routed_scaling_factor 1.0.
    "deepseek-v2-lite": dict(E=64, K=6, score="softmax", G=1, TG=1, rule="max", norm=False, scale=1.0, bias=False,
                             router="deepseek_gate"),
    # Qwen/Qwen3-30B-A3B config.json: num_experts 128, num_experts_per_tok 8, norm_topk_prob true.
    "qwen3-moe": dict(E=128, K=8, score="softmax", G=1, TG=1, rule="top2sum", norm=True, scale=1.0, bias=False,
                      router="hf_qwen_moe"),
    # Qwen/Qwen1.5-MoE-A2.7B config.json: num_experts 60, num_experts_per_tok 4, norm_topk_prob false.
    "qwen1.5-moe": dict(E=60, K=4, score="softmax", G=1, TG=1, rule="top2sum", norm=False, scale=1.0, bias=False,
                        router="hf_qwen_moe"),
    # mistralai/Mixtral-8x7B-v0.1 config.json: num_local_experts 8, num_experts_per_tok 2.
    "mixtral-8x7b": dict(E=8, K=2, score="softmax", G=1, TG=1, rule="top2sum", norm=True, scale=1.0, bias=False,
                         router="hf_mixtral"),
    # openai/gpt-oss-20b config.json: num_local_experts 32, num_experts_per_tok 4. Softmax over
    # the K chosen logits equals moegate's softmax + normalise.
    "gpt-oss-20b": dict(E=32, K=4, score="softmax", G=1, TG=1, rule="top2sum", norm=True, scale=1.0, bias=False,
                        router="hf_gpt_oss"),
    # meta-llama/Llama-4-Scout-17B-16E config.json text_config: num_local_experts 16,
    # num_experts_per_tok 1. Top-1 on logits, weight sigmoid(logit): moegate's sigmoid, K=1.
    "llama4-scout": dict(E=16, K=1, score="sigmoid", G=1, TG=1, rule="top2sum", norm=False, scale=1.0, bias=False,
                         router="hf_llama4"),
    # meta-llama/Llama-4-Maverick-17B-128E config.json text_config: num_local_experts 128,
    # num_experts_per_tok 1.
    "llama4-maverick": dict(E=128, K=1, score="sigmoid", G=1, TG=1, rule="top2sum", norm=False, scale=1.0,
                            bias=False, router="hf_llama4"),
}


def run_router(m, logits, bias):
    r = m["router"]
    if r == "hf_deepseek_v3":
        return hf_deepseek_v3(logits, bias, m["G"], m["TG"], m["K"], m["norm"], m["scale"])
    if r == "deepseek_gate":
        assert bias is None
        return deepseek_gate(logits, None, m["G"], m["TG"], m["K"], m["score"], m["scale"])
    if r == "sglang_biased":
        return sglang_biased(logits, bias, m["K"], True, m["G"], m["TG"])
    if r == "hf_qwen_moe":
        return hf_qwen_moe(logits, m["K"], m["norm"])
    if r == "hf_mixtral":
        return hf_mixtral(logits, m["K"])
    if r == "hf_gpt_oss":
        return hf_gpt_oss(logits, m["K"])
    if r == "hf_llama4":
        return hf_llama4(logits, m["K"])
    raise ValueError(r)


def config_json(m):
    """The moegate Config this model corresponds to (Groups 1 = no groups)."""
    return dict(Experts=m["E"], TopK=m["K"], Score=m["score"], Groups=m["G"], TopGroups=m["TG"],
                GroupRule=m["rule"], Normalize=m["norm"], Scale=m["scale"], SelectionBias=m["bias"])


# ---------------------------------------------------------------------------
# Near-tie classification (see the module doc).
# ---------------------------------------------------------------------------


def tol(a, b):
    return 1e-6


def classify(sel, gscores, K, TG, bad):
    """Per-token class and the smallest gaps seen (for the manifest)."""
    T, E = sel.shape
    kk = min(K + 1, E)
    top = torch.topk(sel, kk, dim=-1, sorted=True).values.double().numpy()
    gs = None
    if gscores is not None and TG < gscores.shape[1]:
        gs = torch.topk(gscores, TG + 1, dim=-1, sorted=True).values.double().numpy()
    cls = np.zeros(T, dtype=np.uint8)
    min_boundary = float("inf")
    min_group = float("inf")
    for t in range(T):
        if bad[t]:
            cls[t] = 3
            continue
        c = 0
        for j in range(K - 1):
            if top[t, j] - top[t, j + 1] < tol(top[t, j], top[t, j + 1]):
                c = 1
        if kk > K and np.isfinite(top[t, K]):
            g = top[t, K - 1] - top[t, K]
            min_boundary = min(min_boundary, g)
            if g < tol(top[t, K - 1], top[t, K]):
                c = 2
        if gs is not None:
            g = gs[t, TG - 1] - gs[t, TG]
            min_group = min(min_group, g)
            if g < tol(gs[t, TG - 1], gs[t, TG]):
                c = 2
        cls[t] = c
    return cls, min_boundary, min_group


# ---------------------------------------------------------------------------
# Case assembly.
# ---------------------------------------------------------------------------


class Writer:
    def __init__(self):
        self.blob = io.BytesIO()
        self.cases = []

    def put(self, arr):
        off = self.blob.tell()
        self.blob.write(np.ascontiguousarray(arr).tobytes())
        return off

    def add(self, name, family, m, logits_np, bias_np, logits_src, bias_src, stride=0, notes="", extra=None,
            preset=None):
        T, E = logits_np.shape
        assert E == m["E"]
        logits = torch.from_numpy(logits_np.copy())
        bias = None if bias_np is None else torch.from_numpy(bias_np.copy())
        bad = ~np.isfinite(logits_np).all(axis=1)
        ids, w, sel, gs = run_router(m, logits, bias)
        ids = ids.to(torch.int32).numpy()
        w = w.to(torch.float32).numpy()
        cls, min_b, min_g = classify(sel, gs, m["K"], m["TG"], bad)
        ids[bad] = -1
        w[bad] = 0
        case = dict(
            name=name, family=family, router=m["router"], config=config_json(m), tokens=T, stride=stride,
            logits=logits_src, logits_sha256=hashlib.sha256(logits_np.astype("<f4").tobytes()).hexdigest(),
            bias=bias_src,
            bias_sha256=None if bias_np is None else hashlib.sha256(bias_np.astype("<f4").tobytes()).hexdigest(),
            ids=self.put(ids.astype("<i4")), weights=self.put(w.astype("<f4")), classes=self.put(cls),
            counts=dict(order=int((cls == 1).sum()), near=int((cls == 2).sum()), bad=int((cls == 3).sum())),
            min_boundary_gap=None if not np.isfinite(min_b) else float(min_b),
            min_group_gap=None if not np.isfinite(min_g) else float(min_g),
            notes=notes,
        )
        if preset:
            case["preset"] = preset
        if extra:
            case.update(extra)
        self.cases.append(case)
        return ids, w, cls

    def blob_src(self, arr):
        return {"blob": self.put(np.asarray(arr, dtype="<f4"))}


def prng(seed, dist, a, b):
    return {"prng": {"seed": seed, "dist": dist, "a": a, "b": b}}


def values(src, n):
    return stream_values(src["prng"], n)


def gen_presets(w):
    """Every model, random logits, with and without bias where it has one."""
    T = 512
    for pi, (name, m) in enumerate(MODELS.items()):
        E = m["E"]
        sigma = 2.0 if m["score"] == "sigmoid" else 1.5
        # Irwin-Hall t has std 1/sqrt(3): b = sigma*sqrt(3) gives std sigma.
        lsrc = prng(1000 + pi, "normal", 0.0, sigma * 1.7320508075688772)
        logits = values(lsrc, T * E).reshape(T, E)
        stride = E + 3 if pi % 2 else 0
        w.add(f"preset/{name}", "preset", m, logits, None, lsrc, None, stride=stride, preset=name,
              notes=f"normal-ish logits, std {sigma}, no bias")
        if m["bias"]:
            bsrc = prng(2000 + pi, "uniform", -0.25, 0.5)
            bias = values(bsrc, E)
            w.add(f"preset/{name}+bias", "preset", m, logits, bias, lsrc, bsrc, stride=stride, preset=name,
                  notes=f"normal-ish logits, std {sigma}, bias uniform in [-0.25, 0.25)")


GRID = [(128, 4, 2, 4), (256, 8, 4, 8), (512, 16, 8, 16)]
BATCHES = list(range(1, 10)) + [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]


def gen_grid(w):
    """sgl-kernel/tests/test_moe_fused_gate.py: tensor = torch.rand((seq_length,
    num_experts)); bias = torch.rand(num_experts); float32; biased_grouped_topk
    with renormalize=True. Uniform [0, 1) logits and bias, as there."""
    for E, G, TG, K in GRID:
        m = dict(E=E, K=K, score="sigmoid", G=G, TG=TG, rule="top2sum", norm=True, scale=1.0, bias=True,
                 router="sglang_biased")
        for T in BATCHES:
            seed = E * 100000 + T
            lsrc = prng(seed, "uniform", 0.0, 1.0)
            bsrc = prng(seed + 50000, "uniform", 0.0, 1.0)
            logits = values(lsrc, T * E).reshape(T, E)
            bias = values(bsrc, E)
            w.add(f"sglang/{E}x{G}x{TG}x{K}/T{T}", "sglang", m, logits, bias, lsrc, bsrc,
                  notes="sglang test_moe_fused_gate grid (fp32 variant)")


def rng_for(seed):
    # Hand-built cases store their logits, so any generator will do here
    # (numpy's Generator streams may change between numpy versions: --check
    # is exact with the versions recorded in the manifest).
    return np.random.Generator(np.random.PCG64(seed))


def gen_neg_kept_groups(w):
    """vLLM PR 13474: with a bias, selection scores can be negative; a router
    that masks dropped groups with 0.0 then picks their experts."""
    m = MODELS["deepseek-v3"]
    E, K, G, TG = m["E"], m["K"], m["G"], m["TG"]
    r = rng_for(13474)
    T = 64
    bias = np.float32(-0.5) + (r.random(E, dtype=np.float32) - np.float32(0.5)) * np.float32(0.02)
    logits = np.empty((T, E), dtype=np.float32)
    for t in range(T):
        if t % 2 == 0:
            # every selection score negative: sigmoid(x) - 0.5 < 0 for x < 0
            logits[t] = np.minimum(r.normal(-3.0, 1.0, E), -1.0).astype(np.float32)
        else:
            # a few strongly positive experts, fewer than K; the rest negative
            logits[t] = r.normal(-3.0, 1.0, E).astype(np.float32)
            pos = r.choice(E, size=int(r.integers(1, K)), replace=False)
            logits[t, pos] = r.normal(3.0, 0.5, len(pos)).astype(np.float32)
    ids, _, _ = w.add("hard/neg-kept-groups", "hard", m, logits, bias, w.blob_src(logits), w.blob_src(bias),
                      preset="deepseek-v3",
                      notes="bias -0.5 +- 0.01: selection scores negative in kept groups (vLLM PR 13474)")
    buggy = hf_deepseek_v3_buggy(torch.from_numpy(logits), torch.from_numpy(bias), G, TG, K).numpy()
    differ = sum(set(ids[t]) != set(buggy[t]) for t in range(T))
    assert differ >= T * 9 // 10, f"neg-kept-groups: 0.0 masking differs on only {differ}/{T} rows"
    w.cases[-1]["zero_mask_differs"] = int(differ)


def gen_group_tie(w):
    """A group whose two best experts tie: its top-2 score is 2*max. A router
    that takes "the best, then the best of the rest strictly below it" scores
    the group max + third and drops it."""
    m = MODELS["deepseek-v3"]
    E, K, G, TG = m["E"], m["K"], m["G"], m["TG"]
    gsz = E // G
    r = rng_for(2222)
    T = 64
    logits = np.full((T, E), -6.0, dtype=np.float32)
    logits += r.uniform(-0.5, 0.5, (T, E)).astype(np.float32)
    for t in range(T):
        groups = r.permutation(G)
        strong, a, b = groups[:TG - 1], groups[TG - 1], groups[TG]
        for g in strong:  # clearly kept: two experts at +4
            e = g * gsz + r.choice(gsz, 2, replace=False)
            logits[t, e] = np.float32(4.0) + r.uniform(0, 0.5, 2).astype(np.float32)
        # group a: two experts tie at 1.0, the rest low -> score 2*sigmoid(1.0) = 1.4621
        ea = a * gsz + r.choice(gsz, 2, replace=False)
        logits[t, ea] = np.float32(1.0)
        # group b: best 1.3 (0.7858) + second 0.3 (0.5744) = 1.3602 < 1.4621,
        # but max + third of group a is sigmoid(1)+sigmoid(~-6) ~ 0.73 < 1.36
        eb = b * gsz + r.choice(gsz, 2, replace=False)
        logits[t, eb[0]] = np.float32(1.3)
        logits[t, eb[1]] = np.float32(0.3)
    bias = np.zeros(E, dtype=np.float32)
    lt = torch.from_numpy(logits)
    ids, _, _ = w.add("hard/group-tie-2max", "hard", m, logits, bias, w.blob_src(logits), w.blob_src(bias),
                      preset="deepseek-v3",
                      notes="a group's two best experts tie; its score is 2*max and it must be kept")
    # Decisive: a "distinct second best" group score would drop group a.
    s = lt.sigmoid().view(T, G, gsz)
    mx = s.amax(-1, keepdim=True)
    second = s.masked_fill(s == mx, float("-inf")).amax(-1)
    dedup = (mx.squeeze(-1) + second)
    kept_dedup = torch.topk(dedup, TG, dim=-1).indices.numpy()
    kept_true = torch.topk(s.topk(2, dim=-1)[0].sum(-1), TG, dim=-1).indices.numpy()
    differ = sum(set(kept_dedup[t]) != set(kept_true[t]) for t in range(T))
    assert differ == T, f"group-tie: only {differ}/{T} rows decisive"
    w.cases[-1]["dedup_differs"] = int(differ)


def gen_tiny_sigmoid(w):
    """A tiny sigmoid under a large bias (flashinfer PR 3875): the weight must
    be the unbiased sigmoid, not sel - bias (which cancels to 0 or noise)."""
    for preset in ("kimi-k2", "deepseek-v3"):
        m = MODELS[preset]
        E, K = m["E"], m["K"]
        r = rng_for(3875 + E)
        T = 64
        bias = np.zeros(E, dtype=np.float32)
        boosted = np.arange(0, E, 4)  # every 4th expert: in every group
        # 8 + 0.001 j: distinct, so that s + b (= b where s is tiny) has no ties
        bias[boosted] = (8.0 + 0.001 * np.arange(len(boosted))).astype(np.float32)
        logits = r.normal(0.0, 2.0, (T, E)).astype(np.float32)
        for t in range(T):
            if t % 4 == 0:
                lo, hi = -85.0, -60.0  # sigmoid 1e-37 .. 1e-26: the 1e-20 in the normaliser dominates
            elif t % 4 == 1:
                lo, hi = -40.0, -15.0  # 4e-18 .. 3e-7
            elif t % 4 == 2:
                lo, hi = -85.0, -15.0
            else:
                lo, hi = -30.0, 5.0  # tiny and ordinary mixed
            logits[t, boosted] = r.uniform(lo, hi, len(boosted)).astype(np.float32)
        ids, wts, _ = w.add(f"hard/tiny-sigmoid/{preset}", "hard", m, logits, bias, w.blob_src(logits),
                          w.blob_src(bias), preset=preset,
                          notes="bias 8 + 0.001 j on every 4th expert, whose logits are -85..5 (flashinfer PR 3875)")
        # Decisive: weights computed as sel - bias are far off.
        lt = torch.from_numpy(logits)
        sel = lt.sigmoid() + torch.from_numpy(bias)
        ids = torch.from_numpy(ids.astype(np.int64))
        bad_w = (sel.gather(1, ids) - torch.from_numpy(bias)[ids])
        bad_w = bad_w / (bad_w.sum(-1, keepdim=True) + 1e-20) * m["scale"]
        rel = ((bad_w - torch.from_numpy(wts)).abs() / torch.from_numpy(wts).abs()).amax(-1)
        decisive = int((rel > 1e-3).sum())
        assert decisive >= T // 2, f"tiny-sigmoid: sel-bias close on {T - decisive}/{T} rows"
        w.cases[-1]["sel_minus_bias_differs"] = decisive


def gen_glm_bias(w):
    """GLM-style bias: 34.5 +- 0.14, where one float32 ulp is 3.8e-6.
    Selection in float32 (s + b rounds to that grid) differs from float64."""
    m = MODELS["glm-4.5"]
    E = m["E"]
    T = 512
    lsrc = prng(345, "normal", 0.0, 2.0 * 1.7320508075688772)
    bsrc = prng(346, "uniform", 34.36, 0.28)
    logits = values(lsrc, T * E).reshape(T, E)
    bias = values(bsrc, E)
    ids, _, _ = w.add("hard/glm-bias-34.5", "hard", m, logits, bias, lsrc, bsrc, preset="glm-4.5",
                      notes="bias uniform in [34.36, 34.64)")
    # float64 selection would differ on some rows: float32 is what the model computes
    s64 = 1.0 / (1.0 + np.exp(-logits.astype(np.float64))) + bias.astype(np.float64)
    ids64 = np.argsort(-s64, axis=1, kind="stable")[:, :m["K"]]
    differ = sum(set(ids[t]) != set(ids64[t]) for t in range(T))
    w.cases[-1]["float64_selection_differs"] = int(differ)
    # Decisive for the weights: sel - bias loses ~ulp(34.5) = 3.8e-6 absolute.
    lt = torch.from_numpy(logits)
    bt = torch.from_numpy(bias)
    it = torch.from_numpy(ids.astype(np.int64))
    wb = (lt.sigmoid() + bt).gather(1, it) - bt[it]
    wb = wb / (wb.sum(-1, keepdim=True) + 1e-20) * m["scale"]
    wt = torch.from_numpy(weights_of(w, T, m["K"]))
    rel = ((wb - wt).abs() / wt.abs()).amax(-1)
    w.cases[-1]["sel_minus_bias_differs"] = int((rel > 2e-6).sum())


def weights_of(w, T, K):
    c = w.cases[-1]
    raw = bytes(w.blob.getbuffer()[c["weights"]:c["weights"] + 4 * T * K])
    return np.frombuffer(raw, dtype="<f4").reshape(T, K).copy()


def gen_glm_float32_ties(w):
    """Selection stays float32. With a bias near 34.5 one float32 ulp is
    3.8e-6: two experts whose exact s + b differ by ~1e-6 round to the same
    float32 selection score, and moegate's rule (equal scores: lower index
    first) must decide, where a float64 selection would pick the other one.
    Per row, experts i < j get s_i + b_i = G - ~0.6e-6 and s_j + b_j = G +
    ~0.6e-6 around one float32 G, far from G's rounding boundaries (+-1.9e-6)
    and from anything else. Even rows: the pair is the top 2 (order); odd
    rows: K-1 experts sit clearly above, so the pair straddles the K-th place
    (boundary). The reference sees a tie (class 1 or 2); golden_test.go
    asserts moegate's rule from "pairs"."""
    m = MODELS["glm-4.5"]
    E, K = m["E"], m["K"]
    T = 64
    r = rng_for(3450)
    bsrc = prng(346, "uniform", 34.36, 0.28)
    bias = values(bsrc, E)
    b64 = bias.astype(np.float64)
    G = float(np.float32(35.2))
    logits = np.full((T, E), np.float32(-10.0), dtype=np.float32)
    pairs = []
    for t in range(T):
        while True:
            i, j = sorted(r.choice(E, 2, replace=False))
            xi = np.float32(np.log((G - 0.6e-6 - b64[i]) / (1 - (G - 0.6e-6 - b64[i]))))
            xj = np.float32(np.log((G + 0.6e-6 - b64[j]) / (1 - (G + 0.6e-6 - b64[j]))))
            ei = 1 / (1 + np.exp(-np.float64(xi))) + b64[i]
            ej = 1 / (1 + np.exp(-np.float64(xj))) + b64[j]
            if G - 1.2e-6 <= ei <= G - 0.1e-6 and G + 0.1e-6 <= ej <= G + 1.2e-6:
                break
        logits[t, i], logits[t, j] = xi, xj
        kind = "order" if t % 2 == 0 else "boundary"
        if kind == "boundary":
            others = r.choice([e for e in range(E) if e not in (i, j)], K - 1, replace=False)
            logits[t, others] = np.float32(6.0)
        pairs.append([t, int(i), int(j), kind])
    lt, bt = torch.from_numpy(logits), torch.from_numpy(bias)
    sel = lt.sigmoid() + bt
    for t, i, j, _ in pairs:
        assert sel[t, i] == sel[t, j] == np.float32(G), (t, float(sel[t, i]), float(sel[t, j]))
    w.add("hard/glm-float32-ties", "hard", m, logits, bias, w.blob_src(logits), bsrc, preset="glm-4.5",
          notes="pairs whose s + b differ in float64 but tie in float32 near 35.2",
          extra={"pairs": pairs})


def gen_ties(w):
    """Exact ties. torch.topk leaves their order unspecified, so golden_test.go
    asserts moegate's rule (higher score, then lower index) from the
    construction; the reference's weights are still compared position by
    position (tied experts have equal logits and biases, so equal weights)."""
    r = rng_for(777)
    for preset in ("deepseek-v3", "qwen3-moe", "llama4-maverick", "glm-4.5", "deepseek-v2", "mixtral-8x7b"):
        m = MODELS[preset]
        E, G = m["E"], m["G"]
        gsz = E // G
        T = 48
        logits = np.empty((T, E), dtype=np.float32)
        kinds = []
        for t in range(T):
            k = t % 3
            if k == 0:  # all equal
                logits[t] = np.float32([0.0, 1.5, -2.0, 0.25][(t // 3) % 4])
            elif k == 1 or G == 1:  # every group a copy of one integer pattern
                pat = r.integers(-3, 4, gsz).astype(np.float32)
                logits[t] = np.tile(pat, G)
                k = 1
            else:
                # grouped models: integer logits with one clear winner group set,
                # ties inside the groups only
                pat = r.integers(-3, 1, E).astype(np.float32)
                logits[t] = pat
                for g in r.choice(G, m["TG"], replace=False):
                    logits[t, g * gsz:(g + 1) * gsz] += np.float32(5)
            kinds.append(k)
        bias = None
        bsrc = None
        if m["bias"]:
            bias = np.full(E, np.float32(0.125), dtype=np.float32)  # equal for all: ties stay ties
            bsrc = w.blob_src(bias)
        w.add(f"ties/{preset}", "ties", m, logits, bias, w.blob_src(logits), bsrc, preset=preset,
              notes="exact ties: all-equal rows, group copies, integer logits", extra={"row_kinds": kinds})


def gen_nan(w):
    """NaN and Inf rows among good ones; batches longer than one kernel chunk."""
    for preset, first in (("deepseek-v3", 5), ("qwen3-moe", 270), ("llama4-scout", 0)):
        m = MODELS[preset]
        E = m["E"]
        T = 300
        r = rng_for(39391 + E)
        logits = r.normal(0.0, 2.0, (T, E)).astype(np.float32)
        bad = {first: (3 % E, np.float32("nan")), first + 12: (E - 1, np.float32("inf")),
               first + 20: (0, np.float32("-inf")), first + 21: (E // 2, np.float32("nan"))}
        for t, (e, v) in bad.items():
            logits[t, e] = v
        logits[first + 21, E - 1] = np.float32("nan")  # two bad values: the first is named
        bias = None
        bsrc = None
        if m["bias"]:
            bias = r.uniform(-0.25, 0.25, E).astype(np.float32)
            bsrc = w.blob_src(bias)
        w.add(f"nan/{preset}", "nan", m, logits, bias, w.blob_src(logits), bsrc, preset=preset,
              stride=E + 1, notes="rows with NaN/Inf: moegate errors, zeroes them, routes the rest",
              extra={"first_bad": {"token": first, "expert": 3 % E}})


def generate():
    torch.set_num_threads(1)
    w = Writer()
    gen_presets(w)
    gen_grid(w)
    gen_neg_kept_groups(w)
    gen_group_tie(w)
    gen_tiny_sigmoid(w)
    gen_glm_bias(w)
    gen_glm_float32_ties(w)
    gen_ties(w)
    gen_nan(w)
    manifest = dict(
        format=FORMAT,
        generator="route/testdata/golden/gen.py",
        torch=torch.__version__,
        numpy=np.__version__,
        blob=BLOB,
        blob_size=w.blob.tell(),
        blob_sha256=hashlib.sha256(w.blob.getvalue()).hexdigest(),
        tolerance="near tie: reference selection scores closer than 1e-6; weights 2e-6 relative",
        cases=w.cases,
    )
    return manifest, w.blob.getvalue()


def write(outdir, manifest, blob):
    with open(os.path.join(outdir, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(outdir, BLOB), "wb") as f:
        f.write(gzip.compress(blob, compresslevel=9, mtime=0))


def strip_versions(m):
    m = dict(m)
    m.pop("torch", None)
    m.pop("numpy", None)
    return m


def check():
    manifest, blob = generate()
    with tempfile.TemporaryDirectory() as d:
        write(d, manifest, blob)
        with open(os.path.join(d, MANIFEST)) as f:
            new_m = json.load(f)
    with open(os.path.join(HERE, MANIFEST)) as f:
        old_m = json.load(f)
    with gzip.open(os.path.join(HERE, BLOB), "rb") as f:
        old_blob = f.read()
    ok = True
    if strip_versions(old_m) != strip_versions(new_m):
        print("manifest differs from the regenerated one", file=sys.stderr)
        ok = False
    if old_blob != blob:
        print(f"blob differs ({len(old_blob)} vs {len(blob)} bytes)", file=sys.stderr)
        ok = False
    if old_m.get("torch") != new_m.get("torch"):
        print(f"note: generated with torch {old_m.get('torch')}, checked with {new_m.get('torch')}")
    print(f"{len(new_m['cases'])} cases, {len(blob)} bytes: " + ("identical" if ok else "DIFFERENT"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate and compare with the committed files")
    ap.add_argument("--out", default=HERE, help="output directory")
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    import gen2  # the 2026 routers (issue 9): manifest2.json, golden2.bin.gz, configs/

    if args.check:
        ok = check()
        ok = gen2.check2() and ok
        sys.exit(0 if ok else 1)
    manifest, blob = generate()
    write(args.out, manifest, blob)
    n = manifest["cases"]
    print(f"wrote {len(n)} cases, blob {len(blob)} bytes")
    m2, blob2, files2 = gen2.generate2()
    gen2.write2(args.out, m2, blob2, files2)
    print(f"wrote {len(m2['cases'])} cases (gen2), blob {len(blob2)} bytes, {len(files2)} configs")


if __name__ == "__main__":
    main()
