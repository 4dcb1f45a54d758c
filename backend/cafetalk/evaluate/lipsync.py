"""Lip-sync checks on speech with phone timings (real recordings force-aligned with pocketsphinx).

On the reference head (head/rig.py), per phone token:
- closure rate: bilabials (p, b, m) whose inner-lip gap falls to <= CLOSED_MM on a frame of the phone
  (frames whose centre lies within the phone +-10 ms, or else the frame overlapping it most); lips
  must meet for these sounds;
- opening: mean lip gap on open vowels (AA, AE, AW, AY) and in silences (pauses >= 150 ms, their inner
  frames), and their ratio (silence floored at 0.5 mm so a perfectly closed mouth gives a finite number);
- openness correlation: Pearson r between each spoken phone's mean lip gap and its class's jaw target
  in the procedural performer (data/performer.py VISEMES: bilabial 0.07 ... open 0.55).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..audio.phonetic import arpabet_class
from ..data.performer import VISEMES

FPS = 25
CLOSED_MM = 2.0  # inner lips this close count as closed (the head's gap is 39 mm at jawOpen = 1)
SILENCE_MIN_S = 0.15
SILENCE_FLOOR_MM = 0.5


@dataclass
class LipSync:
    bilabials: int
    closed: int
    closure_rate: float
    open_vowel_mm: float
    silence_mm: float
    open_silence_ratio: float
    openness_r: float
    tokens: int

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def lip_gap_mm(motion: np.ndarray, head=None) -> np.ndarray:
    """(T, 52) ARKit weights -> (T,) inner-lip opening in mm on the reference head."""
    from ..head.rig import reference_head

    head = head or reference_head()
    return head.lip_gap(head.pose(motion)) * 1000.0


def _frames(start: float, end: float, n: int, pad: float = 0.0) -> np.ndarray:
    a = max(0, int(np.floor((start - pad) * FPS)))
    b = min(n, max(a + 1, int(np.ceil((end + pad) * FPS))))
    return np.arange(a, b)


def _phone_frames(start: float, end: float, n: int) -> np.ndarray:
    centres = (np.arange(n) + 0.5) / FPS
    inside = np.flatnonzero((centres >= start - 0.01) & (centres <= end + 0.01))
    if len(inside):
        return inside
    overlap = np.minimum((np.arange(n) + 1) / FPS, end) - np.maximum(np.arange(n) / FPS, start)
    return np.array([int(np.argmax(overlap))])


@dataclass
class Tally:
    """Per-token measurements of one or more clips (pooled before the rates are computed)."""

    bilabial_min: list[float]
    open_vowel: list[float]
    silence: list[float]
    token_gap: list[float]
    token_target: list[float]

    @classmethod
    def empty(cls) -> "Tally":
        return cls([], [], [], [], [])

    def add(self, gap: np.ndarray, phones: list[tuple[str, float, float]], classify=arpabet_class) -> None:
        n = len(gap)
        for symbol, start, end in phones:
            cls = classify(symbol)
            if cls == "silence":
                if end - start >= SILENCE_MIN_S:
                    inner = _frames(start + 0.05, end - 0.05, n)
                    self.silence.extend(gap[inner].tolist())
                continue
            frames = _frames(start, end, n)
            if cls == "bilabial":
                self.bilabial_min.append(float(gap[_phone_frames(start, end, n)].min()))
            if cls == "open":
                self.open_vowel.extend(gap[frames].tolist())
            self.token_gap.append(float(gap[frames].mean()))
            self.token_target.append(VISEMES[cls].get("jawOpen", 0.0))

    def result(self) -> LipSync:
        closed = int(sum(g <= CLOSED_MM for g in self.bilabial_min))
        open_mm = float(np.mean(self.open_vowel)) if self.open_vowel else float("nan")
        sil_mm = float(np.mean(self.silence)) if self.silence else float("nan")
        r = float(np.corrcoef(self.token_gap, self.token_target)[0, 1]) if len(self.token_gap) > 2 and \
            np.std(self.token_gap) > 0 else float("nan")
        return LipSync(bilabials=len(self.bilabial_min), closed=closed,
                       closure_rate=closed / len(self.bilabial_min) if self.bilabial_min else float("nan"),
                       open_vowel_mm=open_mm, silence_mm=sil_mm,
                       open_silence_ratio=open_mm / max(sil_mm, SILENCE_FLOOR_MM), openness_r=r,
                       tokens=len(self.token_gap))


def lipsync(motions: list[np.ndarray], phones: list[list[tuple[str, float, float]]], classify=arpabet_class) -> LipSync:
    """Pooled lip-sync numbers of several clips: motions (T, 52) at 25 fps, reference phones (ARPAbet, or
    any symbols with their `classify`)."""
    tally = Tally.empty()
    for motion, ph in zip(motions, phones):
        tally.add(lip_gap_mm(motion), ph, classify)
    return tally.result()
