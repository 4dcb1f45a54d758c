"""Offline speech synthesis with exact phoneme timings: espeak-ng (the C library) through ctypes.

The library and its data come from the `espeakng-loader` package (`pip install espeakng-loader`).
Timings are espeak's own, not an aligner's guess: initialised with `espeakINITIALIZE_PHONEME_EVENTS`
(speak_lib.h), the library reports each phoneme it renders as an `espeakEVENT_PHONEME` whose `sample` is
its onset in output samples. A phone ends where the next starts, the last with the audio. `espeakEVENT_WORD`
events give the words.

Phone symbols are espeak's ASCII mnemonic phoneme names (`m`, `A:`, `oU`, `a#`, `_:`: the names in its
phoneme tables), or IPA with `ipa=True`. The stress mark espeak puts before a stressed vowel (`'`/`ˈ`
primary, `,`/`ˌ` secondary) moves to `Phone.stress`. Names starting with `_` are pauses.

Determinism: espeak keeps synthesis state in C statics that no API call resets (pitch-flutter phase,
gain control, noise generators), so two identical calls on one loaded library differ. Every `synthesize`
therefore loads a private, fresh copy of the library (about 2 ms), seeds its noise generators
(`espeak_ng_SetRandSeed` and libc `srand`, which is process-wide) and unloads it afterwards: the same call
gives the same samples, whatever ran before. Calls are serialised by a lock (espeak-ng is not thread safe).
"""
from __future__ import annotations

import _ctypes
import atexit
import ctypes as C
import itertools
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import CafeTalkError

# speak_lib.h constants (espeakPHONEMES: text inside [[ ]] is espeak phoneme input)
AUDIO_OUTPUT_SYNCHRONOUS, POS_CHARACTER, espeakCHARS_UTF8, espeakPHONEMES = 2, 1, 1, 0x100
espeakINITIALIZE_PHONEME_EVENTS, espeakINITIALIZE_PHONEME_IPA, espeakINITIALIZE_DONT_EXIT = 0x1, 0x2, 0x8000
espeakRATE, espeakVOLUME, espeakPITCH, espeakRANGE = 1, 2, 3, 4
EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_PHONEME, EVENT_SAMPLERATE = 0, 1, 7, 8
RATE_RANGE = (80, 450)  # espeakRATE_MINIMUM, espeakRATE_MAXIMUM (words per minute)
STRESS = {"'": 2, "ˈ": 2, ",": 1, "ˌ": 1}


class SpeechError(CafeTalkError):
    """Speech synthesis failed or was asked for something espeak cannot do."""


class _EventId(C.Union):  # speak_lib.h: espeak_EVENT.id
    _fields_ = [("number", C.c_int), ("name", C.c_char_p), ("string", C.c_char * 8)]


class _Event(C.Structure):  # speak_lib.h: espeak_EVENT
    _fields_ = [("type", C.c_int), ("unique_identifier", C.c_uint), ("text_position", C.c_int),
                ("length", C.c_int), ("audio_position", C.c_int), ("sample", C.c_int),
                ("user_data", C.c_void_p), ("id", _EventId)]


class _Voice(C.Structure):  # speak_lib.h: espeak_VOICE (languages: priority byte + name + NUL, repeated, 0-ended)
    _fields_ = [("name", C.c_char_p), ("languages", C.c_void_p), ("identifier", C.c_char_p),
                ("gender", C.c_ubyte), ("age", C.c_ubyte), ("variant", C.c_ubyte), ("xx1", C.c_ubyte),
                ("score", C.c_int), ("spare", C.c_void_p)]


_CALLBACK = C.CFUNCTYPE(C.c_int, C.POINTER(C.c_short), C.c_int, C.POINTER(_Event))  # t_espeak_callback


@dataclass
class Phone:
    """One phoneme: espeak mnemonic (or IPA) name without stress mark, [start, end) in seconds."""
    symbol: str
    start: float
    end: float
    stress: int = 0  # 0 none, 1 secondary, 2 primary

    @property
    def is_pause(self) -> bool:
        return self.symbol.startswith("_")


@dataclass
class Utterance:
    samples: np.ndarray  # float32 mono in [-1, 1]
    rate: int  # Hz
    phones: list[Phone]
    words: list[tuple[str, float, float]] = field(default_factory=list)  # (text, start, end) seconds
    text: str = ""
    voice: str = ""

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


_LOCK = threading.Lock()
_SINK: dict = {}
_COPIES = itertools.count()


@_CALLBACK
def _on_synth(wav, numsamples, events) -> int:
    """SynthCallback (speak_lib.h): a block of 16-bit samples and its event list; 0 = continue."""
    if wav and numsamples > 0:
        _SINK["audio"].append(np.ctypeslib.as_array(wav, (numsamples,)).copy())
    for i in itertools.count():
        e = events[i]
        if e.type == EVENT_LIST_TERMINATED:
            return 0
        if e.type == EVENT_PHONEME:  # id.string: up to 8 bytes, NUL-terminated only when shorter
            _SINK["events"].append((e.type, e.sample, bytes(e.id.string).split(b"\0")[0].decode("utf-8", "replace")))
        elif e.type in (EVENT_WORD, EVENT_SAMPLERATE):
            _SINK["events"].append((e.type, e.sample, (e.text_position, e.length, e.id.number)))


