"""Phones from real speech: pocketsphinx forced alignment (with a transcript) or phone recognition.

pocketsphinx (CMU, BSD licence) ships an en-us acoustic model trained on real speech, its pronouncing
dictionary and a phone language model. The ways to get timed ARPAbet phones from 16 kHz mono audio:
- `force_align(samples, transcript)`: the words are known; two passes (words, then phones:
  `Decoder.set_align_text`, `set_alignment`, `get_alignment`, 100 frames per second);
- `recognize(samples)`: no transcript; the decoder's allphone mode with the phone LM (`allphone=`);
- `word_hypotheses(samples)`, then `recognize_words(samples, text)`: no transcript; word recognition
  with the en-us language model and dictionary, whose hypothesis is then force-aligned: fewer false
  bilabials, six times slower;
- `merge_bilabials(words, phones)`: the word result, plus the bilabials phone recognition heard
  where the words have none (the two recognisers miss different ones): `recognize_with(..., "both")`;
  "nbest" also adds those of the word search's next hypotheses (`word_hypotheses`), each aligned,
  and "warped" (the default) those of phone recognition at a few vocal-tract-length warps of the
  front end (`recognize(samples, warp)`, `WARPS`).
`frame_classes` turns either into a per-frame (25 fps) occupancy over the viseme classes of
`CLASSES`, the phone stream of the phonetic audio encoder (audio/phonetic.py). English only: other
languages go through the English phone recogniser (see docs/lip-sync.md).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable

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


def arpabet_class(symbol: str) -> str:
    """ARPAbet phone (stress digits allowed) -> viseme class; a viseme class name stands for itself."""
    if symbol in CLASS_INDEX:
        return symbol
    return ARPABET_CLASS.get(symbol.rstrip("012"), "silence")


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


# espeak-ng's en-us phoneme mnemonics (data/speech.py) -> ARPAbet, for words outside the dictionary.
# Syllabic consonants get their schwa; the glottal stop of "button" is the dictionary's T.
ESPEAK_ARPABET = {
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "tS": "CH", "dZ": "JH", "h": "HH", "m": "M", "n": "N", "N": "NG",
    "l": "L", "r": "R", "w": "W", "j": "Y", "t#": "T", "d#": "D", "?": "T", "n-": "AH N", "l-": "AH L",
    "m-": "AH M", "a": "AE", "a#": "AH", "A:": "AA", "A": "AA", "A@": "AA R", "aI": "AY", "aI@": "AY ER",
    "aI3": "AY ER", "aU": "AW", "aU@": "AW ER", "@": "AH", "@2": "AH", "@5": "AH", "@L": "AH L", "3": "ER",
    "3:": "ER", "E": "EH", "e@": "EH R", "eI": "EY", "i": "IY", "i:": "IY", "I": "IH", "I2": "IH", "I#": "IH",
    "i@": "IH R", "i@3": "IH R", "O": "AO", "O:": "AO", "O@": "AO R", "o@": "AO R", "OI": "OY", "oU": "OW",
    "oU#": "OW", "0": "AA", "U": "UH", "U@": "UH R", "u:": "UW", "V": "AH",
}

# espeak-ng's glide between two vowels in hiatus ("buriest" b E r i ; I2 s t): the pronouncing dictionary
# writes none there (serious S IH R IY AH S), so it is left out.
ESPEAK_LINKS = {";"}


def espeak_pronunciation(word: str) -> str:
    """A word outside the pronouncing dictionary -> ARPAbet by espeak-ng's en-us spelling rules ("zorblax"
    -> "Z AO R B L AE K S"). Raises CafeTalkError when espeak says a sound the table does not map."""
    from ..data.speech import Espeak

    symbols = [p.symbol for p in Espeak().synthesize(word, voice="en-us").phones
               if not p.is_pause and p.symbol not in ESPEAK_LINKS]
    missing = sorted({s for s in symbols if s not in ESPEAK_ARPABET})
    if not symbols or missing:
        raise CafeTalkError(f"no pronunciation for '{word}'" + (f" (espeak-ng sounds {missing})" if missing else ""))
    return " ".join(ESPEAK_ARPABET[s] for s in symbols)


def force_align(samples: np.ndarray, transcript: str, with_score: bool = False, guessed: list | None = None,
                pronounce: dict[str, str] | None = None):
    """Align 16 kHz mono speech to its transcript. -> [(ARPAbet phone, start s, end s)]
    (and, `with_score`, the alignment's acoustic score per 10 ms frame: higher fits better).
    `pronounce`: ARPAbet pronunciations ("P AH D IY") for words outside the pronouncing dictionary.
    `guessed`: a list to receive the other words outside it, which are then pronounced by espeak-ng's
    rules (espeak_pronunciation); without it such words are refused."""
    words = normalise_transcript(transcript)
    if not words:
        raise CafeTalkError("forced alignment needs a transcript")
    decoder = _decoder()
    for w in dict.fromkeys(words):
        if w in (pronounce or {}) and decoder.lookup_word(w) is None:
            decoder.add_word(w, pronounce[w], True)
    unknown = list(dict.fromkeys(w for w in words if decoder.lookup_word(w) is None))
    if unknown and guessed is None:
        raise CafeTalkError(f"words not in the pronouncing dictionary: {', '.join(unknown)}")
    for w in unknown:
        decoder.add_word(w, espeak_pronunciation(w), True)
        guessed.append(w)
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


def recognize(samples: np.ndarray, warp: float | None = None) -> Phones:
    """Phone recognition without a transcript (allphone mode with pocketsphinx's en-us phone LM).
    `warp`: vocal tract length normalisation of the front end (pocketsphinx's `warp_type` inverse_linear:
    the filterbank's frequencies divided by `warp`), as if the talker's vocal tract were longer or shorter."""
    from pocketsphinx import get_model_path

    lm = os.path.join(get_model_path(), "en-us", "en-us-phone.lm.bin")
    warping = {} if warp is None else dict(warp_type="inverse_linear", warp_params=f"{warp:g}")
    decoder = _decoder(allphone=lm, lw=2.0, beam=1e-20, pbeam=1e-20, **warping)
    decoder.start_utt()
    decoder.process_raw(_raw(samples), full_utt=True)
    decoder.end_utt()
    return [(s.word, s.start_frame / ALIGN_FPS, (s.end_frame + 1) / ALIGN_FPS) for s in decoder.seg()]


# How phones are found without a transcript (docs/lip-sync.md compares them): "phones" (allphone),
# "words" (word recognition, then alignment), "both" (words, plus allphone's bilabials), "nbest" (both,
# plus the bilabials of the next NBEST_EXTRA word hypotheses, each aligned), "warped" (nbest, plus the
# bilabials of phone recognition at each of WARPS: the default, docs/lip-sync.md).
RECOGNIZERS = ("phones", "words", "both", "nbest", "warped")
DEFAULT_RECOGNIZER = "warped"
MERGE_PAD_S = 0.04  # a recognised bilabial within one 25 fps frame of a word bilabial is the same one
NBEST_EXTRA = 7  # further word hypotheses "nbest" aligns (set on Piper tuning clips, scripts/nbest_depth.py:
# bilabial recall 0.841 with none, 0.861 with 3, 0.872 with 7 and with 10, precision 0.455 -> 0.443)
NBEST_SCAN = 200  # N-best entries read to find them (most differ from the best only in fillers)
WARPS = (0.88, 0.94, 1.06, 1.12)  # vocal-tract warps "warped" recognises phones at (set on Piper tuning clips,
# scripts/warp_passes.py: bilabial recall 0.872 with none, 0.892 with 0.88 and 1.12, 0.896 with these four,
# 0.901 with eight from 0.8 to 1.2; precision 0.443 -> 0.415, 0.413, 0.393)
PIECE_S = 30.0  # longer audio is recognised piece by piece, cut at pauses (progress and cancel in between)


def word_hypotheses(samples: np.ndarray, extra: int = 0) -> list[str]:
    """Word recognition (pocketsphinx's en-us LM and dictionary): the best hypothesis, then up to `extra`
    more distinct ones from the search's N-best list (`Decoder.nbest`); [] where no words are heard."""
    decoder = _decoder()
    decoder.start_utt()
    decoder.process_raw(_raw(samples), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    texts = [hyp.hypstr.strip()] if hyp is not None and hyp.hypstr.strip() else []
    if texts and extra > 0:
        for i, h in enumerate(decoder.nbest()):
            if len(texts) > extra or i >= NBEST_SCAN:
                break
            text = h.hypstr.strip()
            if text and text not in texts:
                texts.append(text)
    return texts


def recognize_words(samples: np.ndarray, text: str, allphone: Phones | None = None) -> Phones:
    """Forced alignment of a word hypothesis (`text`, from `word_hypotheses`; "" where none was heard).
    Falls back to phone recognition (`allphone`, when the caller already has it) where there are no words
    or the hypothesis does not align."""
    if text.strip():
        try:
            return force_align(samples, text)
        except CafeTalkError:
            pass
    return recognize(samples) if allphone is None else allphone


def merge_bilabials(words: Phones, phones: Phones, pad: float = MERGE_PAD_S) -> Phones:
    """Word-recognition phones with the bilabials (p, b, m) of phone recognition added where the words
    have no bilabial within `pad` seconds; an added bilabial overwrites what the words had there."""
    word_bilabials = [(a, b) for p, a, b in words if arpabet_class(p) == "bilabial"]
    extra = [(p, a, b) for p, a, b in phones if arpabet_class(p) == "bilabial"
             and not any(a2 < b + pad and b2 > a - pad for a2, b2 in word_bilabials)]
    if not extra:
        return list(words)
    end = max(b for _, _, b in list(words) + extra)
    labels = ["SIL"] * int(round(end * ALIGN_FPS))  # one label per 10 ms pocketsphinx frame
    for p, a, b in list(words) + extra:  # the extra bilabials last: they win where they overlap
        i, j = int(round(a * ALIGN_FPS)), int(round(b * ALIGN_FPS))
        labels[i:j] = [p] * (j - i)
    out, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((labels[start], start / ALIGN_FPS, i / ALIGN_FPS))
            start = i
    return out


def pieces(samples: np.ndarray, max_s: float = PIECE_S) -> list[int]:
    """Sample boundaries [0, ..., len] of pieces of at most `max_s` seconds, each cut at the quietest
    10 ms of the last third of its span (a pause, where speech has one)."""
    span, hop = int(max_s * SAMPLE_RATE), SAMPLE_RATE // 100
    bounds = [0]
    while len(samples) - bounds[-1] > span:
        lo = bounds[-1] + 2 * span // 3
        frames = samples[lo:bounds[-1] + span]
        energy = np.square(frames[: len(frames) // hop * hop].reshape(-1, hop)).sum(1)  # (F,)
        bounds.append(lo + int(np.argmin(energy)) * hop)
    return bounds + [len(samples)]


def _window(phones: Phones, t0: float, t1: float) -> Phones:
    """The phones inside [t0, t1), clipped to it, with times from t0."""
    return [(p, max(a, t0) - t0, min(b, t1) - t0) for p, a, b in phones if min(b, t1) > max(a, t0)]


def within(progress: Callable[[float], None] | None, lo: float, hi: float) -> Callable[[float], None] | None:
    """`progress` for a part of the work that spans [lo, hi] of the whole (None stays None)."""
    return None if progress is None else (lambda fraction: progress(lo * (1 - fraction) + hi * fraction))


WORD_SEARCH_PASSES = 4  # word recognition costs about as much as four allphone passes or alignments (bench/phones.py)


def _further(recognizer: str) -> tuple[int, tuple[float, ...]]:
    """What a recogniser adds to "both": (further word hypotheses aligned, warps phones are recognised at)."""
    return NBEST_EXTRA if recognizer in ("nbest", "warped") else 0, WARPS if recognizer == "warped" else ()


def recognition_passes(recognizer: str, with_allphone: bool = True) -> int:
    """The work of `recognize_with(..., recognizer)` on one piece, in allphone passes (for progress):
    [allphone] [word search, its alignment] [further hypotheses' alignments] [warped allphone passes]."""
    extra, warps = _further(recognizer)
    searching = recognizer != "phones"
    return ((with_allphone and recognizer != "words") + searching * (WORD_SEARCH_PASSES + 1) + extra + len(warps))


def recognize_with(samples: np.ndarray, recognizer: str, allphone: Phones | None = None,
                   progress: Callable[[float], None] | None = None) -> Phones:
    """Phones without a transcript by one of RECOGNIZERS (`allphone`: the caller's phone recognition, reused).
    Audio over PIECE_S seconds is recognised piece by piece (`pieces`). `progress(fraction)` is called after
    each recognition pass (of each piece) and may raise to cancel."""
    if recognizer not in RECOGNIZERS:
        raise CafeTalkError(f"unknown recognizer '{recognizer}': use {', '.join(RECOGNIZERS)}")
    bounds = pieces(samples)
    if len(bounds) > 2:
        out: Phones = []
        n = len(bounds) - 1
        for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            t0, t1 = a / SAMPLE_RATE, b / SAMPLE_RATE
            part = recognize_with(samples[a:b], recognizer, None if allphone is None else _window(allphone, t0, t1),
                                  within(progress, i / n, (i + 1) / n))
            out += [(p, s + t0, e + t0) for p, s, e in part]
        return out
    extra, warps = _further(recognizer)
    total = recognition_passes(recognizer, allphone is None)
    done = 0

    def passed(units: int = 1) -> None:
        nonlocal done
        done += units
        if progress is not None:
            progress(min(1.0, done / total) if total else 1.0)

    if allphone is None and recognizer != "words":
        allphone = recognize(samples)
        passed()
    elif recognizer == "phones":
        passed(0)  # a piece whose phones the caller had still reports
    if recognizer == "phones":
        return allphone
    texts = word_hypotheses(samples, extra)
    passed(WORD_SEARCH_PASSES)
    words = recognize_words(samples, texts[0] if texts else "", allphone)
    passed()
    if recognizer == "words":
        return words
    merged = merge_bilabials(words, allphone)
    for text in texts[1:]:  # "nbest": the closures an alternative hypothesis has where the stream has none
        try:
            merged = merge_bilabials(merged, force_align(samples, text))
        except CafeTalkError:
            pass
        passed()
    missing = extra - len(texts[1:])  # further hypotheses the search did not have
    if missing:
        passed(missing)
    for warp in warps:  # "warped": those phone recognition hears at another vocal tract
        merged = merge_bilabials(merged, recognize(samples, warp))
        passed()
    return merged
