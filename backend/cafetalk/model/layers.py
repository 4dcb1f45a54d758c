"""Layers shared by the base model and the adapter: attention, the alignment mask (Eq. 2), FiLM."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoid(positions: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Transformer sinusoidal features of (N,) positions or timesteps. -> (N, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=positions.device) / half)  # (dim/2,)
    args = positions.float()[:, None] * freqs[None]  # (N, dim/2)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)  # (N, dim)


def alignment_mask(num_frames: int, num_audio: int | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """Z_align of Eq. 2: 0 where |i - j| <= 1, -inf elsewhere. (T, Ta), added to attention logits."""
    i = torch.arange(num_frames, device=device)[:, None]
    j = torch.arange(num_audio or num_frames, device=device)[None, :]
    return torch.where((i - j).abs() <= 1, 0.0, float("-inf"))  # (T, Ta)


class Attention(nn.Module):
    """Multi-head attention; self-attention when `context` is None."""

    def __init__(self, d: int, n_heads: int, dropout: float):
        super().__init__()
        if d % n_heads:
            raise ValueError(f"d_model {d} is not divisible by n_heads {n_heads}")
        self.n_heads, self.dropout = n_heads, dropout
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        B, T, D = x.shape
        ctx = x if context is None else context
        H = self.n_heads
        q = self.q(x).view(B, T, H, D // H).transpose(1, 2)  # (B, H, T, Dh)
        k, v = self.kv(ctx).view(B, ctx.shape[1], 2, H, D // H).permute(2, 0, 3, 1, 4)  # 2 x (B, H, Ta, Dh)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)  # (B, H, T, Dh)
        return self.out(y.transpose(1, 2).reshape(B, T, D))  # (B, T, D)


class FiLM(nn.Module):
    """Feature-wise linear modulation by a condition vector: h * (1 + gamma(c)) + beta(c).

    Zero-initialised so every FiLM starts as the identity and the timestep's influence is learned.
    """

    def __init__(self, d_cond: int, d: int):
        super().__init__()
        self.proj = nn.Linear(d_cond, 2 * d)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(c)[:, None].chunk(2, dim=-1)  # 2 x (B, 1, D)
        return h * (1 + gamma) + beta  # (B, T, D)


def feed_forward(d: int, mult: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d, mult * d), nn.GELU(approximate="tanh"), nn.Dropout(dropout),
                         nn.Linear(mult * d, d))


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale[:, None]) + shift[:, None]  # (B, T, D)


class FiLMAttention(nn.Module):
    """A residual attention layer whose output is FiLM-modulated by the timestep embedding:
    h + FiLM(Attn(LN(h), context), t). Cross-attention when `context` is given (Fig. 2)."""

    def __init__(self, d: int, n_heads: int, dropout: float):
        super().__init__()
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.attn = Attention(d, n_heads, dropout)
        self.film = FiLM(d, d)

    def forward(self, h: torch.Tensor, t_emb: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        return h + self.film(self.attn(self.norm(h), context, mask), t_emb)  # (B, T, D)
