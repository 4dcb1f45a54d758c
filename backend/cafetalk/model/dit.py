"""The Cafe-Talk generator G: a diffusion transformer that predicts clean ARKit motion (Eq. 4).

    M0_hat = G(M_tau; tau, A, C[, F])

References: Cafe-Talk section 3.1 and appendix C; DiT (Peebles & Xie 2023) for adaLN-Zero and the
timestep embedder; FiLM (Perez et al. 2018). Each block stacks, in the order of Fig. 2:
  1. adaLN self-attention     - carries the coarse condition C_f (+ timestep)
  2. FiLM cross-attention     - to the speech features, restricted by the alignment mask Z_align (Eq. 2)
  3. FiLM self-attention      - temporal context, modulated by the timestep
  4. adaLN feed-forward
The fine-grained AU adapter (adapter.py) adds a zero-initialised residual before each block.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .adapter import AUAdapter
from .conditions import Conditions
from .config import CafeTalkConfig
from .layers import Attention, FiLMAttention, alignment_mask, feed_forward, modulate, sinusoid


# --------------------------------------------------------------------------- embedders

class TimestepEmbedder(nn.Module):
    """Diffusion step tau -> vector, as in DiT: sinusoid then a 2-layer MLP."""

    def __init__(self, d: int, freq_dim: int = 256):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, d), nn.SiLU(), nn.Linear(d, d))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(sinusoid(t, self.freq_dim))  # (B, D)


class CoarseEmbedder(nn.Module):
    """C_f = Linear(concat(style, emotion, intensity * e_int)) (section 3.1.1).

    The intensity embedding e_int is learned and scaled by the numeric intensity, so the model can
    learn intensity's ordinal nature. Style is a learned table row per speaker id, or a (frozen)
    image embedding when the checkpoint's style encoder is an image tower.
    """

    def __init__(self, cfg: CafeTalkConfig):
        super().__init__()
        m = cfg.model
        self.table = nn.Embedding(cfg.style.num_styles, cfg.style.dim) if cfg.style.kind == "table" else None
        self.intensity = nn.Parameter(torch.randn(m.intensity_dim) * 0.02)
        self.proj = nn.Linear(cfg.style.dim + cfg.text.dim + m.intensity_dim, m.d_model)

    def forward(self, style: torch.Tensor, emotion: torch.Tensor, intensity: torch.Tensor) -> torch.Tensor:
        if self.table is not None:
            if style.dtype not in (torch.int32, torch.int64) or style.dim() != 1:
                raise ValueError("these weights learn a style table: pass style ids (B,), not image embeddings")
            if int(style.max()) >= self.table.num_embeddings or int(style.min()) < 0:
                raise ValueError(f"style id out of range: these weights know styles 0..{self.table.num_embeddings - 1}")
            style = self.table(style)  # (B, Ds)
        e_int = intensity[:, None].to(emotion.dtype) * self.intensity[None]  # (B, Di)
        return self.proj(torch.cat([style.to(emotion.dtype), emotion, e_int], dim=-1))  # (B, D)


class AudioProjection(nn.Module):
    """Frozen speech features (B, T, Da) -> model width, with a little local context (2 convs)."""

    def __init__(self, audio_dim: int, d: int):
        super().__init__()
        self.conv1 = nn.Conv1d(audio_dim, d, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, padding=1)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.conv1(a.transpose(1, 2)))  # (B, D, T)
        return self.conv2(h).transpose(1, 2)  # (B, T, D)


# --------------------------------------------------------------------------- block

class DiTBlock(nn.Module):
    def __init__(self, d: int, n_heads: int, ff_mult: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.self_attn = Attention(d, n_heads, dropout)
        self.cross_attn = FiLMAttention(d, n_heads, dropout)  # to the audio, masked by Eq. 2
        self.film_self_attn = FiLMAttention(d, n_heads, dropout)
        self.norm4 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.ff = feed_forward(d, ff_mult, dropout)
        # adaLN-Zero (DiT): shift/scale/gate of the attention and feed-forward from c. Zero init makes
        # each adaLN branch start closed (gate = 0), which DiT found trains best.
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        nn.init.zeros_(self.ada[1].weight)
        nn.init.zeros_(self.ada[1].bias)

    def forward(self, h: torch.Tensor, c: torch.Tensor, t_emb: torch.Tensor, audio: torch.Tensor,
                align: torch.Tensor) -> torch.Tensor:
        s1, sc1, g1, s2, sc2, g2 = self.ada(c).chunk(6, dim=-1)  # 6 x (B, D)
        h = h + g1[:, None] * self.self_attn(modulate(self.norm1(h), s1, sc1))  # (B, T, D)
        h = self.cross_attn(h, t_emb, context=audio, mask=align)  # (B, T, D)
        h = self.film_self_attn(h, t_emb)  # (B, T, D)
        return h + g2[:, None] * self.ff(modulate(self.norm4(h), s2, sc2))  # (B, T, D)


class FinalLayer(nn.Module):
    def __init__(self, d: int, out: int):
        super().__init__()
        self.norm = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))
        self.linear = nn.Linear(d, out)
        # Zero init (DiT): the untrained model predicts x0 = 0, the data mean after normalisation.
        for layer in (self.ada[1], self.linear):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.ada(c).chunk(2, dim=-1)  # 2 x (B, D)
        return self.linear(modulate(self.norm(h), shift, scale))  # (B, T, C)


# --------------------------------------------------------------------------- model

class CafeTalkDiT(nn.Module):
    """G(x_tau; tau, A, C, F) -> x0_hat, all in normalised ARKit space (see `normalise`)."""

    def __init__(self, cfg: CafeTalkConfig):
        super().__init__()
        self.cfg = cfg
        m = cfg.model
        d = m.d_model
        self.in_proj = nn.Linear(m.num_channels, d)
        self.register_buffer("pos", sinusoid(torch.arange(m.window), d), persistent=False)  # (W, D)
        self.t_embed = TimestepEmbedder(d)
        self.audio_proj = AudioProjection(cfg.audio.dim, d)
        self.coarse = CoarseEmbedder(cfg)
        # Learned null embeddings stand in for dropped conditions (classifier-free guidance).
        self.null_audio = nn.Parameter(torch.zeros(d))
        self.null_coarse = nn.Parameter(torch.zeros(d))
        self.blocks = nn.ModuleList(DiTBlock(d, m.n_heads, m.ff_mult, m.dropout) for _ in range(m.n_layers))
        self.final = FinalLayer(d, m.num_channels)
        self.adapter = AUAdapter(cfg) if m.adapter else None
        # Per-channel statistics of the training motion: the model works on (M - mean) / std.
        self.register_buffer("motion_mean", torch.zeros(m.num_channels))
        self.register_buffer("motion_std", torch.ones(m.num_channels))

    def normalise(self, motion: torch.Tensor) -> torch.Tensor:
        return (motion - self.motion_mean) / self.motion_std

    def denormalise(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.motion_std + self.motion_mean

    def base_parameters(self) -> list[nn.Parameter]:
        """Stage-1 parameters (everything but the adapter): frozen in stage 2."""
        adapter = set(map(id, self.adapter.parameters())) if self.adapter is not None else set()
        return [p for p in self.parameters() if id(p) not in adapter]

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: Conditions) -> torch.Tensor:
        B, T, _ = x_t.shape
        if T > self.cfg.model.window:
            raise ValueError(f"{T} frames exceed the model window of {self.cfg.model.window}; "
                             "generate long audio in windows (cafetalk.windows)")
        h = self.in_proj(x_t) + self.pos[:T]  # (B, T, D)
        t_emb = self.t_embed(t)  # (B, D)

        a = self.audio_proj(cond.audio)  # (B, T, D)
        a = torch.where(cond.flag("audio")[:, None, None], a, self.null_audio)  # (B, T, D)
        c_f = self.coarse(cond.style, cond.emotion, cond.intensity)  # (B, D)
        c_f = torch.where(cond.flag("coarse")[:, None], c_f, self.null_coarse)  # (B, D)
        c = c_f + t_emb  # (B, D) adaLN condition, as DiT adds class and timestep embeddings

        residuals = None
        if self.adapter is not None and cond.aus is not None:
            keep = cond.flag("aus")[:, None, None].to(h.dtype)  # (B, 1, 1)
            residuals = [r * keep for r in self.adapter(h, cond.aus, t_emb)]  # L x (B, T, D)

        align = alignment_mask(T, a.shape[1], device=x_t.device)  # (T, T)
        for i, block in enumerate(self.blocks):
            if residuals is not None:
                h = h + residuals[i]  # (B, T, D)
            h = block(h, c, t_emb, a, align)  # (B, T, D)
        return self.final(h, c)  # (B, T, C)
