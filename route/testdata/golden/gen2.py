#!/usr/bin/python3
"""Golden cases for the 2026 routers (issue 9), from an independent PyTorch
reference. Run through gen.py (which writes both sets and checks both with
--check); this module writes manifest2.json, golden2.bin.gz and configs/.

Every router below restates, in float32 PyTorch and line by line, the router
of a model's own code. Sources (huggingface/transformers, files read at the
commits given; "secondary" = a third-party copy of the model's remote code):

  ref_deepseek_v4    src/transformers/models/deepseek_v4/modular_deepseek_v4.py
                     @ 02356fecf28001ff562e25a05cfc43f31ed5f892:
                     DeepseekV4TopKRouter.forward, DeepseekV4HashRouter.forward;
                     configuration_deepseek_v4.py @ 015c078164151a049126942989817713e83a8f3e
                     (defaults: scoring_func "sqrtsoftplus", routed_scaling_factor
                     1.5, n_routed_experts 256, num_experts_per_tok 6).
                     score_fn = ACT2FN["sqrtsoftplus"] = sqrt(F.softplus(x)):
                     torch's softplus, beta 1, threshold 20 (x > 20 ? x :
                     log1p(exp(x))). The router always normalises (it does not
                     read norm_topk_prob) and has no groups.
  ref_sigmoid_groups transformers DeepseekV3MoE.route_tokens_to_experts (gen.py's
                     hf_deepseek_v3, masking fixed to -inf; irrelevant with one
                     group): DeepSeek-V3.2 (deepseek_v32), GLM-5 (glm_moe_dsa:
                     configuration_glm_moe_dsa.py @ 008e574391258935f3ecc3035c882e73bbcac419,
                     defaults 256 / 8 / n_group 1 / norm true / 2.5), Nemotron-H
                     (modular_nemotron_h.py @ ae3cf70e65cdebb740497f62ac16e35440fe45de:
                     NemotronHTopkRouter(DeepseekV3TopkRouter), NemotronHMoE's
                     route_tokens_to_experts; configuration_nemotron_h.py @
                     13923c63d59f73faebae79b2ee3fafc7e3a35201).
  ref_bailing_v2     Ling 2.0, bailing_moe_v2 (remote code, secondary: SGLang's
                     and LLaDA2's verbatim copies of BailingMoeV2Gate.forward /
                     group_limited_topk): sigmoid, + expert_bias, top-2-sum
                     groups masked with -inf, gather unbiased, / (sum + 1e-20)
                     when top_k > 1, * routed_scaling_factor. It reads
                     score_function / moe_router_enable_expert_bias, not
                     norm_topk_prob.
  ref_minimax_m2     src/transformers/models/minimax_m2/modular_minimax_m2.py
                     @ 001f85b38fb432858ace93f18622f07cec46d874:
                     MiniMaxM2TopKRouter.forward: sigmoid, + e_score_correction_bias,
                     gather unbiased, /= sum (no epsilon), no scale.
  ref_qwen_softmax   Qwen3-Next: Qwen3NextSparseMoeBlock(Qwen2MoeSparseMoeBlock)
                     (softmax, topk, if norm_topk_prob: /= sum); Qwen3.5-MoE:
                     Qwen3_5MoeTopKRouter (softmax, topk, always /= sum).
  ref_longcat        src/transformers/models/longcat_flash/modular_longcat_flash.py
                     @ 0469a353b591c25d13c8da217282bf08adad49db:
                     LongcatFlashTopkRouter: softmax over n_routed_experts +
                     zero_expert_num columns, choose on p + e_score_correction_bias,
                     weights p (unbiased) * routed_scaling_factor, no
                     renormalisation; LongcatFlashExperts: ids >= n_routed_experts
                     are identity experts.
  ref_ernie          src/transformers/models/ernie4_5_moe/modular_ernie4_5_moe.py
                     @ 01187e21cda13b3f08fdb45b7e32b78d173d702a:
                     Ernie4_5_MoeSparseMoeBlock.forward: softmax, topk of
                     moe_statics(p) = p + bias, gather p, / clamp(sum, min=moe_norm_min).
  ref_gemma4         transformers Gemma4TextRouter.forward (modular_gemma4.py,
                     as quoted by several verbatim copies; HF file id 51764282975
                     of the search index): softmax, topk, /= sum, then
                     * per_expert_scale[top_k_index]: the per-expert scale comes
                     AFTER the normalisation (and Gemma 4 has no routed scale).
  gen.hf_gpt_oss     gpt-oss-120b (GptOssTopKRouter).

Forced routing (routing replay, DeepSeek-V4's hash layers): the ids are
given; the weights are the family's own weight formula on those ids (for V4
exactly DeepseekV4HashRouter: scores.gather(tid2eid[input_ids]) / (sum +
1e-20) * scale). Padding (a mask): the convention of DeepSeek's kernels and
vLLM, not a model's code: ids -1, weights 0, no load; the test replaces the
padded rows' logits by NaN, which must not be read.

Classes per token (as gen.py, plus 4): 0 clean, 1 order near-tie, 2 near tie
at the K-th place or group boundary, 4 padding. The near-tie tolerance on the
reference's own selection scores is max(1e-6, 8 ulp(score)) here (gen.py's
doc explains why 8 ulp is the justified widening where scores reach 2 or
more: V4's and GLM's biases put selection scores near 8 and 35).

Weights: relative bound 2e-6 for K <= 8, and 2e-6 + 2 (K - 1) 2^-24 for
larger K (torch and moegate sum the K weights in different orders; each
float32 sum of K positive terms is within (K - 1) 2^-24 relative of exact).
Where a chosen expert's softplus underflows float32's normal range (logits
below about -87.3) its score carries the absolute rounding of a subnormal;
for those tokens the generator stores a per-weight absolute tolerance that
propagates two subnormal ulps (2 * 2^-149) of softplus through sqrt and the
normalisation (the "wtol" array). A kernel that flushes those softplus values
to zero does not meet it: the model's code does not flush.
"""

import gzip
import hashlib
import io
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

import gen as g1

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST2 = "manifest2.json"
BLOB2 = "golden2.bin.gz"
CONFIG_DIR = "configs"
FORMAT2 = 2


# ---------------------------------------------------------------------------
# The reference routers. Each takes logits [T, E] float32 (torch) and returns
# (ids [T, K] int64, weights [T, K] float32, sel [T, E] float32 = the scores it
# ranked with ineligible experts -inf, or None when ids were forced; gscores).
# ---------------------------------------------------------------------------


def sqrtsoftplus(x):
    # ACT2FN["sqrtsoftplus"]: torch.sqrt(F.softplus(x)); F.softplus defaults
    # beta=1, threshold=20.
    return torch.sqrt(F.softplus(x))


def ref_deepseek_v4(logits, bias, K, scale, forced=None):
    """DeepseekV4TopKRouter.forward / DeepseekV4HashRouter.forward (after the
    linear layer; logits are float32)."""
    # scores = self.score_fn(logits)
    scores = sqrtsoftplus(logits)
    sel = None
    if forced is None:
        # indices = torch.topk(scores + self.e_score_correction_bias, self.top_k, dim=-1, sorted=False).indices
        sel = scores + bias
        indices = torch.topk(sel, K, dim=-1, sorted=True).indices
    else:
        # indices = self.tid2eid[input_ids.reshape(-1)].long()
        indices = forced
    # weights = scores.gather(1, indices)
    weights = scores.gather(1, indices)
    # weights = weights / (weights.sum(dim=-1, keepdim=True) + 1e-20)
    weights = weights / (weights.sum(dim=-1, keepdim=True) + 1e-20)
    # return logits, weights * self.routed_scaling_factor, indices
    return indices, weights * scale, sel, None


def ref_sigmoid_groups(logits, bias, G, TG, K, norm, scale, forced=None):
    """DeepseekV3MoE.route_tokens_to_experts (V3.2, GLM-5, Nemotron-H)."""
    if forced is None:
        return g1.hf_deepseek_v3(logits, bias, G, TG, K, norm, scale)
    router_logits = logits.sigmoid()
    w = router_logits.gather(1, forced)
    if norm:
        w = w / (w.sum(dim=-1, keepdim=True) + 1e-20)
    return forced, w * scale, None, None


