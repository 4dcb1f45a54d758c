"""The text-to-AU detector (paper appendix F): frozen text encoder -> CLIP-Adapter -> multi-label AU head.

    f_text  = E(text)                             frozen (MiniLM offline, or the CLIP text tower)
    f_adapt = LN(f_text + MLP(f_text))            bottleneck MLP d -> d/4 -> d with ReLU, residual (Gao et al.)
    p(AU)   = sigmoid(W f_adapt)                  one output per AU unit (aus.UNITS: AU01, L02, R02, ...)

Trained with BCE on the AU labels plus InfoNCE between the adapted features of a natural description
and of its AU-based description ("AU01 inner brow raiser, ..."), which pulls the two phrasings of
the same AUs together (paper Fig. 15). Sided AUs are separate units, so "a wink" can come out as L45.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .. import aus


@dataclass
class DetectorConfig:
    text_dim: int = 384  # the frozen encoder's embedding size (MiniLM 384, CLIP 512)
    bottleneck: int = 96  # adapter hidden size (the paper's 512 -> 128 -> 512 is a quarter)
    num_units: int = aus.NUM_UNITS
    temperature: float = 0.07  # InfoNCE
    infonce_weight: float = 1.0  # 0 trains with BCE alone (the ablation)
    threshold: float = 0.5  # an AU is detected above this probability
    min_similarity: float = 0.35  # below this cosine to every training description: "no AU detected"
    dropout: float = 0.2  # on the text features in training: the corpus is small, descriptions overfit


class AUDetector(nn.Module):
    def __init__(self, cfg: DetectorConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.text_dim
        self.drop = nn.Dropout(cfg.dropout)
        self.adapter = nn.Sequential(nn.Linear(d, cfg.bottleneck), nn.ReLU(), nn.Linear(cfg.bottleneck, d))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, cfg.num_units)

    def adapt(self, f_text: torch.Tensor) -> torch.Tensor:
        f_text = self.drop(f_text)
        return self.norm(f_text + self.adapter(f_text))  # (N, d)

    def forward(self, f_text: torch.Tensor) -> torch.Tensor:
        return self.head(self.adapt(f_text))  # (N, U) logits

    def loss(self, f_text: torch.Tensor, f_au_text: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """BCE on the AU units + InfoNCE between each description and its AU-based description."""
        a = self.adapt(f_text)  # (N, d)
        bce = F.binary_cross_entropy_with_logits(self.head(a), labels)
        if self.cfg.infonce_weight <= 0:
            return bce, {"bce": float(bce.detach())}
        b = self.adapt(f_au_text)  # (N, d)
        logits = F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T / self.cfg.temperature  # (N, N)
        # Rows with the same AU set are positives of each other: mask them out of the negatives.
        same = (labels[:, None, :] == labels[None, :, :]).all(-1)  # (N, N)
        logits = logits.masked_fill(same & ~torch.eye(len(a), dtype=torch.bool), float("-inf"))
        target = torch.arange(len(a))
        nce = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
        return bce + self.cfg.infonce_weight * nce, {"bce": float(bce.detach()), "infonce": float(nce.detach())}


def units_to_codes(active: list[str]) -> list[str]:
    """Unit names -> AU codes users write: L12 + R12 -> AU12; a lone L12 stays L12."""
    out, seen = [], set(active)
    for u in active:
        if u[0] in "LR":
            au = "AU" + u[1:]
            other = ("R" if u[0] == "L" else "L") + u[1:]
            if other in seen:
                if au not in out:
                    out.append(au)
                continue
        if u not in out:
            out.append(u)
    return out


def labels_for(codes: tuple[str, ...]) -> torch.Tensor:
    """AU codes -> (U,) multi-hot over aus.UNITS."""
    y = torch.zeros(aus.NUM_UNITS)
    for c in codes:
        for u in aus.units_of(c):
            y[aus.UNIT_INDEX[u]] = 1.0
    return y