@lru_cache(maxsize=1)
def _paths() -> tuple[str, bytes, str]:
    """(library, data folder, a private folder for the library's copies)."""
    try:
        import espeakng_loader
        lib, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, RuntimeError) as e:
        raise SpeechError(f"espeak-ng is not installed ({e}): `pip install espeakng-loader`") from None
    tmp = tempfile.mkdtemp(prefix="cafetalk-espeak-")
    atexit.register(shutil.rmtree, tmp, True)
    return lib, data.encode(), tmp


class _Instance:
    """A private copy of libespeak-ng, freshly initialised (its C statics pristine); use as a context."""

    def __init__(self, ipa: bool = False):
        src, data, tmp = _paths()
        self.path = os.path.join(tmp, f"libespeak-ng-{os.getpid()}-{next(_COPIES)}{Path(src).suffix}")
        shutil.copyfile(src, self.path)
        self.lib = lib = C.CDLL(self.path)
        lib.espeak_Initialize.argtypes = [C.c_int, C.c_int, C.c_char_p, C.c_int]
        lib.espeak_ListVoices.restype = C.POINTER(C.POINTER(_Voice))
        lib.espeak_Synth.argtypes = [C.c_void_p, C.c_size_t, C.c_uint, C.c_int, C.c_uint, C.c_uint] + [C.c_void_p] * 2
        options = espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_DONT_EXIT | (espeakINITIALIZE_PHONEME_IPA * ipa)
        self.rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, options)
        if self.rate <= 0:
            self.__exit__()
            raise SpeechError(f"espeak-ng could not initialise with data {data.decode()}: reinstall espeakng-loader")

    def __enter__(self) -> "_Instance":
        return self

    def __exit__(self, *exc) -> None:
        self.lib.espeak_Terminate()
        (_ctypes.dlclose if hasattr(_ctypes, "dlclose") else _ctypes.FreeLibrary)(self.lib._handle)
        Path(self.path).unlink(missing_ok=True)

    def list_voices(self, spec: _Voice | None = None) -> list[tuple[str, str, list[tuple[int, str]]]]:
        """espeak_ListVoices: (name, identifier, [(priority, language)]) per voice."""
        out, arr = [], self.lib.espeak_ListVoices(C.byref(spec) if spec is not None else None)
        for v in itertools.takewhile(bool, (arr[i] for i in itertools.count())):
            v, langs, p = v.contents, [], v.contents.languages or 0
            while p and (prio := C.c_ubyte.from_address(p).value):  # priority byte, NUL-terminated name
                langs.append((prio, C.string_at(p + 1).decode()))
                p += 2 + len(langs[-1][1])
            out.append((v.name.decode(), v.identifier.decode(), langs))
        return out


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, str], frozenset[str], tuple[str, ...]]:
    """({lower-case voice name, identifier, file name or language: identifier}, variant names, languages).

    espeak_SetVoiceByName finds voices by name or file only ('en-gb' is a language of the voice file 'en'),
    so a language resolves to the voice that lists it with the best (lowest) priority."""
    variant = C.c_char_p(b"variant")  # a spec with language "variant" makes espeak_ListVoices list variants
    with _LOCK, _Instance() as inst:
        voices, found = inst.list_voices(), inst.list_voices(_Voice(languages=C.cast(variant, C.c_void_p)))
    variants = frozenset(ident.rsplit("/", 1)[-1] for _, ident, _ in found)
    best: dict[str, tuple[int, str]] = {}
    for _, ident, langs in voices:
        for prio, lang in langs:
            best[lang] = min(best.get(lang, (prio, ident)), (prio, ident), key=lambda x: x[0])
    resolve = {lang.lower(): ident for lang, (_, ident) in best.items()}
    for name, ident, _ in voices:
        resolve.update({n.lower(): ident for n in (name, ident, ident.rsplit("/", 1)[-1])})
    return resolve, variants, tuple(sorted(best))


