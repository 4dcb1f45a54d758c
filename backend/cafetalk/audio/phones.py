"""Phones from real speech: pocketsphinx forced alignment (with a transcript) or phone recognition.

pocketsphinx (CMU, BSD licence) ships an en-us acoustic model trained on real speech, its pronouncing
dictionary and a phone language model. Two ways to get timed ARPAbet phones from 16 kHz mono audio:
- `force_align(samples, transcript)`: the words are known; two passes (words, then phones:
  `Decoder.set_align_text`, `set_alignment`, `get_alignment`, 100 frames per second);
- `recognize(samples)`: no transcript; the decoder's allphone mode with the phone LM (`allphone=`);
- `recognize_words(samples)`: no transcript; word recognition with the en-us language model and
  dictionary, whose hypothesis is then force-aligned: fewer false bilabials, six times slower.
`frame_classes` turns either into a per-frame (25 fps) occupancy over the viseme classes of
`CLASSES`, the phone stream of the phonetic audio encoder (audio/phonetic.py). English only: other
languages go through the English phone recogniser (see docs/lip-sync.md).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from ..errors import CafeTalkError
from .load import SAMPLE_RATE

ALIGN_FPS = 100  # pocketsphinx frames per second

# Viseme classes of the phone stream, in feature order; the same classes the procedural performer
# articulates (data/performer.py `phone_class`).
CLASSES = ("silence", "bilabial", "labiodental", "rounded", "open_rounded", "open", "front", "mid",
           "sibilant", "postalveolar", "coronal", "back")
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}

# ARPAbet phone (pocketsphinx, no stress digits) -> viseme class.
ARPABET_CLASS: dict[str, str] = {
    **dict.fromkeys(["P", "B", "M"], "bilabial"),
    **dict.fromkeys(["F", "V"], "labiodental"),
    **dict.fromkeys(["UW", "UH", "OW", "OY", "W"], "rounded"),
    **dict.fromkeys(["AO"], "open_rounded"),
    **dict.fromkeys(["AA", "AE", "AW", "AY"], "open"),
    **dict.fromkeys(["IY", "IH", "EY", "EH", "Y"], "front"),
    **dict.fromkeys(["ER", "AH"], "mid"),
    **dict.fromkeys(["S", "Z", "TH", "DH"], "sibilant"),
    **dict.fromkeys(["SH", "ZH", "CH", "JH"], "postalveolar"),
    **dict.fromkeys(["T", "D", "N", "L", "R"], "coronal"),
    **dict.fromkeys(["K", "G", "NG", "HH"], "back"),
    **dict.fromkeys(["SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+NOISE+", "+SMACK+", "+UH+", "+UM+"], "silence"),
}

Phones = list[tuple[str, float, float]]  # (symbol, start s, end s)


@dataclass
class PhoneStream:
    """Timed phones of one clip and how they were found."""

    phones: Phones
    source: str  # "transcript" (forced alignment) or "recognition"
    warning: str | None = None


def _raw(samples: np.ndarray) -> bytes:
    return (np.clip(np.asarray(samples, np.float32), -1, 1) * 32767).astype("<i2").tobytes()


def _decoder(**kw):
    try:
        from pocketsphinx import Decoder
    except ImportError:  # pragma: no cover - pocketsphinx is a dependency
        raise CafeTalkError("pocketsphinx is not installed: `pip install pocketsphinx==5.1.1`") from None
    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **kw)


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0..999999 spelled out as the dictionary spells it ("one hundred twenty three")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    if n < 1_000_000:
        return number_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))
    raise CafeTalkError(f"number {n} is too large to spell out")


def normalise_transcript(text: str) -> list[str]:
    """Words as the pronouncing dictionary spells them: lower case, letters and apostrophes; numbers
    spelled out ("10" -> "ten", "2,500" -> "two thousand five hundred")."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # thousands separators
    text = re.sub(r"\d{1,6}", lambda m: f" {number_words(int(m.group()))} ", text)
    words = []
    for w in text.lower().replace("\u2019", "'").split():
        w = "".join(ch for ch in w if ch.isalnum() or ch == "'").strip("'")
        if w:
            words.append(w)
    return words


def force_align(samples: np.ndarray, transcript: str, with_score: bool = False):
    """Align 16 kHz mono speech to its transcript. -> [(ARPAbet phone, start s, end s)]
    (and, `with_score`, the alignment's acoustic score per 10 ms frame: higher fits better)."""
    words = normalise_transcript(transcript)
    if not words:
        raise CafeTalkError("forced alignment needs a transcript")
    decoder = _decoder()
    unknown = [w for w in words if decoder.lookup_word(w) is None]
    if unknown:
        raise CafeTalkError(f"words not in the pronouncing dictionary: {', '.join(unknown)}")
    raw = _raw(samples)
    decoder.set_align_text(" ".join(words))
    try:
        for phase in ("words", "phones"):
            if phase == "phones":
                decoder.set_alignment()
            decoder.start_utt()
            decoder.process_raw(raw, full_utt=True)
            decoder.end_utt()
        alignment = decoder.get_alignment()  # (never call hyp() after alignment: it crashes pocketsphinx 5.1.1)
    except RuntimeError:
        alignment = None
    if alignment is None:
        raise CafeTalkError("the transcript could not be aligned to the audio")
    entries = [p for w in alignment for p in w]
    phones = [(p.name, p.start / ALIGN_FPS, (p.start + p.duration) / ALIGN_FPS) for p in entries]
    if not any(ARPABET_CLASS.get(p, "") != "silence" for p, _, _ in phones):
        raise CafeTalkError("the alignment found no speech")
    if with_score:
        return phones, sum(p.score for p in entries) / max(1, sum(p.duration for p in entries))
    return phones


def recognize(samples: np.ndarray) -> Phones:
    """Phone recognition without a transcript (allphone mode with pocketsphinx's en-us phone LM)."""
    from pocketsphinx import get_model_path

    lm = os.path.join(get_model_path(), "en-us", "en-us-phone.lm.bin")
    decoder = _decoder(allphone=lm, lw=2.0, beam=1e-20, pbeam=1e-20)
    decoder.start_utt()
    decoder.process_raw(_raw(samples), full_utt=True)
    decoder.end_utt()
    return [(s.word, s.start_frame / ALIGN_FPS, (s.end_frame + 1) / ALIGN_FPS) for s in decoder.seg()]


RECOGNIZERS = ("phones", "words")  # how phones are found without a transcript (docs/lip-sync.md compares them)


def recognize_words(samples: np.ndarray, allphone: Phones | None = None) -> Phones:
    """Word recognition (pocketsphinx's en-us LM and dictionary), then forced alignment of the hypothesis.
    Falls back to phone recognition (`allphone`, when the caller already has it) where no words are heard
    or the hypothesis does not align."""
    decoder = _decoder()
    decoder.start_utt()
    decoder.process_raw(_raw(samples), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    text = hyp.hypstr if hyp is not None else ""
    if text.strip():
        try:
            return force_align(samples, text)
        except CafeTalkError:
            pass
    return recognize(samples) if allphone is None else allphone