def ref_bailing_v2(logits, bias, G, TG, K, scale, forced=None):
    """BailingMoeV2Gate.forward + group_limited_topk (Ling 2.0)."""
    # scores = torch.sigmoid(logits.float()).type_as(logits)
    scores = torch.sigmoid(logits.float())
    gs = None
    sel = None
    if forced is None:
        # scores_for_routing = scores + self.expert_bias
        scores_for_routing = scores + bias
        T, E = scores.shape
        # group_scores = scores.view(num_tokens, self.n_group, -1).topk(2, dim=-1)[0].sum(dim=-1)
        group_scores = scores_for_routing.view(T, G, -1).topk(2, dim=-1)[0].sum(dim=-1)
        # group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
        group_idx = torch.topk(group_scores, k=TG, dim=-1, sorted=True)[1]
        group_mask = torch.zeros_like(group_scores)
        group_mask.scatter_(1, group_idx, 1)
        score_mask = group_mask.unsqueeze(-1).expand(T, G, E // G).reshape(T, -1)
        # masked_scores = scores.masked_fill(~score_mask.bool(), float('-inf'))
        sel = scores_for_routing.masked_fill(~score_mask.bool(), float("-inf"))
        # probs, top_indices = torch.topk(masked_scores, k=self.top_k, dim=-1)
        topk_idx = torch.topk(sel, k=K, dim=-1, sorted=True)[1]
        gs = group_scores if G > 1 else None
    else:
        topk_idx = forced
    # scores = torch.gather(scores, dim=1, index=topk_idx).type_as(logits)
    s = torch.gather(scores, dim=1, index=topk_idx)
    # topk_weight = scores / (scores.sum(dim=-1, keepdim=True) + 1e-20) if self.top_k > 1 else scores
    w = s / (s.sum(dim=-1, keepdim=True) + 1e-20) if K > 1 else s
    # topk_weight = topk_weight * self.routed_scaling_factor
    return topk_idx, w * scale, sel, gs


def ref_deepseek_v2(logits, G, TG, K, method, scale):
    """transformers DeepseekV2Moe.route_tokens_to_experts
    (src/transformers/models/deepseek_v2/modular_deepseek_v2.py @
    000c33fdfde12e1ffafbfcdb3c926df5727a00b6). It reads topk_method (default
    "greedy" in DeepseekV2Config: no groups), n_group, topk_group,
    routed_scaling_factor; not norm_topk_prob."""
    # router_logits = router_logits.softmax(dim=-1, dtype=torch.float32)
    p = logits.softmax(dim=-1, dtype=torch.float32)
    T, E = p.shape
    gs = None
    if method == "greedy":
        # topk_weight, topk_idx = torch.topk(router_logits, k=self.top_k, dim=-1, sorted=False)
        sel = p
    elif method == "group_limited_greedy":
        # group_scores = router_logits.view(batch_size * seq_len, self.num_group, -1).max(dim=-1).values
        gs = p.view(T, G, -1).max(dim=-1).values
        group_idx = torch.topk(gs, k=TG, dim=-1, sorted=True)[1]
        group_mask = torch.zeros_like(gs)
        group_mask.scatter_(1, group_idx, 1)
        score_mask = group_mask.unsqueeze(-1).expand(T, G, E // G).reshape(T, -1)
        # tmp_scores = router_logits.masked_fill(~score_mask.bool(), 0.0): probabilities are > 0, so
        # with K <= kept experts this equals -inf (used here so that sel ranks only eligible ones)
        sel = p.masked_fill(~score_mask.bool(), float("-inf"))
    else:
        raise ValueError(method)
    topk_weight, topk_idx = torch.topk(sel, k=K, dim=-1, sorted=True)
    # topk_weight = topk_weight * self.routed_scaling_factor
    return topk_idx, topk_weight * scale, sel, gs


def ref_minimax_m2(logits, bias, K, forced=None):
    """MiniMaxM2TopKRouter.forward (after F.linear)."""
    # routing_weights = nn.functional.sigmoid(router_logits.float())
    routing_weights = torch.sigmoid(logits.float())
    sel = None
    if forced is None:
        # scores_for_choice = routing_weights + e_score_correction_bias
        sel = routing_weights + bias
        # _, top_k_index = torch.topk(scores_for_choice, self.top_k, dim=-1, sorted=False)
        top_k_index = torch.topk(sel, K, dim=-1, sorted=True)[1]
    else:
        top_k_index = forced
    # top_k_weights = routing_weights.gather(1, top_k_index)
    top_k_weights = routing_weights.gather(1, top_k_index)
    # top_k_weights /= top_k_weights.sum(dim=-1, keepdim=True)
    top_k_weights /= top_k_weights.sum(dim=-1, keepdim=True)
    return top_k_index, top_k_weights, sel, None


def ref_qwen_softmax(logits, K, norm, forced=None):
    """Qwen2MoeTopKRouter (Qwen3-Next, norm = norm_topk_prob) and
    Qwen3_5MoeTopKRouter (norm always)."""
    # router_logits = torch.nn.functional.softmax(router_logits, dtype=torch.float, dim=-1)
    p = torch.nn.functional.softmax(logits, dtype=torch.float, dim=-1)
    if forced is None:
        # router_top_value, router_indices = torch.topk(router_logits, self.top_k, dim=-1)
        v, idx = torch.topk(p, K, dim=-1, sorted=True)
        sel = p
    else:
        idx, v, sel = forced, p.gather(1, forced), None
    if norm:
        # router_top_value /= router_top_value.sum(dim=-1, keepdim=True)
        v = v / v.sum(dim=-1, keepdim=True)
    return idx, v, sel, None


def ref_longcat(logits, bias, K, scale, forced=None):
    """LongcatFlashTopkRouter.forward (after the classifier)."""
    # scores = router_logits.softmax(dim=-1)
    scores = logits.softmax(dim=-1)
    sel = None
    if forced is None:
        # scores_for_choice = scores.view(-1, self.n_routed_experts) + self.e_score_correction_bias.unsqueeze(0)
        sel = scores + bias.unsqueeze(0)
        # topk_indices = torch.topk(scores_for_choice, k=self.top_k, dim=-1, sorted=False)[1]
        topk_indices = torch.topk(sel, k=K, dim=-1, sorted=True)[1]
    else:
        topk_indices = forced
    # topk_weights = scores.gather(1, topk_indices)
    topk_weights = scores.gather(1, topk_indices)
    # topk_weights = topk_weights * self.routed_scaling_factor
    return topk_indices, topk_weights * scale, sel, None


def ref_ernie(logits, bias, K, norm_min, forced=None):
    """Ernie4_5_MoeSparseMoeBlock.forward (routing part)."""
    # routing_weights = F.softmax(router_logits, dim=1, dtype=torch.float)
    routing_weights = F.softmax(logits, dim=1, dtype=torch.float)
    sel = None
    if forced is None:
        # _, selected_experts = torch.topk(self.moe_statics(routing_weights), self.top_k, dim=-1)
        # (moe_statics: hidden_states + self.e_score_correction_bias.squeeze())
        sel = routing_weights + bias
        selected_experts = torch.topk(sel, K, dim=-1, sorted=True)[1]
    else:
        selected_experts = forced
    # routing_weights = torch.gather(routing_weights, dim=-1, index=selected_experts)
    w = torch.gather(routing_weights, dim=-1, index=selected_experts)
    # routing_weights = routing_weights / torch.clamp(routing_weights.sum(dim=-1, keepdim=True), min=self.norm_min)
    w = w / torch.clamp(w.sum(dim=-1, keepdim=True), min=norm_min)
    return selected_experts, w, sel, None


def ref_gemma4(logits, per_expert_scale, K, forced=None):
    """Gemma4TextRouter.forward (after self.proj)."""
    # router_probabilities = nn.functional.softmax(expert_scores, dim=-1)
    p = torch.nn.functional.softmax(logits, dim=-1)
    if forced is None:
        # top_k_weights, top_k_index = torch.topk(router_probabilities, k=self.config.top_k_experts, dim=-1)
        w, idx = torch.topk(p, k=K, dim=-1, sorted=True)
        sel = p
    else:
        idx, w, sel = forced, p.gather(1, forced), None
    # top_k_weights /= top_k_weights.sum(dim=-1, keepdim=True)
    w = w / w.sum(dim=-1, keepdim=True)
    # top_k_weights = top_k_weights * self.per_expert_scale[top_k_index]
    w = w * per_expert_scale[idx]
    return idx, w, sel, None


# ---------------------------------------------------------------------------
# Models: the moegate Config each family corresponds to, from the models'
# code and released configs (independent of route/presets.go; the Go test
# checks that the presets agree).
# ---------------------------------------------------------------------------


def mcfg(E, K, score, G=1, TG=1, rule="top2sum", norm=False, norm_rule="eps", norm_min=0.0, scale=1.0,
         bias=False, zero=0, pes=False):
    return dict(Experts=E, TopK=K, Score=score, Groups=G, TopGroups=TG, GroupRule=rule, Normalize=norm,
                NormRule=norm_rule if norm else "eps", NormMin=norm_min if norm and norm_rule == "clamp" else 0.0,
                Scale=scale, SelectionBias=bias, ZeroExperts=zero, PerExpertScale=pes)


# router name -> function(logits, bias, expert_scale, config, forced)
def run_ref(router, c, logits, bias, pes, forced=None):
    K = c["TopK"]
    if router == "deepseek_v4":
        return ref_deepseek_v4(logits, bias, K, c["Scale"], forced)
    if router == "sigmoid_groups":
        b = bias if bias is not None else torch.zeros(c["Experts"])
        return ref_sigmoid_groups(logits, b, c["Groups"], c["TopGroups"], K, c["Normalize"], c["Scale"], forced)
    if router == "bailing_v2":
        return ref_bailing_v2(logits, bias, c["Groups"], c["TopGroups"], K, c["Scale"], forced)
    if router == "minimax_m2":
        return ref_minimax_m2(logits, bias, K, forced)
    if router == "qwen_softmax":
        return ref_qwen_softmax(logits, K, c["Normalize"], forced)
    if router == "longcat":
        return ref_longcat(logits, bias, K, c["Scale"], forced)
    if router == "ernie":
        return ref_ernie(logits, bias, K, c["NormMin"], forced)
    if router == "gemma4":
        return ref_gemma4(logits, pes, K, forced)
    if router == "gpt_oss":
        assert forced is None
        return g1.hf_gpt_oss(logits, K)
    if router in ("deepseek_v2:greedy", "deepseek_v2:group_limited_greedy"):
        assert forced is None
        return ref_deepseek_v2(logits, c["Groups"], c["TopGroups"], K, router.split(":")[1], c["Scale"])
    if router == "mixtral":
        assert forced is None
        return g1.hf_mixtral(logits, K)
    if router == "llama4":
        assert forced is None
        return g1.hf_llama4(logits, K)
    raise ValueError(router)


MODELS2 = {
    # deepseek-ai/DeepSeek-V4-Flash config.json: n_routed_experts 256, num_experts_per_tok 6,
    # scoring_func sqrtsoftplus, routed_scaling_factor 1.5 (also DeepseekV4Config's defaults).
    "deepseek-v4-flash": (mcfg(256, 6, "sqrtsoftplus", norm=True, scale=1.5, bias=True), "deepseek_v4"),
    # DeepSeek-V4-Pro: 384 experts, top-6 (secondary: tt-metal PR 48846; DESIGN.md 1b). Scale 1.5
    # as DESIGN.md says; one third-party issue (anthony-chaudhary/fak#4841) says 2.5: unverified.
    "deepseek-v4-pro": (mcfg(384, 6, "sqrtsoftplus", norm=True, scale=1.5, bias=True), "deepseek_v4"),
    # deepseek-ai/DeepSeek-V3.2 config.json: 256 / 8, n_group 8, topk_group 4, noaux_tc, 2.5.
    "deepseek-v3.2": (mcfg(256, 8, "sigmoid", G=8, TG=4, norm=True, scale=2.5, bias=True), "sigmoid_groups"),
    # zai-org/GLM-5 (glm_moe_dsa): 256 / 8, n_group 1, norm_topk_prob true, 2.5.
    "glm-5": (mcfg(256, 8, "sigmoid", norm=True, scale=2.5, bias=True), "sigmoid_groups"),
    # MiniMaxAI/MiniMax-M2: num_local_experts 256, num_experts_per_tok 8; plain-sum renorm, no scale.
    "minimax-m2": (mcfg(256, 8, "sigmoid", norm=True, norm_rule="sum", bias=True), "minimax_m2"),
    # Qwen/Qwen3-Next-80B-A3B: num_experts 512, num_experts_per_tok 10, norm_topk_prob true.
    "qwen3-next": (mcfg(512, 10, "softmax", norm=True, norm_rule="sum"), "qwen_softmax"),
    # Qwen3.5-MoE: num_experts 256, num_experts_per_tok 8; Qwen3_5MoeTopKRouter always renormalises.
    "qwen3.5-moe": (mcfg(256, 8, "softmax", norm=True, norm_rule="sum"), "qwen_softmax"),
    # meituan-longcat/LongCat-Flash-Chat: n_routed_experts 512, zero_expert_num 256, moe_topk 12,
    # routed_scaling_factor 6.0.
    "longcat-flash": (mcfg(768, 12, "softmax", scale=6.0, bias=True, zero=256), "longcat"),
    # inclusionAI Ling 2.0 (bailing_moe_v2): num_experts 256, num_experts_per_tok 8, n_group 8,
    # topk_group 4, routed_scaling_factor 2.5, score_function sigmoid, expert bias.
    "ling-2.0": (mcfg(256, 8, "sigmoid", G=8, TG=4, norm=True, scale=2.5, bias=True), "bailing_v2"),
    # baidu/ERNIE-4.5-21B-A3B: moe_num_experts 64, moe_k 6, moe_norm_min 1e-12.
    "ernie-4.5": (mcfg(64, 6, "softmax", norm=True, norm_rule="clamp", norm_min=1e-12, bias=True), "ernie"),
    # google Gemma 4 (gemma4 text_config): num_experts 128, top_k_experts 8, per_expert_scale.
    "gemma-4": (mcfg(128, 8, "softmax", norm=True, norm_rule="sum", pes=True), "gemma4"),
    # nvidia Nemotron 3 Super (nemotron_h): n_routed_experts 512, num_experts_per_tok 22, n_group 1,
    # norm_topk_prob true, routed_scaling_factor 5.0 (secondary).
    "nemotron-3-super": (mcfg(512, 22, "sigmoid", norm=True, scale=5.0, bias=True), "sigmoid_groups"),
    # openai/gpt-oss-120b: num_local_experts 128, num_experts_per_tok 4 (softmax over the chosen).
    "gpt-oss-120b": (mcfg(128, 4, "softmax", norm=True), "gpt_oss"),
    # zai-org/GLM-4.5-Air config.json (glm4_moe): n_routed_experts 128, num_experts_per_tok 8, n_group 1,
    # topk_group 1, norm_topk_prob true, routed_scaling_factor 1.0; Glm4MoeMoE routes as DeepseekV3MoE.
    "glm-4.5-air": (mcfg(128, 8, "sigmoid", norm=True, scale=1.0, bias=True), "sigmoid_groups"),
}


# ---------------------------------------------------------------------------
# Tolerances and classification.
# ---------------------------------------------------------------------------


def ulp32(x):
    x = abs(float(x))
    if not math.isfinite(x):
        return float("inf")
    if x < 2.0 ** -126:
        return 2.0 ** -149
    return 2.0 ** (math.floor(math.log2(x)) - 23)


def tie_tol(a, b):
    return max(1e-6, 8 * ulp32(max(abs(a), abs(b))))


def classify2(sel, gscores, K, TG, pad):
    T = sel.shape[0]
    E = sel.shape[1]
    kk = min(K + 1, E)
    top = torch.topk(sel, kk, dim=-1, sorted=True).values.double().numpy()
    gs = None
    if gscores is not None and TG < gscores.shape[1]:
        gs = torch.topk(gscores, TG + 1, dim=-1, sorted=True).values.double().numpy()
    cls = np.zeros(T, dtype=np.uint8)
    for t in range(T):
        if pad[t]:
            cls[t] = 4
            continue
        c = 0
        for j in range(K - 1):
            if top[t, j] - top[t, j + 1] < tie_tol(top[t, j], top[t, j + 1]):
                c = 1
        if kk > K and np.isfinite(top[t, K]):
            if top[t, K - 1] - top[t, K] < tie_tol(top[t, K - 1], top[t, K]):
                c = 2
        if gs is not None:
            if gs[t, TG - 1] - gs[t, TG] < tie_tol(gs[t, TG - 1], gs[t, TG]):
                c = 2
        cls[t] = c
    return cls


def v4_wtol(logits, ids, c):
    """Per-weight absolute tolerance for sqrtsoftplus rows whose chosen
    softplus values are subnormal (see the module doc); 0 elsewhere."""
    T, K = ids.shape
    x = logits.double().numpy()
    sp = F.softplus(logits).double().numpy()
    s = np.sqrt(sp)
    u = 2 * 2.0 ** -149
    out = np.zeros((T, K), dtype=np.float32)
    for t in range(T):
        row = ids[t]
        if (row < 0).any():
            continue
        spr = sp[t, row]
        if not (spr < 2.0 ** -126).any():
            continue
        sr = s[t, row]
        d = np.where(spr < 2.0 ** -126, np.sqrt(spr + u) - np.sqrt(spr), 0.0)
        S = sr.sum() + 1e-20
        tol = c["Scale"] * (d / S + sr * d.sum() / (S * S)) * 1.01
        out[t] = tol.astype(np.float32)
    del x
    return out


# ---------------------------------------------------------------------------
# Case assembly.
# ---------------------------------------------------------------------------


def sha(arr, dt):
    return hashlib.sha256(np.ascontiguousarray(arr).astype(dt).tobytes()).hexdigest()


class Writer2:
    def __init__(self):
        self.blob = io.BytesIO()
        self.cases = []

    def put(self, arr):
        off = self.blob.tell()
        self.blob.write(np.ascontiguousarray(arr).tobytes())
        return off

    def src(self, arr):
        return {"blob": self.put(np.asarray(arr, dtype="<f4"))}

    def add(self, name, family, c, router, logits_np, lsrc, bias_np=None, bsrc=None, pes_np=None, pes_src=None,
            mask=None, forced=None, hash_=None, expect_error=None, preset=None, hf_config=None, notes="",
            extra=None, stride=0):
        """Route logits_np with the reference and record the case. mask: bool
        [T] (False = padding: its logits are replaced by NaN in the blob the
        test routes, so the reference never sees them); forced: int [T, K]."""
        T, E = logits_np.shape
        assert E == c["Experts"], (name, E, c["Experts"])
        K = c["TopK"]
        pad = np.zeros(T, dtype=bool) if mask is None else ~mask
        lt = torch.from_numpy(np.where(pad[:, None], np.float32(0), logits_np).astype(np.float32))
        bt = None if bias_np is None else torch.from_numpy(bias_np.copy())
        if bt is None and router in ("deepseek_v4", "minimax_m2", "longcat", "ernie", "bailing_v2"):
            bt = torch.zeros(E)
        pt = None if pes_np is None else torch.from_numpy(pes_np.copy())
        ft = None if forced is None else torch.from_numpy(forced.astype(np.int64))
        case = dict(name=name, family=family, router=router, config=c, tokens=T, stride=stride, notes=notes)
        if expect_error is None:
            ids, w, sel, gs = run_ref(router, c, lt, bt, pt, ft)
            ids = ids.to(torch.int32).numpy().copy()
            w = w.to(torch.float32).numpy().copy()
            if sel is None:
                cls = np.where(pad, 4, 0).astype(np.uint8)
            else:
                cls = classify2(sel, gs, K, c["TopGroups"], pad)
            ids[pad] = -1
            w[pad] = 0
            assert np.isfinite(w).all(), name
            case.update(ids=self.put(ids.astype("<i4")), weights=self.put(w.astype("<f4")), classes=self.put(cls),
                        counts=dict(order=int((cls == 1).sum()), near=int((cls == 2).sum()),
                                    pad=int((cls == 4).sum())))
            if c["Score"] == "sqrtsoftplus":
                wt = v4_wtol(lt, ids.astype(np.int64), c)
                if wt.any():
                    case["wtol"] = self.put(wt.astype("<f4"))
                    case["wtol_tokens"] = int((wt > 0).any(axis=1).sum())
        else:
            ids = w = cls = None
            case["expect_error"] = expect_error
        # The test regenerates logits_np (checked against its SHA-256) and
        # replaces the padded rows by NaN before routing.
        if lsrc is None:
            lsrc = self.src(logits_np)
        case.update(logits=lsrc, logits_sha256=sha(logits_np, "<f4"),
                    bias=bsrc, bias_sha256=None if bias_np is None else sha(bias_np, "<f4"),
                    expert_scale=pes_src, expert_scale_sha256=None if pes_np is None else sha(pes_np, "<f4"),
                    mask=None if mask is None else self.put(mask.astype(np.uint8)),
                    forced=None if forced is None else self.put(forced.astype("<i4")))
        if hash_ is not None:
            case["hash"] = hash_
        if preset:
            case["preset"] = preset
        if hf_config:
            case["hf_config"] = hf_config
        if extra:
            case.update(extra)
        self.cases.append(case)
        return ids, w, cls


def prng(seed, dist, a, b):
    return g1.prng(seed, dist, a, b)


def values(src, n):
    return g1.values(src, n)


def rng(seed):
    return np.random.Generator(np.random.PCG64(seed))


def normal_src(seed, sigma):
    return prng(seed, "normal", 0.0, sigma * 1.7320508075688772)


# ---------------------------------------------------------------------------
# Presets.
# ---------------------------------------------------------------------------


def model_inputs(name, c, pi, T):
    E = c["Experts"]
    sigma = 1.5 if c["Score"] == "softmax" else 2.0
    lsrc = normal_src(5000 + pi, sigma)
    logits = values(lsrc, T * E).reshape(T, E)
    bias = bsrc = pes = psrc = None
    if c["SelectionBias"]:
        if c["Score"] == "sqrtsoftplus":
            # V4's released biases sit near 8.08 (DESIGN.md 1b)
            bsrc = prng(6000 + pi, "uniform", 8.03, 0.1)
        elif c["Score"] == "softmax":
            # on the scale of the probabilities (~1/E): large enough to change choices
            bsrc = prng(6000 + pi, "uniform", -4.0 / E, 8.0 / E)
        else:
            bsrc = prng(6000 + pi, "uniform", -0.25, 0.5)
        bias = values(bsrc, E)
    if c["PerExpertScale"]:
        psrc = prng(7000 + pi, "uniform", 0.25, 3.75)
        pes = values(psrc, E)
    return logits, lsrc, bias, bsrc, pes, psrc


def gen_presets2(w):
    T = 256
    for pi, (name, (c, router)) in enumerate(MODELS2.items()):
        logits, lsrc, bias, bsrc, pes, psrc = model_inputs(name, c, pi, T)
        w.add(f"preset/{name}", "preset", c, router, logits, lsrc, bias, bsrc, pes, psrc, preset=name,
              stride=c["Experts"] + 5 if pi % 2 else 0, notes="random logits (and bias, expert scale)")


# ---------------------------------------------------------------------------
# The grid: experts {256, 384, 512, 768} x K {6, 8, 10, 12, 22, 32}, each
# with two of the new routers' rules (restated generically from the models'
# code above: the rules do not depend on E and K).
# ---------------------------------------------------------------------------

GRID_E = [256, 384, 512, 768]
GRID_K = [6, 8, 10, 12, 22, 32]
GRID_RULES = [
    ("sqrtsoftplus+bias", "deepseek_v4", lambda E, K: mcfg(E, K, "sqrtsoftplus", norm=True, scale=1.5, bias=True)),
    ("sigmoid+bias/sum", "minimax_m2", lambda E, K: mcfg(E, K, "sigmoid", norm=True, norm_rule="sum", bias=True)),
    ("softmax+bias/zero", "longcat", lambda E, K: mcfg(E, K, "softmax", scale=6.0, bias=True, zero=E // 3)),
    ("softmax+bias/clamp", "ernie", lambda E, K: mcfg(E, K, "softmax", norm=True, norm_rule="clamp", norm_min=1e-12,
                                                       bias=True)),
    ("softmax/sum", "qwen_softmax", lambda E, K: mcfg(E, K, "softmax", norm=True, norm_rule="sum")),
    ("softmax/sum*pes", "gemma4", lambda E, K: mcfg(E, K, "softmax", norm=True, norm_rule="sum", pes=True)),
    ("sigmoid+bias/groups8x4", "bailing_v2", lambda E, K: mcfg(E, K, "sigmoid", G=8, TG=4, norm=True, scale=2.5,
                                                                bias=True)),
    ("sigmoid+bias/eps", "sigmoid_groups", lambda E, K: mcfg(E, K, "sigmoid", norm=True, scale=5.0, bias=True)),
]


def gen_grid2(w):
    T = 96
    n = 0
    for E in GRID_E:
        for K in GRID_K:
            for r in range(2):
                label, router, mk = GRID_RULES[(n + r * 3) % len(GRID_RULES)]
                c = mk(E, K)
                seed = 900000 + E * 100 + K * 2 + r
                sigma = 1.5 if c["Score"] == "softmax" else 2.0
                lsrc = normal_src(seed, sigma)
                logits = values(lsrc, T * E).reshape(T, E)
                bias = bsrc = pes = psrc = None
                if c["SelectionBias"]:
                    if c["Score"] == "sqrtsoftplus":
                        bsrc = prng(seed + 1, "uniform", 8.03, 0.1)
                    elif c["Score"] == "softmax":
                        bsrc = prng(seed + 1, "uniform", -2.0 / E, 4.0 / E)
                    else:
                        bsrc = prng(seed + 1, "uniform", -0.25, 0.5)
                    bias = values(bsrc, E)
                if c["PerExpertScale"]:
                    psrc = prng(seed + 2, "uniform", 0.25, 3.75)
                    pes = values(psrc, E)
                w.add(f"grid/E{E}/K{K}/{label}", "grid", c, router, logits, lsrc, bias, bsrc, pes, psrc,
                      stride=E + 1 if r else 0, notes=f"grid {E}x{K}, {label}")
            n += 1


# ---------------------------------------------------------------------------
# Adversarial cases.
# ---------------------------------------------------------------------------


def variant_v4(logits, bias, K, scale, kind):
    """Known wrong variants of V4's score, to show a case decides them."""
    x = logits.double()
    if kind == "log1plusexp":  # vLLM Triton style log(1 + exp(x)) in float32
        sp = torch.log(1 + torch.exp(logits))
    elif kind == "nothreshold":  # log1p(exp(x)) without the x > 20 branch
        sp = torch.log1p(torch.exp(logits))
    elif kind == "flush":  # softplus below float32's normal range flushed to 0
        sp = F.softplus(logits)
        sp = torch.where(sp < 2.0 ** -126, torch.zeros_like(sp), sp)
    else:
        raise ValueError(kind)
    del x
    s = torch.sqrt(sp)
    idx = torch.topk(torch.nan_to_num(s, nan=-1.0) + bias, K, dim=-1).indices
    wts = s.gather(1, idx)
    wts = wts / (wts.sum(-1, keepdim=True) + 1e-20) * scale
    return idx, wts


def differs(ids, w, ids2, w2, rel=1e-4):
    n = 0
    for t in range(ids.shape[0]):
        if set(ids[t].tolist()) != set(ids2[t].tolist()):
            n += 1
            continue
        a = w[t]
        b = w2[t]
        if not np.isfinite(b).all() or (np.abs(a - b) > rel * np.abs(a) + 1e-30).any():
            n += 1
    return n


def gen_v4_extremes(w):
    """sqrtsoftplus at its edges. Experts 0..5 of every row carry a large
    bias (8 + 0.01 j), so they are chosen whatever their score, and hold the
    extreme logits; the other experts are ordinary with bias 0."""
    c, router = MODELS2["deepseek-v4-flash"]
    E, K = c["Experts"], c["TopK"]
    r = rng(4004)
    T = 128
    bias = np.zeros(E, dtype=np.float32)
    hot = np.arange(0, E, E // K)[:K]  # six experts spread over the columns
    bias[hot] = (8.0 + 0.01 * np.arange(K)).astype(np.float32)
    logits = r.normal(0.0, 2.0, (T, E)).astype(np.float32)
    kinds = []
    near20 = np.float32([19.999998, 20.0, 20.000002, 20.5, 19.5, 21.0, -19.999998, -20.0, -20.000002, -21.0])
    big = np.float32([87.0, 88.0, 88.72, 88.73, 89.0, 100.0, 1000.0, 1e6, 1e30, 3.4e38])
    neg = np.float32([-80.0, -87.0, -87.33, -87.34, -88.0, -88.73, -90.0, -95.0, -100.0, -103.0, -103.97,
                      -104.0, -110.0, -1000.0, -3.4e38])
    for t in range(T):
        k = t % 8
        if k == 0:
            v = r.choice(near20, K)
        elif k == 1:
            v = r.choice(big, K)
        elif k == 2:
            v = r.choice(neg, K)  # subnormal or zero softplus: the 1e-20 dominates
        elif k == 3:
            v = r.uniform(-30.0, -15.0, K).astype(np.float32)  # log(1+exp) rounds to 0 here
        elif k == 4:
            v = np.concatenate([r.choice(neg, K - 1), r.choice(near20, 1)])
        elif k == 5:
            v = np.concatenate([r.choice(big, 1), r.uniform(-100.0, -60.0, K - 1).astype(np.float32)])
        elif k == 6:
            v = r.uniform(-104.0, -86.0, K).astype(np.float32)
        else:
            v = r.choice(np.concatenate([near20, big, neg]), K)
        logits[t, hot] = np.asarray(v, dtype=np.float32)
        kinds.append(k)
    ids, wts, _ = w.add("adv/v4-sqrtsoftplus-extremes", "adversarial", c, router, logits, w.src(logits), bias,
                        w.src(bias), preset="deepseek-v4-flash",
                        notes="logits around +-20, past +-88, very negative, on experts a large bias makes chosen",
                        extra={"row_kinds": kinds})
    lt, bt = torch.from_numpy(logits), torch.from_numpy(bias)
    for kind in ("log1plusexp", "nothreshold", "flush"):
        i2, w2 = variant_v4(lt, bt, K, c["Scale"], kind)
        w.cases[-1][kind + "_differs"] = differs(ids, wts, i2.numpy(), w2.numpy())
        assert w.cases[-1][kind + "_differs"] >= T // 8, (kind, w.cases[-1][kind + "_differs"])


def gen_bias_leak(w):
    """A selection bias that would change the weights if it leaked into them:
    softmax + bias (ERNIE, LongCat) where the bias is of the probabilities'
    size, and sqrtsoftplus + bias (V4). Asserted decisive: weights computed
    from p + b (or renormalised over p + b) differ."""
    for name, seed in (("ernie-4.5", 11), ("longcat-flash", 12), ("deepseek-v4-flash", 13), ("minimax-m2", 14)):
        c, router = MODELS2[name]
        E, K = c["Experts"], c["TopK"]
        r = rng(5150 + seed)
        T = 96
        lsrc = normal_src(5150 + seed, 1.0)
        logits = values(lsrc, T * E).reshape(T, E)
        if c["Score"] == "softmax":
            bias = r.uniform(-3.0 / E, 3.0 / E, E).astype(np.float32)
        elif c["Score"] == "sqrtsoftplus":
            bias = r.uniform(7.5, 8.5, E).astype(np.float32)
        else:
            bias = r.uniform(-0.5, 0.5, E).astype(np.float32)
        ids, wts, _ = w.add(f"adv/bias-leak/{name}", "adversarial", c, router, logits, lsrc, bias,
                            w.src(bias), preset=name, notes="bias comparable to the scores")
        lt, bt = torch.from_numpy(logits), torch.from_numpy(bias)
        it = torch.from_numpy(ids.astype(np.int64))
        if c["Score"] == "softmax":
            s = lt.softmax(-1)
        elif c["Score"] == "sqrtsoftplus":
            s = sqrtsoftplus(lt)
        else:
            s = lt.sigmoid()
        leak = (s + bt).gather(1, it)
        if c["Normalize"]:
            leak = leak / leak.sum(-1, keepdim=True)
        leak = leak * c["Scale"]
        d = differs(ids, wts, ids, leak.numpy())
        w.cases[-1]["biased_weights_differ"] = d
        assert d >= T * 9 // 10, (name, d)


def gen_expert_scale_order(w):
    """Gemma 4: per_expert_scale multiplies the weights after the
    normalisation. Asserted decisive against scaling before it."""
    c, router = MODELS2["gemma-4"]
    E, K = c["Experts"], c["TopK"]
    r = rng(4444)
    T = 96
    lsrc = normal_src(4444, 1.5)
    logits = values(lsrc, T * E).reshape(T, E)
    pes = r.uniform(0.2, 5.0, E).astype(np.float32)
    ids, wts, _ = w.add("adv/gemma4-expert-scale-order", "adversarial", c, router, logits, lsrc,
                        pes_np=pes, pes_src=w.src(pes), preset="gemma-4",
                        notes="per-expert scale 0.2..5: after vs before the normalisation differ")
    lt, pt = torch.from_numpy(logits), torch.from_numpy(pes)
    it = torch.from_numpy(ids.astype(np.int64))
    p = lt.softmax(-1).gather(1, it) * pt[it]
    before = p / p.sum(-1, keepdim=True)
    d = differs(ids, wts, ids, before.numpy())
    w.cases[-1]["scale_before_norm_differs"] = d
    assert d >= T * 9 // 10, d


def gen_zero_experts(w):
    """LongCat-Flash: rows whose best choices are zero-computation experts
    (ids >= 512): the identity experts are routed like the others."""
    c, router = MODELS2["longcat-flash"]
    E, K, Z = c["Experts"], c["TopK"], c["ZeroExperts"]
    r = rng(7680)
    T = 96
    logits = r.normal(0.0, 1.0, (T, E)).astype(np.float32)
    bias = r.uniform(-1.0 / E, 1.0 / E, E).astype(np.float32)
    for t in range(T):
        k = t % 3
        n = K if k == 0 else (K // 2 if k == 1 else 1)
        zs = (E - Z) + r.choice(Z, n, replace=False)
        logits[t, zs] = r.uniform(6.0, 8.0, n).astype(np.float32)
    ids, _, _ = w.add("adv/longcat-zero-experts", "adversarial", c, router, logits, w.src(logits), bias,
                      w.src(bias), preset="longcat-flash", notes="zero experts (ids >= 512) among the best")
    w.cases[-1]["zero_expert_slots"] = int((ids >= E - Z).sum())
    assert (ids[::3] >= E - Z).all()


def gen_norm_rules(w):
    """Normalisation rules that are observable: MiniMax-M2's plain sum on
    rows whose sigmoids are all tiny (sum + 1e-20 would shrink the weights),
    and ERNIE's clamp with a floor that binds (moe_norm_min 0.5)."""
    c, router = MODELS2["minimax-m2"]
    E, K = c["Experts"], c["TopK"]
    r = rng(2020)
    T = 64
    lsrc = prng(2020, "uniform", -85.0, 45.0)
    logits = values(lsrc, T * E).reshape(T, E)
    bias = r.uniform(-0.1, 0.1, E).astype(np.float32)
    ids, wts, _ = w.add("adv/minimax-plain-sum-tiny", "adversarial", c, router, logits, lsrc, bias,
                        w.src(bias), preset="minimax-m2", notes="all sigmoids < 4e-18: w / sum, not w / (sum + 1e-20)")
    lt = torch.from_numpy(logits)
    it = torch.from_numpy(ids.astype(np.int64))
    s = lt.sigmoid().gather(1, it)
    eps = (s / (s.sum(-1, keepdim=True) + 1e-20)).numpy()
    d = differs(ids, wts, ids, eps)
    w.cases[-1]["eps_norm_differs"] = d
    assert d == T, d
    # ERNIE with a binding floor: softmax top-6 of 64 experts sums to well under 0.5 for flat logits
    c2 = mcfg(64, 6, "softmax", norm=True, norm_rule="clamp", norm_min=0.5, bias=True)
    lsrc = normal_src(2021, 0.5)
    logits = values(lsrc, T * 64).reshape(T, 64)
    bias = r.uniform(-0.01, 0.01, 64).astype(np.float32)
    ids, wts, _ = w.add("adv/ernie-norm-min-0.5", "adversarial", c2, "ernie", logits, lsrc, bias,
                        w.src(bias), notes="moe_norm_min 0.5: the clamp binds on most rows")
    lt = torch.from_numpy(logits)
    it = torch.from_numpy(ids.astype(np.int64))
    s = lt.softmax(-1).gather(1, it)
    plain = (s / s.sum(-1, keepdim=True)).numpy()
    d = differs(ids, wts, ids, plain)
    w.cases[-1]["plain_norm_differs"] = d
    assert d >= T // 2, d


def gen_mask(w):
    """Padding rows (mask false): ids -1, weights 0, no load; their logits are
    NaN and must not be read. Batches cross the 256-token kernel chunk."""
    for name, seed in (("deepseek-v4-flash", 1), ("longcat-flash", 2), ("qwen3-next", 3), ("deepseek-v3.2", 4),
                       ("gemma-4", 5), ("ernie-4.5", 6)):
        c, router = MODELS2[name]
        E = c["Experts"]
        T = 300
        r = rng(8080 + seed)
        mask = r.random(T) >= 0.3
        mask[0] = False
        mask[T - 1] = False
        mask[255] = False
        mask[256] = True
        logits, lsrc, bias, bsrc, pes, psrc = model_inputs(name, c, 40 + seed, T)
        w.add(f"mask/{name}", "mask", c, router, logits, lsrc, bias, bsrc, pes, psrc, mask=mask, preset=name,
              stride=E + 2 if seed % 2 else 0, notes="30% padding rows (NaN logits), first and last padded")


def distinct_rows(r, T, K, E, lo=0):
    return np.stack([lo + r.choice(E - lo, K, replace=False) for _ in range(T)]).astype(np.int32)


def gen_forced(w):
    """Routing replay: ids given, weights by the family's own formula.
    Half the rows replay what the router would choose, half random ids."""
    for name, seed in (("deepseek-v4-flash", 1), ("minimax-m2", 2), ("longcat-flash", 3), ("ernie-4.5", 4),
                       ("gemma-4", 5), ("qwen3.5-moe", 6), ("glm-5", 7), ("ling-2.0", 8), ("deepseek-v3.2", 9),
                       ("nemotron-3-super", 10)):
        c, router = MODELS2[name]
        E, K = c["Experts"], c["TopK"]
        T = 128
        logits, lsrc, bias, bsrc, pes, psrc = model_inputs(name, c, 60 + seed, T)
        r = rng(9090 + seed)
        lt = torch.from_numpy(logits)
        bt = None if bias is None else torch.from_numpy(bias)
        pt = None if pes is None else torch.from_numpy(pes)
        own = run_ref(router, c, lt, bt if bt is not None else torch.zeros(E), pt)[0].numpy().astype(np.int32)
        forced = distinct_rows(r, T, K, E)
        forced[::2] = own[::2]
        if name == "longcat-flash":
            forced[1::4, 0] = E - 1  # an identity expert first
            for t in range(1, T, 4):
                row = forced[t]
                if len(set(row.tolist())) != K:
                    forced[t] = np.concatenate([[E - 1], r.choice(E - 1, K - 1, replace=False)])
        w.add(f"forced/{name}", "forced", c, router, logits, lsrc, bias, bsrc, pes, psrc, forced=forced,
              preset=name, notes="routing replay: even rows the router's own ids, odd rows random distinct ids")


def gen_forced_errors(w):
    """Bad forced ids: the first bad entry (row-major) is named by token and
    slot; an id repeated within a row is named at its second slot."""
    c, router = MODELS2["deepseek-v4-flash"]
    E, K = c["Experts"], c["TopK"]
    r = rng(6060)
    T = 40
    logits, lsrc, bias, bsrc, _, _ = model_inputs("deepseek-v4-flash", c, 80, T)
    for label, bad in (("repeat", [(17, 4, "repeat-of-1"), (30, 2, "repeat-of-0")]),
                       ("out-of-range", [(9, 3, E), (20, 0, -1)]),
                       ("int32-max", [(0, 5, 2 ** 31 - 1)])):
        forced = distinct_rows(r, T, K, E)
        for t, j, v in bad:
            if isinstance(v, str):
                src = int(v.split("-")[-1])
                forced[t, j] = forced[t, src]
            else:
                forced[t, j] = v
        t0, j0 = min((t, j) for t, j, _ in bad)
        w.add(f"forced-error/{label}", "forced-error", c, router, logits, lsrc, bias, bsrc, forced=forced,
              expect_error={"kind": "forced", "token": t0, "slot": j0}, preset="deepseek-v4-flash",
              notes=f"bad forced ids: {label}")


def gen_hash(w):
    """DeepSeek-V4 hash layers: ids = tid2eid[input_ids], a [vocab, K] table."""
    c, router = MODELS2["deepseek-v4-flash"]
    E, K = c["Experts"], c["TopK"]
    r = rng(1290)
    vocab = 1000
    table = distinct_rows(r, vocab, K, E)
    T = 200
    tok = r.integers(0, vocab, T).astype(np.int32)
    tok[:3] = [0, vocab - 1, 0]
    logits, lsrc, bias, bsrc, _, _ = model_inputs("deepseek-v4-flash", c, 90, T)
    forced = table[tok]
    h = {"vocab": vocab, "token_ids": w.put(tok.astype("<i4")), "table": w.put(table.astype("<i4"))}
    w.add("hash/deepseek-v4-flash", "hash", c, router, logits, lsrc, bias, bsrc, forced=forced, hash_=h,
          preset="deepseek-v4-flash", notes="tid2eid[token_id] from a [1000, 6] table")
    # errors: a token id outside the vocabulary; a table row with a repeat
    tok2 = tok.copy()
    tok2[57] = vocab
    h2 = {"vocab": vocab, "token_ids": w.put(tok2.astype("<i4")), "table": h["table"]}
    w.add("hash-error/token-out-of-vocab", "hash-error", c, router, logits, lsrc, bias, bsrc, hash_=h2,
          expect_error={"kind": "forced", "token": 57, "slot": -1}, preset="deepseek-v4-flash",
          notes="token id = vocab")
    table3 = table.copy()
    table3[tok[11], 3] = table3[tok[11], 1]
    first = min(t for t in range(T) if tok[t] == tok[11])
    h3 = {"vocab": vocab, "token_ids": h["token_ids"], "table": w.put(table3.astype("<i4"))}
    w.add("hash-error/table-repeat", "hash-error", c, router, logits, lsrc, bias, bsrc, hash_=h3,
          expect_error={"kind": "forced", "token": first, "slot": 3}, preset="deepseek-v4-flash",
          notes="a table row repeats an expert")


# ---------------------------------------------------------------------------
# config.json fixtures. hf_route(cfg) restates, per model_type, what the
# family's HF configuration class and router read (their defaults where a
# key is absent) and returns (router, moegate-equivalent config) or raises
# ValueError naming the key that makes the file unusable.
# ---------------------------------------------------------------------------


def _get(d, k, default):
    v = d.get(k, default)
    return default if v is None else v


def _count(d, k, default=None):
    v = d.get(k, default)
    if v is None:
        raise ValueError(k)
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ValueError(k)
    return v


def hf_route(cfg):
    mt = cfg.get("model_type")
    # nesting: V4.1 and Qwen3.5 (text_config), Llama 4 (text_config), Nemotron VL (llm_config)
    if "llm_config" in cfg and isinstance(cfg["llm_config"], dict):
        cfg = cfg["llm_config"]
        mt = cfg.get("model_type")
    elif "text_config" in cfg and isinstance(cfg["text_config"], dict):
        inner = cfg["text_config"]
        cfg = inner
        mt = inner.get("model_type", mt)
    if mt in ("deepseek_v3", "kimi_k2", "deepseek_v32", "glm4_moe", "glm_moe_dsa"):
        # DeepseekV3Config / Glm4MoeConfig / GlmMoeDsaConfig: the router is always
        # sigmoid + e_score_correction_bias with top-2-sum groups (scoring_func and
        # topk_method are not read).
        d = {"deepseek_v3": (256, 8, 8, 4, 2.5), "kimi_k2": (256, 8, 8, 4, 2.5),
             "deepseek_v32": (256, 8, 8, 4, 2.5), "glm4_moe": (128, 8, 1, 1, 1.0),
             "glm_moe_dsa": (256, 8, 1, 1, 2.5)}[mt]
        E = _count(cfg, "n_routed_experts", d[0])
        K = _count(cfg, "num_experts_per_tok", d[1])
        G = _count(cfg, "n_group", d[2])
        TG = _count(cfg, "topk_group", d[3])
        norm = bool(_get(cfg, "norm_topk_prob", True))
        scale = float(_get(cfg, "routed_scaling_factor", d[4]))
        return "sigmoid_groups", mcfg(E, K, "sigmoid", G=G, TG=TG, norm=norm, scale=scale, bias=True)
    if mt == "deepseek_v4":
        E = _count(cfg, "n_routed_experts", 256)
        K = _count(cfg, "num_experts_per_tok", 6)
        sf = _get(cfg, "scoring_func", "sqrtsoftplus")
        if sf != "sqrtsoftplus":
            raise ValueError("scoring_func")  # only the released score is restated here
        scale = float(_get(cfg, "routed_scaling_factor", 1.5))
        return "deepseek_v4", mcfg(E, K, "sqrtsoftplus", norm=True, scale=scale, bias=True)
    if mt == "minimax_m2":
        E = _count(cfg, "num_local_experts", 256)
        K = _count(cfg, "num_experts_per_tok", 8)
        return "minimax_m2", mcfg(E, K, "sigmoid", norm=True, norm_rule="sum", bias=True)
    if mt in ("qwen3_next", "qwen3_moe", "qwen2_moe"):
        E = _count(cfg, "num_experts", None)
        K = _count(cfg, "num_experts_per_tok", None)
        norm = bool(_get(cfg, "norm_topk_prob", mt != "qwen2_moe"))
        return "qwen_softmax", mcfg(E, K, "softmax", norm=norm, norm_rule="sum")
    if mt in ("qwen3_5_moe", "qwen3_5_moe_text"):
        E = _count(cfg, "num_experts", None)
        K = _count(cfg, "num_experts_per_tok", None)
        return "qwen_softmax", mcfg(E, K, "softmax", norm=True, norm_rule="sum")
    if mt == "longcat_flash":
        n = _count(cfg, "n_routed_experts", None)
        z = cfg.get("zero_expert_num")
        z = 0 if z is None else z
        if not isinstance(z, int) or z < 0:
            raise ValueError("zero_expert_num")
        K = _count(cfg, "moe_topk", None)
        scale = float(_get(cfg, "routed_scaling_factor", 1.0))
        return "longcat", mcfg(n + z, K, "softmax", scale=scale, bias=True, zero=z)
    if mt == "ernie4_5_moe":
        E = _count(cfg, "moe_num_experts", None)
        K = _count(cfg, "moe_k", None)
        nm = float(_get(cfg, "moe_norm_min", 1e-12))
        if not nm > 0:
            raise ValueError("moe_norm_min")
        return "ernie", mcfg(E, K, "softmax", norm=True, norm_rule="clamp", norm_min=nm, bias=True)
    if mt == "bailing_moe_v2":
        E = _count(cfg, "num_experts", None)
        K = _count(cfg, "num_experts_per_tok", None)
        G = _count(cfg, "n_group", None)
        TG = _count(cfg, "topk_group", None)
        scale = float(_get(cfg, "routed_scaling_factor", 1.0))
        return "bailing_v2", mcfg(E, K, "sigmoid", G=G, TG=TG, norm=K > 1, scale=scale, bias=True)
    if mt in ("gemma4", "gemma4_text"):
        E = _count(cfg, "num_experts", None)
        K = _count(cfg, "top_k_experts", None)
        return "gemma4", mcfg(E, K, "softmax", norm=True, norm_rule="sum", pes=True)
    if mt == "nemotron_h":
        E = _count(cfg, "n_routed_experts", 8)
        K = _count(cfg, "num_experts_per_tok", 2)
        G = _count(cfg, "n_group", 1)
        TG = _count(cfg, "topk_group", 1)
        norm = bool(_get(cfg, "norm_topk_prob", True))
        scale = float(_get(cfg, "routed_scaling_factor", 1.0))
        return "sigmoid_groups", mcfg(E, K, "sigmoid", G=G, TG=TG, norm=norm, scale=scale, bias=True)
    if mt == "deepseek_v2":
        # DeepseekV2Config: topk_method "greedy", n_group/topk_group None, routed_scaling_factor 1.0,
        # n_routed_experts 64, num_experts_per_tok None (a dense model)
        E = _count(cfg, "n_routed_experts", 64)
        K = _count(cfg, "num_experts_per_tok", None)
        method = _get(cfg, "topk_method", "greedy")
        scale = float(_get(cfg, "routed_scaling_factor", 1.0))
        if method == "greedy":
            return "deepseek_v2:greedy", mcfg(E, K, "softmax", scale=scale)
        if method == "group_limited_greedy":
            G = _count(cfg, "n_group", None)
            TG = _count(cfg, "topk_group", None)
            return "deepseek_v2:group_limited_greedy", mcfg(E, K, "softmax", G=G, TG=TG, rule="max", scale=scale)
        raise ValueError("topk_method")
    if mt == "mixtral":
        E = _count(cfg, "num_local_experts", 8)
        K = _count(cfg, "num_experts_per_tok", 2)
        return "mixtral", mcfg(E, K, "softmax", norm=True, norm_rule="sum")
    if mt in ("llama4", "llama4_text"):
        E = _count(cfg, "num_local_experts", 16)
        K = _count(cfg, "num_experts_per_tok", 1)
        return "llama4", mcfg(E, K, "sigmoid")
    if mt == "gpt_oss":
        E = _count(cfg, "num_local_experts", None)
        K = _count(cfg, "num_experts_per_tok", None)
        return "gpt_oss", mcfg(E, K, "softmax", norm=True)
    raise ValueError("model_type")


def _common(extra):
    # keys every released config carries that no router reads
    base = {"hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "max_position_embeddings": 163840,
            "num_attention_heads": 64, "num_hidden_layers": 43, "rms_norm_eps": 1e-06, "tie_word_embeddings": False,
            "torch_dtype": "bfloat16", "transformers_version": "4.57.0", "use_cache": True, "vocab_size": 129280,
            "bos_token_id": 0, "eos_token_id": 1}
    base.update(extra)
    return base


def config_fixtures():
    """(file name, dict, notes). Shapes follow the released config.json files
    (keys and nesting; values of keys no router reads are representative)."""
    v3 = _common({"architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3", "n_routed_experts": 256,
                  "n_shared_experts": 1, "num_experts_per_tok": 8, "n_group": 8, "topk_group": 4,
                  "topk_method": "noaux_tc", "scoring_func": "sigmoid", "norm_topk_prob": True,
                  "routed_scaling_factor": 2.5, "moe_intermediate_size": 2048, "moe_layer_freq": 1,
                  "first_k_dense_replace": 3, "kv_lora_rank": 512, "q_lora_rank": 1536, "ep_size": 1})
    v3_min = {k: v for k, v in v3.items() if k not in ("scoring_func", "topk_method", "ep_size", "moe_layer_freq")}
    v32 = dict(v3, architectures=["DeepseekV32ForCausalLM"], model_type="deepseek_v32", index_topk=2048,
               index_n_heads=64, index_head_dim=128)
    v4 = _common({"architectures": ["DeepseekV4ForCausalLM"], "model_type": "deepseek_v4", "n_routed_experts": 256,
                  "n_shared_experts": 1, "num_experts_per_tok": 6, "scoring_func": "sqrtsoftplus",
                  "topk_method": "noaux_tc", "norm_topk_prob": True, "routed_scaling_factor": 1.5,
                  "n_group": None, "topk_group": None, "num_hash_layers": 3, "moe_intermediate_size": 2048,
                  "swiglu_limit": 10.0, "hc_mult": 4, "o_groups": 8, "index_topk": 512,
                  "compress_ratios": [0, 0, 4, 128]})
    v4_min = {k: v for k, v in v4.items() if k not in ("norm_topk_prob", "topk_method", "n_group", "topk_group")}
    v4pro = dict(v4, n_routed_experts=384, hidden_size=7168, num_hidden_layers=61, o_groups=16)
    v41 = {"architectures": ["DeepseekV4ForConditionalGeneration"], "model_type": "deepseek_v4",
           "torch_dtype": "bfloat16", "transformers_version": "4.58.0",
           "text_config": {k: v for k, v in v4.items() if k not in ("architectures", "transformers_version")},
           "vision_config": {"model_type": "deepseek_v4_vision", "hidden_size": 1152, "num_hidden_layers": 27}}
    glm5 = _common({"architectures": ["GlmMoeDsaForCausalLM"], "model_type": "glm_moe_dsa", "n_routed_experts": 256,
                    "n_shared_experts": 1, "num_experts_per_tok": 8, "n_group": 1, "topk_group": 1,
                    "norm_topk_prob": True, "routed_scaling_factor": 2.5, "first_k_dense_replace": 3,
                    "moe_intermediate_size": 2048, "index_topk": 2048, "hidden_size": 6144, "num_hidden_layers": 78})
    mm2 = _common({"architectures": ["MiniMaxM2ForCausalLM"], "model_type": "minimax_m2", "num_local_experts": 256,
                   "num_experts_per_tok": 8, "scoring_func": "sigmoid", "use_routing_bias": True,
                   "router_aux_loss_coef": 0.001, "hidden_size": 3072, "num_hidden_layers": 62,
                   "intermediate_size": 1536, "shared_intermediate_size": 0})
    mm2_min = {k: v for k, v in mm2.items() if k not in ("scoring_func", "use_routing_bias")}
    qn = _common({"architectures": ["Qwen3NextForCausalLM"], "model_type": "qwen3_next", "num_experts": 512,
                  "num_experts_per_tok": 10, "norm_topk_prob": True, "decoder_sparse_step": 1, "mlp_only_layers": [],
                  "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512,
                  "full_attention_interval": 4, "output_router_logits": False, "router_aux_loss_coef": 0.001})
    q35 = {"architectures": ["Qwen3_5MoeForConditionalGeneration"], "model_type": "qwen3_5_moe",
           "text_config": _common({"model_type": "qwen3_5_moe_text", "num_experts": 256, "num_experts_per_tok": 8,
                                   "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512,
                                   "norm_topk_prob": True, "router_aux_loss_coef": 0.001}),
           "vision_config": {"model_type": "qwen3_5_moe", "depth": 27, "hidden_size": 1152}, "tie_word_embeddings": False}
    q35_min = json.loads(json.dumps(q35))
    del q35_min["text_config"]["norm_topk_prob"]
    lc = _common({"architectures": ["LongcatFlashForCausalLM"], "model_type": "longcat_flash",
                  "n_routed_experts": 512, "zero_expert_num": 256, "zero_expert_type": "identity", "moe_topk": 12,
                  "routed_scaling_factor": 6.0, "router_bias": False, "expert_ffn_hidden_size": 2048,
                  "num_layers": 28, "hidden_size": 6144, "ffn_hidden_size": 12288})
    er = _common({"architectures": ["Ernie4_5_MoeForCausalLM"], "model_type": "ernie4_5_moe", "moe_num_experts": 64,
                  "moe_k": 6, "moe_norm_min": 1e-12, "moe_capacity": [64, 64, 64], "moe_gate": "topk",
                  "moe_layer_interval": 1, "moe_layer_start_index": 1, "moe_num_shared_experts": 2,
                  "moe_use_aux_free": True, "hidden_size": 2560, "num_hidden_layers": 28, "use_bias": False})
    er_min = {k: v for k, v in er.items() if k not in ("moe_norm_min", "moe_gate", "moe_capacity")}
    er_floor = dict(er, moe_norm_min=0.5)
    ling = _common({"architectures": ["BailingMoeV2ForCausalLM"], "model_type": "bailing_moe_v2", "num_experts": 256,
                    "num_experts_per_tok": 8, "n_group": 8, "topk_group": 4, "routed_scaling_factor": 2.5,
                    "score_function": "sigmoid", "moe_router_enable_expert_bias": True, "norm_topk_prob": True,
                    "num_shared_experts": 1, "first_k_dense_replace": 1, "moe_intermediate_size": 1024,
                    "auto_map": {"AutoConfig": "configuration_bailing_moe_v2.BailingMoeV2Config"}})
    gm = {"architectures": ["Gemma4ForConditionalGeneration"], "model_type": "gemma4",
          "text_config": _common({"model_type": "gemma4_text", "num_experts": 128, "top_k_experts": 8,
                                  "enable_moe_block": True, "moe_intermediate_size": 704, "hidden_size": 2816,
                                  "hidden_activation": "gelu_pytorch_tanh", "num_hidden_layers": 30}),
          "vision_config": {"model_type": "gemma4_vision", "hidden_size": 1152}}
    nem = _common({"architectures": ["NemotronHForCausalLM"], "model_type": "nemotron_h", "n_routed_experts": 512,
                   "num_experts_per_tok": 22, "n_group": 1, "topk_group": 1, "norm_topk_prob": True,
                   "routed_scaling_factor": 5.0, "n_shared_experts": 1, "moe_intermediate_size": 2688,
                   "moe_latent_size": 1024, "hybrid_override_pattern": "MEMEM*EMEMEM*", "mamba_num_heads": 128})
    nem_vl = {"architectures": ["NemotronH_Nano_VL_V2"], "model_type": "NemotronH_Nano_VL_V2",
              "llm_config": nem, "vision_config": {"model_type": "radio", "hidden_size": 1280},
              "torch_dtype": "bfloat16"}
    oss = _common({"architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "num_local_experts": 128,
                   "num_experts_per_tok": 4, "experts_per_token": 4, "router_aux_loss_coef": 0.9,
                   "hidden_size": 2880, "num_hidden_layers": 36, "swiglu_limit": 7.0})
    v2 = _common({"architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2", "n_routed_experts": 160,
                  "n_shared_experts": 2, "num_experts_per_tok": 6, "n_group": 8, "topk_group": 3,
                  "topk_method": "group_limited_greedy", "scoring_func": "softmax", "norm_topk_prob": False,
                  "routed_scaling_factor": 16.0, "moe_intermediate_size": 1536, "moe_layer_freq": 1,
                  "first_k_dense_replace": 1, "aux_loss_alpha": 0.003, "seq_aux": True})
    v2_no_method = {k: v for k, v in v2.items() if k != "topk_method"}
    v2_lite = dict(v2, n_routed_experts=64, n_group=1, topk_group=1, topk_method="greedy",
                   routed_scaling_factor=1.0, hidden_size=2048, num_hidden_layers=27)
    kimi = dict(v3, architectures=["DeepseekV3ForCausalLM"], model_type="kimi_k2", n_routed_experts=384,
                n_group=1, topk_group=1, routed_scaling_factor=2.827, num_attention_heads=64)
    glm45 = _common({"architectures": ["Glm4MoeForCausalLM"], "model_type": "glm4_moe", "n_routed_experts": 160,
                     "n_shared_experts": 1, "num_experts_per_tok": 8, "n_group": 1, "topk_group": 1,
                     "norm_topk_prob": True, "routed_scaling_factor": 2.5, "first_k_dense_replace": 3,
                     "moe_intermediate_size": 1536, "use_qk_norm": True, "partial_rotary_factor": 0.5})
    glm45_air = dict(glm45, n_routed_experts=128, routed_scaling_factor=1.0, first_k_dense_replace=1,
                     use_qk_norm=False, hidden_size=4096, num_hidden_layers=46)
    q3 = _common({"architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "num_experts": 128,
                  "num_experts_per_tok": 8, "norm_topk_prob": True, "decoder_sparse_step": 1, "mlp_only_layers": [],
                  "moe_intermediate_size": 768, "output_router_logits": False})
    q15 = _common({"architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe", "num_experts": 60,
                   "num_experts_per_tok": 4, "norm_topk_prob": False, "decoder_sparse_step": 1,
                   "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632})
    mix = _common({"architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "num_local_experts": 8,
                   "num_experts_per_tok": 2, "router_aux_loss_coef": 0.02, "sliding_window": None,
                   "hidden_size": 4096, "num_hidden_layers": 32})
    l4 = {"architectures": ["Llama4ForConditionalGeneration"], "model_type": "llama4",
          "text_config": _common({"model_type": "llama4_text", "num_local_experts": 16, "num_experts_per_tok": 1,
                                  "interleave_moe_layer_step": 1, "intermediate_size": 8192,
                                  "intermediate_size_mlp": 16384, "hidden_size": 5120, "num_hidden_layers": 48}),
          "vision_config": {"model_type": "llama4_vision_model", "hidden_size": 1408}}
    lc_nozero = {k: v for k, v in lc.items() if k not in ("zero_expert_num", "zero_expert_type")}
    v4_nosf = {k: v for k, v in v4.items() if k != "scoring_func"}
    nem_min = {k: v for k, v in nem.items() if k not in ("n_group", "topk_group", "norm_topk_prob")}
    glm5_min = {k: v for k, v in glm5.items() if k not in ("n_group", "topk_group", "norm_topk_prob")}
    good = [
        ("deepseek_v3.json", v3, "DeepSeek-V3 as released"),
        ("deepseek_v3-no-scoring-func.json", v3_min, "DeepseekV3Config reads neither scoring_func nor topk_method"),
        ("deepseek_v32.json", v32, "DeepSeek-V3.2 as released"),
        ("deepseek_v4-flash.json", v4, "DeepSeek-V4-Flash as released"),
        ("deepseek_v4-flash-min.json", v4_min, "V4's router reads neither norm_topk_prob nor groups"),
        ("deepseek_v4-pro.json", v4pro, "DeepSeek-V4-Pro shape, 384 experts"),
        ("deepseek_v4.1-text-config.json", v41, "V4.1: the routing keys under text_config"),
        ("glm_moe_dsa.json", glm5, "GLM-5: no scoring_func, the model always uses a sigmoid"),
        ("minimax_m2.json", mm2, "MiniMax-M2 as released"),
        ("minimax_m2-min.json", mm2_min, "MiniMaxM2TopKRouter reads neither scoring_func nor use_routing_bias"),
        ("qwen3_next.json", qn, "Qwen3-Next-80B-A3B as released"),
        ("qwen3_5_moe.json", q35, "Qwen3.5-MoE: text_config"),
        ("qwen3_5_moe-min.json", q35_min, "Qwen3_5MoeTopKRouter always renormalises: no norm_topk_prob needed"),
        ("longcat_flash.json", lc, "LongCat-Flash: 512 + 256 zero experts, moe_topk 12"),
        ("ernie4_5_moe.json", er, "ERNIE-4.5-21B-A3B as released"),
        ("ernie4_5_moe-min.json", er_min, "moe_norm_min defaults to 1e-12 in Ernie4_5_MoeConfig"),
        ("ernie4_5_moe-norm-min-0.5.json", er_floor, "a floor that binds"),
        ("bailing_moe_v2.json", ling, "Ling 2.0 as released"),
        ("gemma4.json", gm, "Gemma 4: text_config, per_expert_scale"),
        ("nemotron_h.json", nem, "Nemotron 3 Super shape"),
        ("nemotron_h-llm-config.json", nem_vl, "nemotron_h nested under llm_config"),
        ("gpt_oss-120b.json", oss, "gpt-oss-120b as released"),
        ("deepseek_v2.json", v2, "DeepSeek-V2 as released (group_limited_greedy, group max)"),
        ("deepseek_v2-no-topk-method.json", v2_no_method, "DeepseekV2Config defaults topk_method to greedy: no groups"),
        ("deepseek_v2-lite.json", v2_lite, "DeepSeek-V2-Lite as released (greedy)"),
        ("kimi_k2.json", kimi, "Kimi K2 (DeepseekV3 architecture)"),
        ("glm4_moe.json", glm45, "GLM-4.5 as released"),
        ("glm4_moe-air.json", glm45_air, "GLM-4.5-Air: 128 experts, no routed scale"),
        ("qwen3_moe.json", q3, "Qwen3-30B-A3B as released"),
        ("qwen2_moe.json", q15, "Qwen1.5-MoE-A2.7B as released"),
        ("mixtral.json", mix, "Mixtral-8x7B as released"),
        ("llama4.json", l4, "Llama 4 Scout: text_config"),
        ("longcat_flash-no-zero-experts.json", lc_nozero, "zero_expert_num absent: LongcatFlashTopkRouter adds 0"),
        ("deepseek_v4-no-scoring-func.json", v4_nosf, "DeepseekV4Config defaults scoring_func to sqrtsoftplus"),
        ("nemotron_h-min.json", nem_min, "NemotronHConfig defaults n_group 1, topk_group 1, norm_topk_prob true"),
        ("glm_moe_dsa-min.json", glm5_min, "GlmMoeDsaConfig defaults n_group 1, topk_group 1, norm_topk_prob true"),
    ]
    # Keys the family's code does not read, stated with a value that contradicts
    # what the code does: the model routes as if they were absent. moegate may
    # refuse such a file (naming the key) or route it as the model does.
    def with_(d, **kw):
        return dict(d, **kw)

    ignored = [
        ("ignored-deepseek_v3-scoring-softmax.json", with_(v3, scoring_func="softmax"), "scoring_func"),
        ("ignored-deepseek_v3-topk-greedy.json", with_(v3, topk_method="greedy"), "topk_method"),
        ("ignored-deepseek_v4-norm-false.json", with_(v4, norm_topk_prob=False), "norm_topk_prob"),
        ("ignored-deepseek_v4-groups.json", with_(v4, n_group=8, topk_group=4), "n_group"),
        ("ignored-deepseek_v2-norm-true.json", with_(v2, norm_topk_prob=True), "norm_topk_prob"),
        ("ignored-deepseek_v2-scoring-sigmoid.json", with_(v2, scoring_func="sigmoid"), "scoring_func"),
        ("ignored-minimax_m2-scoring-softmax.json", with_(mm2, scoring_func="softmax"), "scoring_func"),
        ("ignored-minimax_m2-norm-false.json", with_(mm2, norm_topk_prob=False), "norm_topk_prob"),
        ("ignored-minimax_m2-scale-2.json", with_(mm2, routed_scaling_factor=2.0), "routed_scaling_factor"),
        ("ignored-qwen3_5_moe-norm-false.json",
         {**q35, "text_config": dict(q35["text_config"], norm_topk_prob=False)}, "norm_topk_prob"),
        ("ignored-longcat_flash-norm-true.json", with_(lc, norm_topk_prob=True), "norm_topk_prob"),
        ("ignored-glm4_moe-topk-greedy.json", with_(glm45, topk_method="greedy"), "topk_method"),
        ("ignored-gemma4-norm-false.json", {**gm, "text_config": dict(gm["text_config"], norm_topk_prob=False)},
         "norm_topk_prob"),
        ("ignored-mixtral-norm-false.json", with_(mix, norm_topk_prob=False), "norm_topk_prob"),
        ("ignored-gpt_oss-norm-false.json", with_(oss, norm_topk_prob=False), "norm_topk_prob"),
        ("ignored-nemotron_h-scoring-softmax.json", with_(nem, scoring_func="softmax"), "scoring_func"),
        # BailingMoeV2Gate normalises whenever top_k > 1 and never reads norm_topk_prob
        # (verbatim copies: SGLang models/bailing_moe_v2, LLaDA2MoeGate, BailingMoeV3 fixtures).
        ("ignored-bailing_moe_v2-norm-false.json", with_(ling, norm_topk_prob=False), "norm_topk_prob"),
    ]
    bad = [
        ("bad-unknown-model-type.json", dict(v3, model_type="frobnicator_moe"), "model_type"),
        ("bad-v3-negative-groups.json", dict(v3, n_group=-8), "n_group"),
        ("bad-v3-negative-topk.json", dict(v3, num_experts_per_tok=-8), "num_experts_per_tok"),
        ("bad-v4-zero-experts.json", dict(v4, n_routed_experts=0), "n_routed_experts"),
        ("bad-longcat-negative-zero-experts.json", dict(lc, zero_expert_num=-256), "zero_expert_num"),
        ("bad-ernie-negative-k.json", dict(er, moe_k=-6), "moe_k"),
        ("bad-minimax-negative-experts.json", dict(mm2, num_local_experts=-256), "num_local_experts"),
        ("bad-gemma4-negative-topk.json", {**gm, "text_config": dict(gm["text_config"], top_k_experts=-8)},
         "top_k_experts"),
        ("bad-nemotron-negative-experts.json", {**nem_vl, "llm_config": dict(nem, n_routed_experts=-512)},
         "n_routed_experts"),
        ("bad-ling-negative-topk-group.json", dict(ling, topk_group=-4), "topk_group"),
    ]
    return good, ignored, bad


def config_json_bytes(d):
    return (json.dumps(d, indent=2) + "\n").encode()


def gen_configs(w, files):
    good, ignored, bad = config_fixtures()
    T = 128
    for i, (fname, d, notes) in enumerate(good):
        files[fname] = config_json_bytes(d)
        router, c = hf_route(d)
        logits, lsrc, bias, bsrc, pes, psrc = model_inputs(fname, c, 100 + i, T)
        w.add(f"config/{fname}", "config", c, router, logits, lsrc, bias, bsrc, pes, psrc, hf_config=fname,
              notes=notes)
    for i, (fname, d, key) in enumerate(ignored):
        files[fname] = config_json_bytes(d)
        router, c = hf_route(d)
        logits, lsrc, bias, bsrc, pes, psrc = model_inputs(fname, c, 200 + i, T)
        w.add(f"config/{fname}", "config-ignored", c, router, logits, lsrc, bias, bsrc, pes, psrc, hf_config=fname,
              notes=f"{key} is not read by the family's code: route as without it, or refuse naming it",
              extra={"ignored_key": key})
    for fname, d, key in bad:
        files[fname] = config_json_bytes(d)
        try:
            hf_route(d)
        except ValueError as e:
            assert str(e) == key, (fname, e, key)
        else:
            raise AssertionError(fname + " accepted by the restatement")
        w.cases.append(dict(name=f"config/{fname}", family="config-error", hf_config=fname,
                            expect_error={"kind": "config", "key": key}, notes=f"refused: names {key}"))


# ---------------------------------------------------------------------------


def generate2():
    torch.set_num_threads(1)
    w = Writer2()
    files = {}
    gen_presets2(w)
    gen_grid2(w)
    gen_v4_extremes(w)
    gen_bias_leak(w)
    gen_expert_scale_order(w)
    gen_zero_experts(w)
    gen_norm_rules(w)
    gen_mask(w)
    gen_forced(w)
    gen_forced_errors(w)
    gen_hash(w)
    gen_configs(w, files)
    blob = w.blob.getvalue()
    manifest = dict(
        format=FORMAT2,
        generator="route/testdata/golden/gen2.py (run by gen.py)",
        torch=torch.__version__,
        numpy=np.__version__,
        blob=BLOB2,
        blob_size=len(blob),
        blob_sha256=hashlib.sha256(blob).hexdigest(),
        tolerance=("near tie: reference selection scores closer than max(1e-6, 8 ulp); weights 2e-6 relative "
                   "(K <= 8) or 2e-6 + 2(K-1)2^-24 (K > 8), or the case's wtol where stated"),
        cases=w.cases,
    )
    return manifest, blob, files


def write2(outdir, manifest, blob, files):
    with open(os.path.join(outdir, MANIFEST2), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(outdir, BLOB2), "wb") as f:
        f.write(gzip.compress(blob, compresslevel=9, mtime=0))
    cdir = os.path.join(outdir, CONFIG_DIR)
    os.makedirs(cdir, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(cdir, name), "wb") as f:
            f.write(data)


def check2():
    manifest, blob, files = generate2()
    ok = True
    with open(os.path.join(HERE, MANIFEST2)) as f:
        old_m = json.load(f)
    new_m = json.loads(json.dumps(manifest, sort_keys=True))
    if g1.strip_versions(old_m) != g1.strip_versions(new_m):
        print("manifest2 differs from the regenerated one")
        ok = False
    with gzip.open(os.path.join(HERE, BLOB2), "rb") as f:
        if f.read() != blob:
            print("blob2 differs")
            ok = False
    for name, data in files.items():
        p = os.path.join(HERE, CONFIG_DIR, name)
        if not os.path.exists(p) or open(p, "rb").read() != data:
            print(f"configs/{name} differs")
            ok = False
    print(f"{len(manifest['cases'])} cases, {len(blob)} bytes, {len(files)} configs: "
          + ("identical" if ok else "DIFFERENT"))
    return ok
