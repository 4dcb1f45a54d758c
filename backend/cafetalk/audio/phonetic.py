"""The phonetic audio encoder: a phone stream from a recogniser trained on real speech + acoustic cues.

Why (docs/lip-sync.md, FINDINGS.md): features learned from synthetic voices lose ~25 points of
viseme accuracy on real voices. So the synthetic/real boundary sits at the phone level: in training
the stream comes from espeak-ng's exact phoneme events (made noisy like a recogniser's output,
`corrupt`), at inference from pocketsphinx (audio/phones.py): forced alignment when the transcript is
known, phone recognition otherwise. Acoustic cues that mean the same on any voice carry timing and
loudness: per-utterance-normalised energy, voicing, zero crossings and a coarse spectral shape.

Per 40 ms frame (25 fps), `dim` = 22 features:
    [0:12)   occupancy of each viseme class (audio/phones.py CLASSES): fraction of the frame it covers
    [12:16)  log energy of the four 10 ms sub-frames, relative to the utterance's loud level
    [16]     voicing (normalised autocorrelation peak, 60-400 Hz)
    [17]     zero-crossing rate
    [18:22)  log energy share of four bands (0-0.5, 0.5-1.5, 1.5-3.5, 3.5-8 kHz)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from ..errors import CafeTalkError
from .load import SAMPLE_RATE
from .phones import (CLASS_INDEX, CLASSES, DEFAULT_RECOGNIZER, RECOGNIZERS, Phones, PhoneStream,
                     arpabet_class, force_align, recognition_passes, recognize_with, within)

FPS = 25
HOP = SAMPLE_RATE // FPS
SUB = 4  # 10 ms sub-frames per frame
NUM_CLASSES = len(CLASSES)
ACOUSTIC_DIM = 10
DIM = NUM_CLASSES + ACOUSTIC_DIM
BANDS_HZ = (0, 500, 1500, 3500, 8000)

# A transcript is trusted when its alignment agrees with free phone recognition on at least this share
# of speech frames (viseme classes) and its acoustic score per 10 ms frame is not far below a matching
# one. Calibrated on the real-speech set (docs/real-speech.md): of its 100 correct transcripts 9 % are
# refused (noisy, whispered or falsetto takes); of 100 wrong ones (another clip's words) 63 fail to
# align at all and none of the other 37 passes (their agreement <= 0.43 always came with a score <= -25).
MIN_AGREEMENT = 0.2
MIN_SCORE_PER_FRAME = -25.0


def frame_classes(phones: Sequence[tuple[str, float, float]], num_frames: int,
                  classify: Callable[[str], str]) -> np.ndarray:
    """Timed phones -> (num_frames, 12) occupancy: the share of each 40 ms frame each class covers.
    Frames no phone covers count as silence."""
    hz = 100  # lay phones out on a 10 ms grid, then pool 4 cells per frame
    cells = np.zeros((num_frames * SUB, NUM_CLASSES), np.float32)
    covered = np.zeros(num_frames * SUB, bool)
    for symbol, start, end in phones:
        a, b = int(round(start * hz)), int(round(end * hz))
        a, b = max(0, a), min(len(cells), max(b, a + 1))
        if a >= len(cells) or b <= a:
            continue
        cells[a:b] = 0.0
        cells[a:b, CLASS_INDEX[classify(symbol)]] = 1.0
        covered[a:b] = True
    cells[~covered, CLASS_INDEX["silence"]] = 1.0
    return cells.reshape(num_frames, SUB, NUM_CLASSES).mean(1)


def _window_autocorrelation(win: int, n: int) -> np.ndarray:
    w = np.hanning(win)
    ac = np.fft.irfft(np.abs(np.fft.rfft(w, n)) ** 2, n)
    return np.maximum(ac / ac[0], 1e-3)


def acoustic_features(samples: np.ndarray, num_frames: int) -> np.ndarray:
    """(num_frames, 10) voice-independent cues, computed on 25 ms windows every 10 ms."""
    n_fft, win, hop = 512, 400, SAMPLE_RATE // 100
    need = num_frames * HOP
    wave = np.zeros(need + win, np.float32)
    x = np.asarray(samples, np.float32)[:need]
    wave[win // 2: win // 2 + len(x)] = x  # centred windows
    idx = np.arange(num_frames * SUB)[:, None] * hop + np.arange(win)[None]  # (S, 400)
    frames = wave[idx] * np.hanning(win).astype(np.float32)  # (S, 400)
    power = np.abs(np.fft.rfft(frames, n_fft * 2)) ** 2  # (S, 513): zero-padded, so lags do not wrap
    power_ac = power
    power = power[:, ::2]  # (S, 257): the 512-point spectrum
    freqs = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    total = power.sum(1) + 1e-9
    log_e = np.log(total)
    loud = np.percentile(log_e, 95) if len(log_e) else 0.0
    energy = np.clip((log_e - loud) / 5.0, -3.0, 0.5)  # (S,) 0 = the utterance's loud level
    bands = np.stack([power[:, (freqs >= lo) & (freqs < hi)].sum(1) for lo, hi in zip(BANDS_HZ, BANDS_HZ[1:])], 1)
    share = np.log(bands / total[:, None] + 1e-4) / 5.0  # (S, 4)
    # voicing: peak of the normalised autocorrelation over pitch lags (60-400 Hz), via the power spectrum,
    # divided by the window's own autocorrelation so that low and high voices score alike (Boersma 1993)
    lags = slice(SAMPLE_RATE // 400, SAMPLE_RATE // 60 + 1)
    full = np.fft.irfft(power_ac, n_fft * 2)  # (S, 1024) autocorrelation
    ac = full[:, lags] / (full[:, :1] + 1e-9)  # (S, L)
    voicing = np.clip((ac / _window_autocorrelation(win, n_fft * 2)[lags]).max(1), 0, 1)
    voicing[energy < -2.0] = 0.0  # silence has no voice
    zcr = (np.abs(np.diff(np.signbit(frames).astype(np.int8), axis=1)).sum(1) / win) * 4.0
    pool = lambda v: v.reshape(num_frames, SUB, *v.shape[1:]).mean(1)  # noqa: E731
    return np.concatenate([energy.reshape(num_frames, SUB), pool(voicing)[:, None], pool(zcr)[:, None],
                           pool(share)], 1).astype(np.float32)  # (T, 10)


def features(samples: np.ndarray, num_frames: int, phones: Phones, classify: Callable[[str], str]) -> np.ndarray:
    """(num_frames, 22): phone-class occupancy + acoustic cues."""
    return np.concatenate([frame_classes(phones, num_frames, classify), acoustic_features(samples, num_frames)], 1)


def _agreement(a: Phones, b: Phones, duration: float) -> float:
    n = max(1, int(duration * 100))
    fa, fb = (frame_classes(p, (n + SUB - 1) // SUB, arpabet_class).argmax(1) for p in (a, b))
    speech = (fa != 0) | (fb != 0)
    return float((fa == fb)[speech].mean()) if speech.any() else 0.0


def phone_stream(samples: np.ndarray, transcript: str | None = None, recognizer: str = DEFAULT_RECOGNIZER,
                 progress: Callable[[float], None] | None = None) -> PhoneStream:
    """Timed ARPAbet phones of real speech: forced alignment to the transcript when it fits the audio,
    else recognition (with a warning saying why the transcript was not used). `recognizer`: "phones"
    (allphone recognition), "words" (word recognition, then alignment of what was heard: slower) or
    "both" (words, plus the bilabials allphone hears where the words have none: phones.recognize_with) or
    "nbest" (both, plus those of the next word hypotheses) or "warped" (nbest, plus those of phone
    recognition at a few vocal-tract warps).
    `progress(fraction)`: called after each recognition pass (phones.recognize_with); may raise to cancel.
    Without a transcript it runs once from 0 to 1; with one, the phone recognition the alignment is
    checked against runs from 0 to 1, and recognition again if the transcript is not used."""
    if recognizer not in RECOGNIZERS:
        raise CafeTalkError(f"unknown recognizer '{recognizer}': use {', '.join(RECOGNIZERS)}")
    given = bool(transcript and transcript.strip())
    # phone recognition: part of all but "words", and the yardstick a transcript's alignment is checked against
    # the share of the progress the first pass (phone recognition) takes
    share = 1.0 if given else 0.0 if recognizer == "words" else 1 / recognition_passes(recognizer)
    recognised = (recognize_with(samples, "phones", progress=within(progress, 0.0, share))
                  if given or recognizer != "words" else None)

    def fallback() -> Phones:
        return recognize_with(samples, recognizer, recognised, within(progress, 0.0 if given else share, 1.0))

    if not given:
        return PhoneStream(fallback(), "recognition")
    guessed: list[str] = []
    try:
        aligned, score = force_align(samples, transcript, with_score=True, guessed=guessed)
    except CafeTalkError as exc:
        return PhoneStream(fallback(), "recognition", f"transcript not used ({exc}); phones were recognised instead")
    agreement = _agreement(aligned, recognised, len(samples) / SAMPLE_RATE)
    if agreement < MIN_AGREEMENT or score < MIN_SCORE_PER_FRAME:
        return PhoneStream(fallback(), "recognition",
                           f"the transcript does not seem to match the audio (agreement with recognised phones "
                           f"{agreement:.2f} < {MIN_AGREEMENT} or alignment score {score:.1f} < "
                           f"{MIN_SCORE_PER_FRAME}); phones were recognised instead")
    note = (f"not in the pronouncing dictionary, pronounced by espeak-ng's rules: {', '.join(guessed)}"
            if guessed else None)
    return PhoneStream(aligned, "transcript", note)


@dataclass
class SymbolNoise:
    """Recogniser-like errors put on exact training phones (issue 8): the model learns to tolerate them."""

    substitute: float = 0.12  # a phone's class replaced by a confusable one
    drop_short: float = 0.3  # phones under 60 ms merged into their neighbour
    jitter_s: float = 0.02  # boundary jitter (std, seconds)
    shift_s: float = 0.03  # whole-clip timing offset (uniform +-, seconds)
    blur: float = 0.3  # share of clips whose one-hot stream is softened like posteriors
    # Per true class, how often each class was recognised instead (counts or weights, normalised when a
    # class is drawn; RECOGNISER_CONFUSION is measured): replaces `substitute` and `drop_short` (a short
    # phone the recogniser swallows counts there as its neighbour's class).
    confusion: dict[str, dict[str, float]] | None = None

    @classmethod
    def named(cls, kind: str) -> "SymbolNoise":
        """SYMBOL_NOISE kinds: "confusable" (the rules above), "recogniser" (the measured confusions),
        "none" (exact phones: the ablation)."""
        if kind == "confusable":
            return cls()
        if kind == "recogniser":
            return cls(drop_short=0.0, confusion=RECOGNISER_CONFUSION)
        if kind == "none":
            return cls(0.0, 0.0, 0.0, 0.0, 0.0)
        raise ValueError(f"unknown symbol noise '{kind}': use one of {', '.join(SYMBOL_NOISE)}")


SYMBOL_NOISE = ("confusable", "recogniser", "none")


# Token counts: true class (rows) -> the class the recogniser "both" (audio/phones.py; the default then) puts on most
# of the token, on 120 Piper clips (scripts/recogniser_confusion.py runs/piper-probe 120; 5,217 tokens;
# the probe corpus: `cafetalk data generate --out runs/piper-probe --hours 0.1 --seed 11 --piper-share 1`).
# Natural TTS stands in for real speech here, which is kept for evaluation only.
_COUNTS = {  # columns in CLASSES order
    "silence": (286, 28, 0, 29, 6, 4, 9, 2, 17, 1, 9, 15),
    "bilabial": (13, 432, 16, 8, 6, 5, 9, 11, 20, 0, 19, 8),
    "labiodental": (6, 52, 114, 2, 0, 0, 1, 1, 11, 0, 8, 2),
    "rounded": (10, 39, 3, 304, 23, 12, 17, 8, 12, 0, 55, 5),
    "open_rounded": (0, 2, 1, 12, 91, 5, 0, 6, 0, 0, 2, 0),
    "open": (4, 9, 2, 33, 27, 245, 15, 83, 5, 3, 25, 3),
    "front": (7, 31, 11, 44, 4, 60, 457, 62, 22, 4, 78, 15),
    "mid": (7, 65, 15, 21, 3, 3, 14, 120, 14, 2, 53, 7),
    "sibilant": (11, 33, 8, 1, 0, 0, 4, 4, 377, 3, 9, 5),
    "postalveolar": (0, 0, 1, 0, 0, 0, 0, 0, 3, 26, 2, 0),
    "coronal": (34, 163, 31, 48, 12, 32, 31, 70, 37, 2, 699, 26),
    "back": (12, 14, 4, 1, 1, 5, 8, 1, 2, 0, 13, 154),
}
RECOGNISER_CONFUSION = {true: {c: n for c, n in zip(CLASSES, row) if n} for true, row in _COUNTS.items()}


# Confusions a recogniser makes between viseme classes (place and manner neighbours).
CONFUSABLE = {
    "bilabial": ("labiodental", "coronal", "back"), "labiodental": ("bilabial", "sibilant", "coronal"),
    "rounded": ("open_rounded", "mid", "front"), "open_rounded": ("open", "rounded", "mid"),
    "open": ("open_rounded", "mid", "front"), "front": ("mid", "open", "coronal"),
    "mid": ("open", "front", "rounded"), "sibilant": ("postalveolar", "coronal", "labiodental"),
    "postalveolar": ("sibilant", "coronal", "back"), "coronal": ("back", "sibilant", "front"),
    "back": ("coronal", "mid", "silence"), "silence": ("back", "coronal", "labiodental"),
}


def corrupt(phones: Phones, classify: Callable[[str], str], rng: np.random.Generator,
            noise: SymbolNoise) -> list[tuple[str, float, float]]:
    """Exact phones -> a recogniser-like class stream [(class, start, end)]."""
    out: list[tuple[str, float, float]] = []
    shift = rng.uniform(-noise.shift_s, noise.shift_s)
    for symbol, start, end in phones:
        cls = classify(symbol)
        if end - start < 0.06 and out and rng.random() < noise.drop_short:
            prev = out[-1]
            out[-1] = (prev[0], prev[1], end)  # merged into the previous phone
            continue
        if noise.confusion is not None and cls in noise.confusion:
            row = noise.confusion[cls]
            cls = str(rng.choice(list(row), p=np.array(list(row.values())) / sum(row.values())))
        elif rng.random() < noise.substitute:
            cls = str(rng.choice(CONFUSABLE[cls]))
        out.append((cls, start, end))
    jittered = []
    for i, (cls, start, end) in enumerate(out):
        if i:
            start = jittered[-1][2]
        if i < len(out) - 1:
            end = max(start + 0.01, end + rng.normal(0, noise.jitter_s))
        jittered.append((cls, start + (shift if i == 0 else 0.0), end + shift))
    return jittered


def soften(stream: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One-hot-like occupancy -> posterior-like: some mass spread to confusable classes."""
    keep = rng.uniform(0.6, 0.95)
    out = stream * keep
    for cls, near in CONFUSABLE.items():
        for other in near:
            out[:, CLASS_INDEX[other]] += stream[:, CLASS_INDEX[cls]] * (1 - keep) / len(near)
    return out


