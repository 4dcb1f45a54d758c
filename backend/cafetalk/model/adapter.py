"""The fine-grained control adapter (section 3.2, Fig. 3).

The binary AU sequence F (B, T, U) is embedded, added to the base model's input tokens, and read by
FiLM self-attention layers (modulated by the timestep). Its output reaches the frozen base through
one zero-initialised projection per base block (ControlNet's "zero convolution", Zhang et al. 2023:
a 1x1 convolution over time is a per-frame linear layer). At initialisation every projection is
zero, so a stage-2 model starts out computing exactly what the stage-1 base computes, and the
adapter's influence grows only as training finds it useful - lip-sync is not disturbed on day one.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import aus as au_vocab
from .config import CafeTalkConfig
from .layers import FiLM, FiLMAttention, feed_forward


class FiLMSelfAttentionLayer(nn.Module):
    """FiLM self-attention followed by a FiLM feed-forward, both modulated by the timestep."""

    def __init__(self, d: int, n_heads: int, ff_mult: int, dropout: float):
        super().__init__()
        self.attn = FiLMAttention(d, n_heads, dropout)
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.ff = feed_forward(d, ff_mult, dropout)
        self.film = FiLM(d, d)

    def forward(self, h: torch.Tensor, t_emb: torch.Tensor) -> torch.Tensor:
        h = self.attn(h, t_emb)  # (B, T, D)
        return h + self.film(self.ff(self.norm(h)), t_emb)  # (B, T, D)


class AUAdapter(nn.Module):
    def __init__(self, cfg: CafeTalkConfig):
        super().__init__()
        m = cfg.model
        d = m.d_model
        self.au_embed = nn.Linear(au_vocab.NUM_UNITS, d)
        self.layers = nn.ModuleList(
            FiLMSelfAttentionLayer(d, m.n_heads, m.ff_mult, m.dropout) for _ in range(m.adapter_layers))
        self.zero_proj = nn.ModuleList(nn.Linear(d, d) for _ in range(m.n_layers))
        for proj in self.zero_proj:  # zero convolution: the adapter adds exactly 0 until trained
            nn.init.zeros_(proj.weight)
            nn.init.zeros_(proj.bias)

    def forward(self, h: torch.Tensor, aus: torch.Tensor, t_emb: torch.Tensor) -> list[torch.Tensor]:
        """h: base input tokens (B, T, D); aus: (B, T, U). -> one residual (B, T, D) per base block."""
        a = h + self.au_embed(aus.to(h.dtype))  # (B, T, D)
        for layer in self.layers:
            a = layer(a, t_emb)  # (B, T, D)
        return [proj(a) for proj in self.zero_proj]
