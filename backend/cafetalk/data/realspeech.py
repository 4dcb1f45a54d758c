"""Real human speech with phone timings, by pocketsphinx forced alignment, for lip-sync checks.

pocketsphinx (CMU, BSD licence) ships an acoustic model trained on real speech; aligning a recording
against its transcript (two passes: words, then phones; `Decoder.set_align_text`, `set_alignment`,
`get_alignment`, 100 frames per second) gives ARPAbet phones with times. Real recordings with known
transcripts come from pocketsphinx's own source distribution (test/data). Its `librivox/` folder is
held out of everything in this project (training, tuning, tests, demos) and is never read here.

    cafetalk data real-speech --out data/real-speech [--source DIR]

Without --source, the sdist is fetched once from the package registry with `pip download` into
`--cache` (a build step; nothing is fetched at run time or in tests).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, load_audio, prepare
from ..errors import CafeTalkError
from ..audio.phones import ARPABET_CLASS, force_align
from .corpus import MANIFEST, Clip, write_shard

HELD_OUT = "librivox"
SDIST = "pocketsphinx==5.1.1"

# Recordings in pocketsphinx's test/data with their transcripts (from its own tests and file lists).
RECORDINGS: tuple[tuple[str, str], ...] = (
    ("goforward.raw", "go forward ten meters"),
    ("forever/input_2_16k.wav", "feels like these days go on forever"),
    ("cards/001.wav", "ten of clubs"),
    ("cards/002.wav", "four queen of clubs"),
    ("cards/003.wav", "seven of clubs"),
    ("cards/004.wav", "five five"),
    ("cards/005.wav", "eight of spades four of clubs seven of hearts"),
)

def fetch_source(cache: Path) -> Path:
    """The pocketsphinx sdist's test/data folder, fetched once with `pip download` (a build step)."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("pocketsphinx-*.tar.gz"))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(cache), SDIST]
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            raise CafeTalkError(f"could not download the {SDIST} source distribution: run `{' '.join(cmd)}` "
                                "by hand, or pass --source with its test/data folder")
        found = sorted(cache.glob("pocketsphinx-*.tar.gz"))
    root = cache / found[0].name[: -len(".tar.gz")]
    if not (root / "test" / "data").is_dir():
        with tarfile.open(found[0]) as tar:
            members = [m for m in tar.getmembers() if "/test/data/" in m.name and f"/{HELD_OUT}/" not in m.name
                       and m.isfile()]
            tar.extractall(cache, members=members, filter="data")
    return root / "test" / "data"


def _read(path: Path) -> np.ndarray:
    if path.suffix == ".raw":  # pocketsphinx test audio: 16 kHz, 16-bit little-endian mono
        return prepare(np.fromfile(path, dtype="<i2").astype(np.float32) / 32768, SAMPLE_RATE, str(path)).samples
    return load_audio(path).samples


def build(out: str | Path, source: str | Path) -> dict:
    """Align the known recordings under `source` (pocketsphinx test/data) into a corpus folder."""
    source, root = Path(source), Path(out)
    clips, metas = [], []
    for rel, transcript in RECORDINGS:
        if HELD_OUT in Path(rel).parts:
            raise CafeTalkError(f"{rel}: the {HELD_OUT} recordings are held out")
        path = source / rel
        if not path.exists():
            continue
        samples = _read(path)
        phones = force_align(samples, transcript)
        meta = dict(id=Path(rel).with_suffix("").as_posix().replace("/", "-"), emotion="neutral", intensity=1,
                    voice="recorded", language="en-us", style=0, speaker=-1, text=transcript,
                    duration=round(len(samples) / SAMPLE_RATE, 3), frames=0, augment=[], triplets=[],
                    source=f"pocketsphinx {rel}", phone_set="arpabet",
                    bilabials=sum(ARPABET_CLASS.get(p) == "bilabial" for p, _, _ in phones))
        clips.append(Clip(meta["id"], samples, np.zeros((0, 52), np.float32), phones, [], meta))
        metas.append(dict(meta, shard=0))
    if not clips:
        raise CafeTalkError(f"none of the known recordings are under {source}: pass pocketsphinx's test/data folder")
    (root / "shards").mkdir(parents=True, exist_ok=True)
    write_shard(root / "shards" / "00000.npz", clips)
    manifest = dict(version=1, fps=25, sample_rate=SAMPLE_RATE, kind="real-speech", phone_set="arpabet",
                    hours=round(sum(m["duration"] for m in metas) / 3600, 4), config={"source": str(source)},
                    voices=[], clips=metas)
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest
