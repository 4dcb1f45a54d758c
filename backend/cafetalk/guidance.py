"""Mask-based classifier-free guidance (Eq. 7): the one place that combines the predictions.

    M0_hat = G_null + alpha (G_{A,C} - G_null) + beta Z_cfg (.) (G_{A,C,F} - G_ref)

with G_ref = G_null as Eq. 7 prints it, or G_ref = G_{A,C} ("coarse": the adapter's own
contribution, model/config.py GUIDANCE_REFERENCES).

G_null drops audio and coarse conditions, G_{A,C} keeps them, G_{A,C,F} also feeds the AU adapter.
Z_cfg marks the frames of the user's triplets, so the fine-grained term cannot leak into
neighbouring frames (section 3.2); its values carry beta, one per triplet. Z_cfg may also be masked
in space, (T, C), to the channels of the slot's AUs (model/config.py GUIDANCE_MASKS). The needed
predictions run as one batched forward pass.
"""
from __future__ import annotations

import torch

from .model import CafeTalkDiT, Conditions, concat


def guided_x0(model: CafeTalkDiT, x_t: torch.Tensor, t: torch.Tensor, cond: Conditions, alpha: float,
              z_cfg: torch.Tensor | None, reference: str = "null") -> torch.Tensor:
    """x_t (B, T, C); t (B,); z_cfg (B, T) or (B, T, C): beta-scaled Z_cfg, or None without fine-grained controls;
    reference: "null" or "coarse", the prediction the fine-grained term is measured from."""
    if reference not in ("null", "coarse"):
        raise ValueError(f"unknown guidance reference '{reference}'")
    fine = z_cfg is not None and cond.aus is not None and model.adapter is not None and bool((z_cfg != 0).any())
    branches = [cond.with_flags(audio=False, coarse=False, aus=False),  # G_null
                cond.with_flags(audio=True, coarse=True, aus=False)]  # G_{A,C}
    if fine:
        branches.append(cond.with_flags(audio=True, coarse=True, aus=True))  # G_{A,C,F}
    k = len(branches)
    out = model(x_t.repeat(k, 1, 1), t.repeat(k), concat(branches))  # (k B, T, C)
    g = out.chunk(k, dim=0)  # k x (B, T, C)
    x0 = g[0] + alpha * (g[1] - g[0])  # (B, T, C)
    if fine:
        z = z_cfg[:, :, None] if z_cfg.dim() == 2 else z_cfg  # (B, T, 1) or (B, T, C)
        ref = g[0] if reference == "null" else g[1]  # G_null or G_{A,C}
        x0 = x0 + z.to(x0.dtype) * (g[2] - ref)  # (B, T, C)
    return x0