class Espeak:
    """espeak-ng speech synthesiser with exact phoneme timings (see the module docstring)."""

    def __init__(self) -> None:
        _catalogue()  # fails here, with a clear message, if the library or its data is missing

    @staticmethod
    def voices() -> list[str]:
        """Language codes accepted as `voice` (from espeak_ListVoices), e.g. 'en-us', 'en-gb', 'fr-fr'.
        Voice names ('English (America)') and identifiers ('gmw/en-US') are accepted too."""
        return list(_catalogue()[2])

    @staticmethod
    def variants() -> list[str]:
        """Voice variants to append with '+' ('en-us+m3', 'en+f2', 'de+klatt'): espeak's voices/!v."""
        return sorted(_catalogue()[1])

    @staticmethod
    def resolve(voice: str) -> str:
        """'lang[+variant]' -> the name espeak_SetVoiceByName takes ('en-gb+f2' -> 'gmw/en+f2')."""
        base, _, variant = voice.partition("+")
        resolve, variants, _ = _catalogue()
        if base.lower() not in resolve:
            raise SpeechError(f"unknown espeak voice '{base}': use a language code such as 'en-us' "
                              "(Espeak.voices() lists them)")
        if variant and variant not in variants:
            raise SpeechError(f"unknown espeak voice variant '{variant}': use one of Espeak.variants(), e.g. m3, f2")
        return resolve[base.lower()] + (f"+{variant}" if variant else "")

    def synthesize(self, text: str, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50,
                   pitch_range: int = 50, ipa: bool = False, seed: int = 1) -> Utterance:
        """Speak `text` (UTF-8; `[[...]]` is espeak phoneme input) with `voice` ('lang[+variant]').

        rate_wpm: espeakRATE, words per minute (80..450); pitch: espeakPITCH, base pitch 0..100 (50 normal);
        pitch_range: espeakRANGE 0..100 (0 monotone, 50 normal); ipa: IPA phone names instead of mnemonics.
        """
        if not isinstance(text, str) or not text.strip():
            raise SpeechError("nothing to say: the text is empty")
        for name, value, (lo, hi) in (("rate_wpm", rate_wpm, RATE_RANGE), ("pitch", pitch, (0, 100)),
                                      ("pitch_range", pitch_range, (0, 100))):
            if not lo <= value <= hi:
                raise SpeechError(f"{name}={value} is out of espeak's range {lo}..{hi}")
        name = self.resolve(voice)
        data = text.encode("utf-8") + b"\0"
        with _LOCK, _Instance(ipa) as inst:
            lib, rate = inst.lib, inst.rate
            lib.espeak_SetSynthCallback(_on_synth)
            if lib.espeak_SetVoiceByName(C.c_char_p(name.encode())) != 0:
                raise SpeechError(f"espeak-ng could not load voice '{voice}'")
            for param, value in ((espeakRATE, rate_wpm), (espeakVOLUME, 100), (espeakPITCH, pitch),
                                 (espeakRANGE, pitch_range)):
                lib.espeak_SetParameter(param, int(value), 0)
            if hasattr(lib, "espeak_ng_SetRandSeed"):
                lib.espeak_ng_SetRandSeed(C.c_long(seed))
            if os.name != "nt":
                C.CDLL(None).srand(C.c_uint(seed))  # wavegen's breath noise uses libc rand()
            _SINK.update(audio=[], events=[])
            err = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, espeakCHARS_UTF8 | espeakPHONEMES, None, None)
            err = err or lib.espeak_Synchronize()
            audio, events = _SINK.pop("audio"), _SINK.pop("events")
        if err != 0:
            raise SpeechError(f"espeak_Synth failed (espeak_ERROR {err}) for {text[:40]!r}")
        pcm = np.concatenate(audio) if audio else np.zeros(0, np.int16)
        rate = next((info[2] for kind, _, info in reversed(events) if kind == EVENT_SAMPLERATE), rate)
        phones = _phones([(s, name) for kind, s, name in events if kind == EVENT_PHONEME], len(pcm), rate)
        if not any(not p.is_pause for p in phones):
            raise SpeechError(f"espeak-ng produced no speech for {text[:40]!r}")
        words = _words(text, [(s, info) for kind, s, info in events if kind == EVENT_WORD], phones, rate)
        return Utterance((pcm / 32768.0).astype(np.float32), rate, phones, words, text, voice)


def _phones(onsets: list[tuple[int, str]], n: int, rate: int) -> list[Phone]:
    """Phones from PHONEME events: each ends where the next starts, the last at the end of the audio."""
    out = []
    for i, (start, name) in enumerate(onsets):
        start = min(max(start, 0), n)
        end = min(max(onsets[i + 1][0] if i + 1 < len(onsets) else n, start), n)
        stress = STRESS.get(name[:1], 0)
        symbol = (name[1:] if stress else name) or "_"  # IPA names of pauses are empty
        if end > start:  # espeak reports a zero-length pause at the very end
            out.append(Phone(symbol, start / rate, end / rate, stress))
    return out


def _words(text: str, onsets: list[tuple[int, tuple]], phones: list[Phone],
           rate: int) -> list[tuple[str, float, float]]:
    """Words from WORD events (1-based character position and length in `text`). espeak emits the event a
    little before the word's first phone, so a word spans its phones: those starting between its event and
    the next word's, from the first one's start to the last non-pause one's end."""
    out = []
    for i, (sample, (pos, length, _)) in enumerate(onsets):
        stop = onsets[i + 1][0] / rate if i + 1 < len(onsets) else float("inf")
        own = [p for p in phones if sample / rate <= p.start < stop and not p.is_pause]
        start = own[0].start if own else sample / rate
        out.append((text[pos - 1:pos - 1 + length], start, own[-1].end if own else start))
    return out
