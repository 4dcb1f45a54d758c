"""One door for every audio file: read, check, mix to mono, resample to 16 kHz.

Reads what libsndfile reads (WAV, FLAC, OGG/Vorbis, MP3 with libsndfile >= 1.1, AIFF, ...) through
`soundfile`; resamples with `soxr` (high quality). Every refusal names the file, the problem, and the
fix, because a bad file in an animator's scene must never end as a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CafeTalkError

SAMPLE_RATE = 16000  # every encoder works at 16 kHz
MIN_SECONDS = 0.2  # shorter than one syllable: nothing to animate
MAX_SECONDS = 3 * 3600.0  # default cap; an hour of audio is fine, a day is a mistake
MIN_RATE = 8000
SILENCE_DBFS = -60.0


@dataclass
class Audio:
    samples: np.ndarray  # (S,) float32 mono at SAMPLE_RATE, in [-1, 1]
    source: str = "<array>"
    notes: list[str] = field(default_factory=list)  # what was done to the input (mixdown, resampling)

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def load_audio(path: str | Path, max_seconds: float = MAX_SECONDS) -> Audio:
    """Read and check an audio file. Raises CafeTalkError with the reason."""
    import soundfile as sf

    p = Path(path)
    if not p.exists():
        raise CafeTalkError(f"audio file not found: {p}")
    if p.is_dir():
        raise CafeTalkError(f"audio path is a folder, not a file: {p}")
    if p.stat().st_size == 0:
        raise CafeTalkError(f"audio file is empty (0 bytes): {p}")
    try:
        info = sf.info(str(p))
    except Exception as exc:  # libsndfile's own words are the most precise reason
        raise CafeTalkError(f"cannot read audio {p}: {str(exc).strip()} - use WAV, FLAC or OGG") from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise CafeTalkError(f"audio file holds no samples: {p}")
    seconds = info.frames / info.samplerate
    if seconds > max_seconds:
        raise CafeTalkError(f"audio {p} is {seconds / 60:.1f} min long, over the limit of "
                            f"{max_seconds / 60:.0f} min: split it, or raise the limit (--max-minutes)")
    try:
        data, rate = sf.read(str(p), dtype="float32", always_2d=True)  # (S, channels)
    except Exception as exc:
        raise CafeTalkError(f"cannot decode audio {p}: {str(exc).strip()}") from None
    return prepare(data, rate, source=str(p), max_seconds=max_seconds)


def prepare(data: np.ndarray, rate: int, source: str = "<array>", max_seconds: float = MAX_SECONDS) -> Audio:
    """Check samples already in memory: (S,) or (S, channels) at `rate` Hz."""
    data = np.asarray(data, dtype=np.float32)
    notes: list[str] = []
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.size == 0:
        raise CafeTalkError(f"audio {source} holds no samples")
    if data.shape[1] > data.shape[0]:
        raise CafeTalkError(f"audio {source} has more channels ({data.shape[1]}) than samples: "
                            "pass samples as (S,) or (S, channels)")
    if not np.isfinite(data).all():
        raise CafeTalkError(f"audio {source} contains NaN or infinite samples: re-export it")
    if not (MIN_RATE <= rate <= 384000):
        raise CafeTalkError(f"audio {source} has a sample rate of {rate} Hz: speech needs at least "
                            f"{MIN_RATE} Hz (16 kHz or more is best); re-export it")
    seconds = data.shape[0] / rate
    if seconds < MIN_SECONDS:
        raise CafeTalkError(f"audio {source} lasts {seconds * 1000:.0f} ms: at least {MIN_SECONDS * 1000:.0f} ms "
                            "of speech is needed")
    if seconds > max_seconds:
        raise CafeTalkError(f"audio {source} is {seconds / 60:.1f} min long, over the limit of "
                            f"{max_seconds / 60:.0f} min: split it")
    if data.shape[1] > 1:
        notes.append(f"mixed {data.shape[1]} channels down to mono")
        data = data.mean(axis=1, keepdims=True)
    mono = data[:, 0]
    peak = float(np.abs(mono).max())
    if peak <= 10 ** (SILENCE_DBFS / 20):
        raise CafeTalkError(f"audio {source} is silent (peak below {SILENCE_DBFS:.0f} dBFS): "
                            "choose the clip with the voice")
    if peak > 1.0:
        notes.append(f"scaled down from a peak of {peak:.2f}")
        mono = mono / peak
    if rate != SAMPLE_RATE:
        import soxr

        notes.append(f"resampled {rate} Hz -> {SAMPLE_RATE} Hz")
        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    return Audio(np.ascontiguousarray(mono, dtype=np.float32), source, notes)
