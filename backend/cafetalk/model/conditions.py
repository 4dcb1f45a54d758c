"""The conditions the generator G reads (section 3): speech audio A, coarse C, fine-grained F.

`Conditions` holds them batched, with one keep-flag per condition and sample. A dropped condition
is replaced inside the model by a learned null embedding; this is how the unconditional and
partially-conditional predictions of classifier-free guidance (Ho & Salimans 2021; Eq. 7) are made.
Condition dropout for training lives here, once (`drop_conditions`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch


@dataclass
class Conditions:
    audio: torch.Tensor  # (B, T, Da) audio features at 25 fps
    emotion: torch.Tensor  # (B, De) emotion text embedding
    intensity: torch.Tensor  # (B,) emotion intensity in [0, 1]
    style: torch.Tensor  # (B,) long style ids (table) or (B, Ds) image embeddings
    aus: torch.Tensor | None = None  # (B, T, U) binary AU units (Eq. 1 in time); None: no F
    keep_audio: torch.Tensor | None = None  # (B,) bool; None: all kept
    keep_coarse: torch.Tensor | None = None  # (B,) bool
    keep_aus: torch.Tensor | None = None  # (B,) bool

    @property
    def batch(self) -> int:
        return self.audio.shape[0]

    def flag(self, name: str) -> torch.Tensor:
        """A keep-flag as a (B,) bool tensor (all True when unset)."""
        value = getattr(self, f"keep_{name}")
        if value is None:
            return torch.ones(self.batch, dtype=torch.bool, device=self.audio.device)
        return value

    def with_flags(self, audio: bool, coarse: bool, aus: bool) -> "Conditions":
        """The same conditions with every sample's flags set (for one guidance branch)."""
        full = lambda v: torch.full((self.batch,), v, dtype=torch.bool, device=self.audio.device)  # noqa: E731
        return replace(self, keep_audio=full(audio), keep_coarse=full(coarse), keep_aus=full(aus))

    def to(self, device: torch.device | str) -> "Conditions":
        move = lambda v: None if v is None else v.to(device)  # noqa: E731
        return Conditions(**{k: move(v) for k, v in self.__dict__.items()})


def concat(parts: list[Conditions]) -> Conditions:
    """Stack several Conditions along the batch (one forward pass for all guidance branches)."""
    def cat(name: str) -> torch.Tensor | None:
        values = [getattr(p, name) for p in parts]
        if all(v is None for v in values):
            return None
        if name == "aus" and any(v is None for v in values):
            ref = next(v for v in values if v is not None)
            values = [torch.zeros_like(ref[:p.batch]) if v is None else v for v, p in zip(values, parts)]
        if name.startswith("keep_"):
            values = [p.flag(name[5:]) for p in parts]
        return torch.cat(values, dim=0)

    return Conditions(**{name: cat(name) for name in Conditions.__dataclass_fields__})


def drop_conditions(cond: Conditions, p: float, generator: torch.Generator | None = None,
                    aus: bool = False) -> Conditions:
    """Independently drop audio and coarse conditions with probability p (section 3.1.2: p = 0.2);
    `aus` drops the AU sequence too (joint training, where the same network must also serve G_{A,C})."""
    device = cond.audio.device
    draw = lambda: torch.rand(cond.batch, generator=generator, device="cpu").to(device) >= p  # noqa: E731
    out = replace(cond, keep_audio=cond.flag("audio") & draw(), keep_coarse=cond.flag("coarse") & draw())
    return replace(out, keep_aus=cond.flag("aus") & draw()) if aus else out
