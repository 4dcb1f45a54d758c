"""The DDPM noise process (Eq. 3), the simple loss (Eq. 5) and reverse steps with x0-prediction (Eq. 4).

Follows Ho et al. 2020 (DDPM) and Song et al. 2021 (DDIM). The network predicts the clean motion
x0 directly (Cafe-Talk Eq. 4, after Ng et al. 2024); a reverse step turns that prediction into
x_{tau-1}. With `eta = 1` the step samples the DDPM posterior q(x_{tau-1} | x_tau, x0_hat) (DDIM paper,
section 4.1: eta = 1 is DDPM), with `eta = 0` it is the deterministic DDIM step; both work on any
subsequence of the training timesteps, so the number of sampling steps is free.
"""
from __future__ import annotations

import math

import torch

from .model.config import DiffusionConfig

SAMPLERS = {"ddpm": 1.0, "ddim": 0.0}  # sampler name -> eta


def betas_for(cfg: DiffusionConfig) -> torch.Tensor:
    n = cfg.num_train_timesteps
    if cfg.schedule == "linear":
        return torch.linspace(cfg.beta_start, cfg.beta_end, n, dtype=torch.float64)
    if cfg.schedule == "cosine":  # Nichol & Dhariwal 2021, Eq. 17
        f = lambda t: math.cos((t / n + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        return torch.tensor([min(1 - f(i + 1) / f(i), 0.999) for i in range(n)], dtype=torch.float64)
    raise ValueError(f"unknown noise schedule '{cfg.schedule}': use 'cosine' or 'linear'")


class GaussianDiffusion:
    def __init__(self, cfg: DiffusionConfig):
        self.cfg = cfg
        self.num_train_timesteps = cfg.num_train_timesteps
        alphas = 1.0 - betas_for(cfg)  # alpha_tau of Eq. 3
        self.alphas_cumprod = torch.cumprod(alphas, dim=0).float()  # abar_tau, (T,)

    def _abar(self, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """abar at integer steps t (B,); -1 means 'before step 0' (abar = 1). -> (B, 1, 1)."""
        table = torch.cat([torch.ones(1), self.alphas_cumprod]).to(like.device)
        return table[(t + 1).long()].to(like.dtype)[:, None, None]

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Sample q(x_tau | x_0) in closed form (Eq. 3 applied tau times). x0, noise (B, T, C); t (B,)."""
        abar = self._abar(t, x0)  # (B, 1, 1)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise  # (B, T, C)

    def sample_timesteps(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randint(0, self.num_train_timesteps, (batch,), generator=generator)

    @staticmethod
    def loss(x0_hat: torch.Tensor, x0: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Eq. 5 (mean squared error on x0); with `mask` (B, T, C) the masked loss of Eq. 6."""
        err = (x0_hat - x0) ** 2  # (B, T, C)
        if mask is None:
            return err.mean()
        return (err * mask).sum() / mask.sum().clamp_min(1.0)

    def timesteps(self, num_steps: int) -> list[int]:
        """Evenly spaced training steps, descending, for `num_steps` reverse steps."""
        if not 1 <= num_steps <= self.num_train_timesteps:
            raise ValueError(f"steps must be between 1 and {self.num_train_timesteps}, got {num_steps}")
        ts = torch.linspace(self.num_train_timesteps - 1, 0, num_steps).round().long()
        return sorted(set(ts.tolist()), reverse=True)

    def step(self, x0_hat: torch.Tensor, x_t: torch.Tensor, t: int, t_prev: int, eta: float,
             noise: torch.Tensor | None) -> torch.Tensor:
        """One reverse step tau -> tau_prev given the predicted x0 (DDIM Eq. 12; eta = 1: DDPM posterior).

        t_prev = -1 ends the chain and returns x0_hat itself.
        """
        if t_prev < 0:
            return x0_hat
        if t_prev >= t:
            raise ValueError(f"reverse steps must go down: got {t} -> {t_prev}")
        idx = torch.tensor([t, t_prev])
        abar_t, abar_prev = self._abar(idx, x_t)[:, 0, 0]
        eps = (x_t - abar_t.sqrt() * x0_hat) / (1 - abar_t).sqrt()  # (B, T, C) implied noise
        sigma = eta * ((1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev)).sqrt()
        x_prev = abar_prev.sqrt() * x0_hat + (1 - abar_prev - sigma ** 2).clamp_min(0).sqrt() * eps
        if eta > 0:
            if noise is None:
                raise ValueError("a stochastic step (eta > 0, DDPM) needs noise")
            x_prev = x_prev + sigma * noise
        return x_prev  # (B, T, C)