class PhoneticEncoder:
    """`encode_clip(samples, num_frames, transcript)` -> ((num_frames, 22), the PhoneStream used) for a
    whole clip; `encode(samples, num_frames)` is the same with recognised phones (the AudioEncoder API)."""

    whole_clip = True  # the recogniser needs the whole utterance, so the pipeline encodes once

    def __init__(self, cfg):
        self.dim, self.acoustic = DIM, cfg.acoustic
        if cfg.dim != DIM:
            raise CafeTalkError(f"checkpoint says phonetic features have {cfg.dim} dims; this encoder makes {DIM}")

    def to(self, device) -> "PhoneticEncoder":
        return self

    def encode_clip(self, samples: np.ndarray, num_frames: int, transcript: str | None = None,
                    phones: Phones | None = None, recognizer: str = DEFAULT_RECOGNIZER,
                    progress: Callable[[float], None] | None = None) -> tuple[torch.Tensor, PhoneStream]:
        """`phones`: timed phones from elsewhere (another aligner), used as they are instead of pocketsphinx;
        `recognizer`, `progress`: how phones are found without a (fitting) transcript (phone_stream)."""
        stream = (PhoneStream(list(phones), "given") if phones is not None
                  else phone_stream(samples, transcript, recognizer, progress))
        feats = features(samples, num_frames, stream.phones, arpabet_class)
        if not self.acoustic:
            feats[:, NUM_CLASSES:] = 0.0  # a model trained without the cues (AudioConfig.acoustic)
        return torch.from_numpy(feats), stream

    def encode(self, samples: np.ndarray, num_frames: int) -> torch.Tensor:
        return self.encode_clip(samples, num_frames)[0]
