#!/usr/bin/env python3
"""Writes the fixture of examples/moelayer: a DeepSeek-style MoE layer's
forward pass in PyTorch (float64), on weights both languages generate
from the same seeds (splitmix64, see weights() in ../layer.go).

Usage: python3 gen.py   (Debian: /usr/bin/python3 with python3-torch; writes fixture.json and out.bin here; seconds)

Only seeds, shapes, the routing (ids, weights, margins) and the layer's
output are committed: out.bin is the output [T, H] as little-endian
float32 (the float64 result rounded once).
"""
import json
import os

import numpy as np
import torch

H, E, I, K, T = 1024, 64, 256, 6, 8   # hidden, routed experts, expert width, top-k, tokens
SCALE = 2.5                          # routed_scaling_factor
SEED = 20261204

GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def splitmix(seed, n):
    """n values of splitmix64 from state seed: z_i = seed + (i+1)*gamma,
    mixed; returned as uniform doubles (2*u - 1) with u = (z >> 40) / 2^24,
    all exactly representable in float32."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + i * GAMMA
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return 2.0 * u - 1.0


def tensor(seed, shape, scale):
    """A weight tensor: splitmix values times a power of two (exact)."""
    n = int(np.prod(shape))
    return torch.from_numpy(splitmix(seed, n).reshape(shape) * scale)


def weights():
    w = {}
    w["x"] = tensor(SEED + 1, (T, H), 1.0)
    w["gate"] = tensor(SEED + 2, (E, H), 1.0 / 16)          # router, [E, H]
    w["bias"] = tensor(SEED + 3, (E,), 1.0 / 16)            # e_score_correction_bias
    w["experts"] = []
    for e in range(E):
        s = SEED + 100 + 3 * e
        w["experts"].append((tensor(s, (I, H), 1.0 / 32),      # gate_proj
                             tensor(s + 1, (I, H), 1.0 / 32),  # up_proj
                             tensor(s + 2, (H, I), 1.0 / 16))) # down_proj
    s = SEED + 99
    w["shared"] = (tensor(s, (I, H), 1.0 / 32), tensor(s + 1000, (I, H), 1.0 / 32), tensor(s + 2000, (H, I), 1.0 / 16))
    return w


def mlp(x, g, u, d):
    return torch.nn.functional.linear(torch.nn.functional.silu(torch.nn.functional.linear(x, g)) * torch.nn.functional.linear(x, u), d)


def main():
    torch.set_default_dtype(torch.float64)
    w = weights()
    x = w["x"]
    logits = torch.nn.functional.linear(x, w["gate"])          # [T, E]
    scores = logits.sigmoid()
    sel = scores + w["bias"]
    top = torch.topk(sel, K + 1, dim=-1, sorted=True)
    ids = top.indices[:, :K]
    margin = (top.values[:, K - 1] - top.values[:, K]).min().item()
    wt = scores.gather(1, ids)
    wt = wt / (wt.sum(dim=-1, keepdim=True) + 1e-20) * SCALE
    out = torch.zeros_like(x)
    for t in range(T):
        for k in range(K):
            g, u, d = w["experts"][ids[t, k].item()]
            out[t] += wt[t, k] * mlp(x[t:t + 1], g, u, d)[0]
    out += mlp(x, *w["shared"])
    here = os.path.dirname(os.path.abspath(__file__))
    out.numpy().astype("<f4").tofile(os.path.join(here, "out.bin"))
    fx = {
        "comment": "written by gen.py (PyTorch %s, float64); weights from splitmix64 seeds, see gen.py" % torch.__version__,
        "hidden": H, "experts": E, "width": I, "topk": K, "tokens": T, "scale": SCALE, "seed": SEED,
        "ids": ids.tolist(),
        "weights": wt.tolist(),
        "min_selection_margin": margin,
        "out_rms": out.pow(2).mean().sqrt().item(),
        "out_max_abs": out.abs().max().item(),
    }
    with open(os.path.join(here, "fixture.json"), "w") as f:
        json.dump(fx, f, indent=1)
        f.write("\n")
    print("min top-k selection margin %.3g, out rms %.4g" % (margin, fx["out_rms"]))


if __name__ == "__main__":
    main()
