"""Algorithm 1 (appendix D): ARKit motion -> fine-grained conditions F, and the sparsification of 3.2.

    Step 1  binarise each AU unit's activation with a per-AU threshold;
    Step 2  max-pool the binary sequence in time with a random (odd) kernel size;
    Step 3  merge neighbouring active runs when the gap between them is under a spacing threshold
            (each gap independently, with probability `merge_prob`, in training).

A unit's activation is the largest of its ARKit channels on its side (aus.channels_of). Runs are
grouped into triplets (Eq. 1) per face region - brows, eyes, cheeks and nose, mouth - so a triplet
looks like what an animator types: a few AUs of one region over one interval. Sparsification
(section 3.2) then drops whole triplets, and single AUs inside a kept triplet, so the adapter learns
from the partial conditions users give.

Everything is deterministic for a given numpy Generator.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import arkit, aus

# Thresholds on the unit activation (ARKit weight, 0..1). Mouth units that articulate speech (pucker
# on rounded vowels, press and roll on p/b/m and f/v, jaw on open vowels) cross low thresholds in
# every sentence, so they need more to count as a deliberate expression; a blink is a near-closed lid.
DEFAULT_THRESHOLD = 0.3
THRESHOLDS = {"AU18": 0.7, "AU22": 0.5, "AU23": 0.45, "AU24": 0.5, "AU25": 0.5, "AU26": 0.6, "AU28": 0.6,
              "AU45": 0.5}

REGIONS: dict[str, tuple[str, ...]] = {
    "brows": ("AU01", "AU02", "AU04"),
    "eyes": ("AU05", "AU07", "AU45"),
    "cheeks": ("AU06", "AU09"),
    "mouth": ("AU10", "AU12", "AU14", "AU15", "AU17", "AU18", "AU20", "AU22", "AU23", "AU24", "AU25", "AU26",
              "AU28"),
}


def _au_of_unit(unit: str) -> str:
    return unit if unit.startswith("AU") else "AU" + unit[1:]


@dataclass
class BinarizeConfig:
    thresholds: dict[str, float] = field(default_factory=lambda: dict(THRESHOLDS))
    max_kernel: int = 5  # max-pool kernel drawn from the odd sizes 1..max_kernel
    spacing: int = 6  # frames: active runs closer than this are merge candidates
    merge_prob: float = 0.5  # chance that each candidate gap is merged (1.0: always, deterministic)
    min_run: int = 2  # runs shorter than this (after pooling) are noise


@dataclass
class SparsifyConfig:
    drop_triplet: float = 0.5  # probability of dropping a whole triplet
    drop_au: float = 0.3  # probability of dropping each AU inside a kept triplet
    # Temporal sparsification of what is left: a triplet longer than `shorten_over` seconds is, with
    # this probability, cut to a random stretch of `shorten_to` seconds inside it. Algorithm 1 gives
    # an emotion's AUs as clip-long triplets (AU04 over a whole angry clip); users type short slots.
    shorten: float = 0.0
    shorten_over: float = 1.5
    shorten_to: tuple[float, float] = (0.4, 1.5)


def unit_activations(motion: np.ndarray) -> np.ndarray:
    """(T, 51 or 52) ARKit weights -> (T, NUM_UNITS): each unit's strongest channel."""
    out = np.zeros((motion.shape[0], aus.NUM_UNITS), dtype=np.float32)
    for u, unit in enumerate(aus.UNITS):
        cols = [arkit.INDEX[c] for c in aus.channels_of(unit)]
        out[:, u] = motion[:, cols].max(axis=1)
    return out


def runs(active: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True in a 1-D bool array, as [start, end) pairs."""
    padded = np.concatenate([[False], active.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def max_pool(active: np.ndarray, kernel: int) -> np.ndarray:
    """Binary dilation in time by an odd kernel (max pooling with stride 1, same length). (T, U)."""
    r = kernel // 2
    if r == 0:
        return active.copy()
    padded = np.pad(active, ((r, r), (0, 0)))
    return np.stack([padded[i:i + active.shape[0]] for i in range(kernel)]).max(axis=0)


def merge_gaps(active: np.ndarray, spacing: int, prob: float, rng: np.random.Generator) -> np.ndarray:
    """Fill gaps shorter than `spacing` between runs of each column, each with probability `prob`."""
    out = active.copy()
    for u in range(active.shape[1]):
        rs = runs(active[:, u])
        for (_, e0), (s1, _) in zip(rs, rs[1:]):
            if s1 - e0 < spacing and rng.random() < prob:
                out[e0:s1, u] = True
    return out


def binarize(motion: np.ndarray, cfg: BinarizeConfig, rng: np.random.Generator) -> np.ndarray:
    """Steps 1-3 of Algorithm 1. (T, 51/52) weights -> (T, NUM_UNITS) bool."""
    act = unit_activations(motion)
    thr = np.array([cfg.thresholds.get(_au_of_unit(u), DEFAULT_THRESHOLD) for u in aus.UNITS], dtype=np.float32)
    active = act > thr[None]  # step 1
    kernel = 2 * int(rng.integers(0, cfg.max_kernel // 2 + 1)) + 1
    active = max_pool(active, kernel)  # step 2
    active = merge_gaps(active, cfg.spacing, cfg.merge_prob, rng)  # step 3
    for u in range(active.shape[1]):  # drop specks
        for s, e in runs(active[:, u]):
            if e - s < cfg.min_run:
                active[s:e, u] = False
    return active


def to_triplets(active: np.ndarray, fps: int = aus.FPS) -> list[aus.Triplet]:
    """Group active units into triplets: one per run of each region's activity.

    A unit belongs to a triplet when it is active for at least half of the run; both sides of a
    sided AU collapse to the bilateral code.
    """
    triplets = []
    for region, region_aus in REGIONS.items():
        cols = [i for i, u in enumerate(aus.UNITS) if _au_of_unit(u) in region_aus]
        for s, e in runs(active[:, cols].any(axis=1)):
            share = active[s:e][:, cols].mean(axis=0)  # (len(cols),) fraction of the run each unit is on
            units = [aus.UNITS[c] for c, f in zip(cols, share) if f >= 0.5]
            if not units:
                units = [aus.UNITS[cols[int(np.argmax(share))]]]
            codes = []
            for u in units:
                au = _au_of_unit(u)
                both = aus.VOCABULARY[au][2] and {"L" + au[2:], "R" + au[2:]} <= set(units)
                code = au if (both or u == au) else u
                if code not in codes:
                    codes.append(code)
            triplets.append(aus.Triplet(tuple(codes), s / fps, e / fps))
    return sorted(triplets, key=lambda t: (t.start, t.aus))


def sparsify(triplets: list[aus.Triplet], cfg: SparsifyConfig, rng: np.random.Generator) -> list[aus.Triplet]:
    """Section 3.2: drop whole triplets, then single AUs inside the kept ones, then (cfg.shorten) cut
    long triplets to user-like slots."""
    out = []
    for t in triplets:
        if rng.random() < cfg.drop_triplet:
            continue
        kept = tuple(a for a in t.aus if rng.random() >= cfg.drop_au)
        if not kept:
            continue
        start, end = t.start, t.end
        if end - start > cfg.shorten_over and rng.random() < cfg.shorten:
            length = rng.uniform(*cfg.shorten_to)
            start = round(rng.uniform(t.start, t.end - length) * aus.FPS) / aus.FPS
            end = start + round(length * aus.FPS) / aus.FPS
        out.append(aus.Triplet(kept, start, end, t.beta))
    return out
