#!/usr/bin/env python3
# How often bfloat16 router logits tie, and how often torch.topk then picks a
# different top-K (set or order) than moegate's rule (higher score first, on
# equal scores the lower index). Logits: N(0, 1.5^2) as in bench/, rounded
# to bfloat16, DeepSeek-V3's shape (256 experts, top-8), 4096 tokens.
# Needs PyTorch and NumPy. Run: python3 scripts/half_ties.py
import numpy as np
import torch

torch.manual_seed(0)
T, E, K = 4096, 256, 8
x = (torch.randn(T, E) * 1.5).bfloat16()
xf = x.float().numpy()
ref = np.array([sorted(range(E), key=lambda j: (-xf[t][j], j))[:K] for t in range(T)])
for name, y in (("bfloat16", x), ("float32 of the bfloat16", x.float())):
    _, i = torch.topk(y, K, dim=-1)
    i = i.numpy()
    sets = sum(set(i[t]) != set(ref[t]) for t in range(T))
    order = sum(list(i[t]) != list(ref[t]) for t in range(T))
    print(f"torch.topk on {name}: rows whose top-{K} set differs from lower-index-wins: {sets}, "
          f"order differs: {order} of {T}")
ties = sum(len(set(xf[t][ref[t]].tolist())) < K or (xf[t] == xf[t][ref[t][-1]]).sum() > 1 for t in range(T))
print(f"rows with an exact tie among or at the edge of the top {K}: {ties} of {T} (torch {torch.__version__})")
