"""Real captures into the corpus format: Live Link Face CSV takes (or npz/json animation files) + WAV.

    cafetalk data import-livelink TAKE.csv TAKE.wav --out DIR [--emotion happy --intensity 2 --style 0]

The animation is resampled to 25 fps (linear), PascalCase columns are mapped to ARKit names, the
length is matched to the audio, and AU triplets come from Algorithm 1. Each import appends one
shard to DIR (creating the corpus when DIR has none), so a folder of takes becomes a training set.
Phone timings are left empty: real takes come without them (a transcript aligner can add them).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..animation import Animation
from ..audio import SAMPLE_RATE, load_audio
from ..errors import CafeTalkError
from .binarize import BinarizeConfig, binarize, to_triplets
from .corpus import MANIFEST, Clip, write_shard
from .performer import EMOTIONS, FPS


def import_take(motion_path: str | Path, audio_path: str | Path, out: str | Path, emotion: str = "neutral",
                intensity: int = 1, style: int = 0, csv_fps: float | None = None, seed: int = 0) -> dict:
    if emotion not in EMOTIONS:
        raise CafeTalkError(f"--emotion '{emotion}' is not one of {', '.join(EMOTIONS)}")
    if intensity not in (1, 2, 3):
        raise CafeTalkError("--intensity must be 1, 2 or 3 (MEAD's levels)")
    motion_path = Path(motion_path)
    if not motion_path.exists():
        raise CafeTalkError(f"take not found: {motion_path}")
    anim = Animation.load(motion_path, csv_fps=csv_fps).resample(FPS)
    audio = load_audio(audio_path)
    frames = int(np.ceil(audio.duration * FPS))
    if abs(anim.num_frames - frames) > FPS:  # more than a second apart: probably the wrong pair
        raise CafeTalkError(f"{motion_path.name} lasts {anim.duration:.2f} s but {Path(audio_path).name} lasts "
                            f"{audio.duration:.2f} s: are they the same take?")
    motion = np.zeros((frames, anim.blendshapes.shape[1]), dtype=np.float32)
    n = min(frames, anim.num_frames)
    motion[:n] = anim.blendshapes[:n]
    motion[n:] = anim.blendshapes[n - 1]  # hold the last pose over any audio tail
    triplets = to_triplets(binarize(motion, BinarizeConfig(merge_prob=1.0), np.random.default_rng(seed)))

    root = Path(out)
    (root / "shards").mkdir(parents=True, exist_ok=True)
    manifest_path = root / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else dict(
        version=1, fps=FPS, sample_rate=SAMPLE_RATE, hours=0.0, config={"source": "imported takes"}, voices=[],
        clips=[])
    shard = 1 + max((c["shard"] for c in manifest["clips"]), default=-1)
    meta = dict(id=f"take-{shard:05d}", emotion=emotion, intensity=intensity, voice="recorded", language="",
                style=style, speaker=-1, text="", duration=round(audio.duration, 3), frames=frames, augment=[],
                triplets=[str(t) for t in triplets], source=str(motion_path.name), audio_source=str(Path(audio_path).name))
    write_shard(root / "shards" / f"{shard:05d}.npz", [Clip(meta["id"], audio.samples, motion, [], triplets, meta)])
    manifest["clips"].append(dict(meta, shard=shard))
    manifest["hours"] = round(sum(c["duration"] for c in manifest["clips"]) / 3600, 3)
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return meta
