"""Training batches from a corpus: audio features, coarse conditions, AU sequences, motion, masks.

Each sample is a random crop of at most `window` frames of one clip (shorter clips are padded and
their padding masked out of the loss). Fine-grained conditions are made fresh every time from the
clip's motion with Algorithm 1 (random kernel, random merges) and then sparsified (section 3.2), so
the adapter sees the kind of partial triplets users type; Z_ctrl (Eq. 6) comes with them.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from .. import arkit, aus
from ..audio import HOP, build_audio_encoder
from ..audio import phonetic
from ..data.binarize import BinarizeConfig, SparsifyConfig, binarize, sparsify, to_triplets
from ..data.corpus import Corpus
from ..data.performer import phone_class
from ..model.config import CafeTalkConfig

PREDICTED = [arkit.INDEX[n] for n in arkit.PREDICTED]


@dataclass
class Batch:
    motion: torch.Tensor  # (B, T, 51) in [0, 1]
    audio: torch.Tensor  # (B, T, Da)
    emotion: list[str]  # (B,) labels, embedded by the trainer
    intensity: torch.Tensor  # (B,) 1..3 -> scaled to [0, 1]
    style: torch.Tensor  # (B,) ids
    aus: torch.Tensor  # (B, T, U) sparsified AU units
    z_ctrl: torch.Tensor  # (B, T, 51) Eq. 6 mask of the kept AUs
    frames: torch.Tensor  # (B, T) 1 on real frames, 0 on padding


class BatchMaker:
    def __init__(self, corpus: Corpus, cfg: CafeTalkConfig, seed: int = 0,
                 binarize_cfg: BinarizeConfig | None = None, sparsify_cfg: SparsifyConfig | None = None,
                 symbol_noise: str = "confusable"):
        self.corpus, self.cfg = corpus, cfg
        self.window = cfg.model.window
        self.encoder = build_audio_encoder(cfg.audio)
        self.rng = np.random.default_rng(seed)
        self.binarize_cfg = binarize_cfg or BinarizeConfig()
        self.sparsify_cfg = sparsify_cfg or SparsifyConfig()
        self.phonetic = cfg.audio.kind == "phonetic"
        self.noise = phonetic.SymbolNoise.named(symbol_noise)  # phonetic.SYMBOL_NOISE
        self.usable = [i for i, c in enumerate(corpus.clips) if c.get("frames", 0) > 0]
        if not self.usable:
            raise ValueError("the corpus has no clips with motion to train on")

    def sample(self, batch: int) -> Batch:
        T = self.window
        motion = np.zeros((batch, T, arkit.NUM_PREDICTED), np.float32)
        audio = np.zeros((batch, T, self.cfg.audio.dim), np.float32)
        units = np.zeros((batch, T, aus.NUM_UNITS), np.float32)
        z_ctrl = np.zeros((batch, T, arkit.NUM_PREDICTED), np.float32)
        frames = np.zeros((batch, T), np.float32)
        emotions, intensity, style = [], [], []
        for b in range(batch):
            clip = self._clip()
            n = min(len(clip.motion), int(np.ceil(len(clip.audio) / HOP)))
            start = int(self.rng.integers(0, max(1, n - T + 1)))
            length = min(T, n - start)
            m = clip.motion[start:start + length]
            motion[b, :length] = m[:, PREDICTED]
            wave = clip.audio[start * HOP:(start + length) * HOP]
            audio[b, :length] = self._audio(clip, wave, start, length)
            trips = sparsify(to_triplets(binarize(m, self.binarize_cfg, self.rng)), self.sparsify_cfg, self.rng)
            units[b, :length] = aus.au_sequence(trips, length)
            z_ctrl[b, :length] = aus.control_mask(trips, length)
            frames[b, :length] = 1.0
            emotions.append(clip.meta["emotion"])
            intensity.append(clip.meta["intensity"] / 3.0)
            style.append(int(clip.meta["style"]) % self.cfg.style.num_styles)
        t = torch.from_numpy
        return Batch(t(motion), t(audio), emotions, torch.tensor(intensity, dtype=torch.float32),
                     torch.tensor(style), t(units), t(z_ctrl), t(frames))


    def _clip(self):
        """A random clip with finite motion (a broken clip is dropped from the draw, with a warning)."""
        while self.usable:
            i = int(self.rng.choice(self.usable))
            clip = self.corpus[i]
            if np.isfinite(clip.motion).all() and np.isfinite(clip.audio).all():
                return clip
            warnings.warn(f"clip {clip.id} has non-finite motion or audio: left out of training", stacklevel=3)
            self.usable.remove(i)
        raise ValueError("no clip with finite motion left in the corpus")

    def _audio(self, clip, wave: np.ndarray, start: int, length: int) -> np.ndarray:
        """Audio features of a crop; the phonetic stream comes from the clip's exact phones made noisy."""
        if not self.phonetic:
            return self.encoder.encode(wave, length).numpy()
        t0 = start * HOP / 16000
        crop = [(s, a - t0, e - t0) for s, a, e in clip.phones if e > t0 and a < t0 + length * HOP / 16000]
        noisy = phonetic.corrupt(crop, phone_class, self.rng, self.noise)
        stream = phonetic.frame_classes(noisy, length, lambda c: c)
        if self.rng.random() < self.noise.blur:
            stream = phonetic.soften(stream, self.rng)
        cues = phonetic.acoustic_features(wave, length)
        return np.concatenate([stream, cues if self.cfg.audio.acoustic else np.zeros_like(cues)], 1)


def motion_statistics(corpus: Corpus, clips: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std of the 51 predicted channels over a sample of clips."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(corpus), size=min(clips, len(corpus)), replace=False)
    data = np.concatenate([corpus[int(i)].motion[:, PREDICTED] for i in picks if corpus.clips[int(i)]["frames"]])
    return data.mean(0), np.maximum(data.std(0), 0.02)  # a floor: rarely-moving channels stay trainable
