"""The reverse process for one window: guided x0-prediction (Eq. 7) + reverse steps (diffusion.py).

Known frames (the tail of the previous window) are held fixed as in inpainting: after every
prediction their x0 is replaced by the known motion, so the new window is denoised as a
continuation of it (RePaint-style replacement, on x0 because the model predicts x0).
"""
from __future__ import annotations

from typing import Callable

import torch

from .diffusion import SAMPLERS, GaussianDiffusion
from .guidance import guided_x0
from .model import CafeTalkDiT, Conditions


class Cancelled(Exception):
    """Generation was cancelled by the caller between two denoising steps."""


@torch.no_grad()
def sample_window(model: CafeTalkDiT, diffusion: GaussianDiffusion, cond: Conditions, *, alpha: float,
                  z_cfg: torch.Tensor | None, steps: int, sampler: str, generator: torch.Generator,
                  known: torch.Tensor | None = None, on_step: Callable[[], None] | None = None,
                  reference: str = "null") -> torch.Tensor:
    """Denoise one window. cond: batch 1, T frames; known: (K, C) normalised motion for the first K frames;
    reference: what Eq. 7's AU term is measured from (guidance.guided_x0).

    Returns x0 (1, T, C) in normalised space.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler '{sampler}': use {' or '.join(SAMPLERS)}")
    eta = SAMPLERS[sampler]
    device = cond.audio.device
    T, C = cond.audio.shape[1], model.cfg.model.num_channels
    # Noise is drawn on the CPU so a seed gives the same numbers on every device.
    x = torch.randn((1, T, C), generator=generator).to(device)  # (1, T, C) x_tau at tau = T_train
    ts = diffusion.timesteps(steps)
    for i, t in enumerate(ts):
        t_batch = torch.full((1,), t, dtype=torch.long, device=device)
        x0 = guided_x0(model, x, t_batch, cond, alpha, z_cfg, reference)  # (1, T, C)
        if known is not None:
            x0[:, :known.shape[0]] = known  # inpainting: hold the overlap fixed
        t_prev = ts[i + 1] if i + 1 < len(ts) else -1
        noise = torch.randn((1, T, C), generator=generator).to(device) if eta > 0 and t_prev >= 0 else None
        x = diffusion.step(x0, x, t, t_prev, eta, noise)  # (1, T, C)
        if on_step is not None:
            on_step()
    return x
